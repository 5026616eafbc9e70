"""Funds pages: the year's entitlements (filters and Excel), the year's parameters (the district edits
them), and the import of earlier years' levels. Thin: reads through queries, writes through services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from wuxing.core.dates import YEAR_MAX, YEAR_MIN
from wuxing.core.excel import build_template, workbook_response
from wuxing.core.forms import show_conflict
from wuxing.core.locking import EditConflict
from wuxing.core.views import int_param
from wuxing.core.workdays import today
from wuxing.funds import exports, queries, services
from wuxing.funds.engine import ITEM_LABELS, ITEMS, SOURCE_LABELS
from wuxing.funds.forms import (
    ClaimActionForm,
    ClaimForm,
    ClaimResubmitForm,
    HistoryImportForm,
    ParametersForm,
)
from wuxing.funds.models import ClaimState
from wuxing.funds.parameters import flags
from wuxing.orgs.models import Level


def _year(request: HttpRequest) -> int:
    year = int_param(request, "year", label=_("年度"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    return year if year is not None else today().year


def _can_manage(request: HttpRequest) -> bool:
    return bool(request.user.has_perm("funds.manage"))


@require_safe
def entitlements(request: HttpRequest) -> HttpResponseBase:
    year = _year(request)
    code = request.GET.get("street", "").strip()[:20]
    street = queries.street_by_code(request.user, code)
    if code and street is None:
        messages.warning(request, _("筛选条件“%(label)s”无效，已忽略。") % {"label": _("街道/镇")})
    item = request.GET.get("item", "")
    if item not in ITEMS:
        if item:
            messages.warning(request, _("筛选条件“%(label)s”无效，已忽略。") % {"label": _("项目")})
        item = ""
    result = queries.entitlements(request.user, year, street=street, item=item or None)
    ledger = queries.latest_ledger(year)
    diffs = (
        queries.differences(
            request.user, ledger, result, street_code=street.code if street else "", item=item
        )
        if ledger
        else []
    )
    if request.GET.get("format") == "xlsx":
        return workbook_response(exports.sheets(result, ledger, diffs), f"{year}年度投入保障与奖励台账.xlsx")
    if request.GET.get("format") == "pdf":
        from wuxing.core.pdf import pdf_response

        context = {"year": year, "result": result, "ledger": ledger, "diffs": diffs}
        return pdf_response("funds/pdf/ledger.html", context, f"{year}年度投入保障与奖励台账.pdf", request)
    from wuxing.core.scoping import visible_orgs

    return render(
        request,
        "funds/entitlements.html",
        {
            "ledger": ledger,
            "diffs": diffs,
            "year": year,
            "result": result,
            "streets": visible_orgs(request.user).filter(level=Level.STREET),
            "street": street,
            "item": item,
            "items": ITEM_LABELS.items(),
            "flags": flags(result.params),
            "can_manage": _can_manage(request),
        },
    )


@require_http_methods(["GET", "POST"])
def parameters(request: HttpRequest, year: int) -> HttpResponse:
    if not YEAR_MIN <= year <= YEAR_MAX:
        from django.http import Http404

        raise Http404
    row, saved = queries.parameters_for(year)
    if request.method == "POST":
        if not _can_manage(request):
            raise PermissionDenied
        form = ParametersForm(request.POST)
        if form.is_valid():
            try:
                services.save_parameters(
                    request.user,
                    year,
                    form.values(),
                    form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["lock_version"],
                )
            except EditConflict as exc:
                show_conflict(form, exc)
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("已保存 %(year)s 年度参数。") % {"year": year})
                return redirect("funds:parameters", year=year)
    else:
        form = ParametersForm(initial={**ParametersForm.initial_from(row), "lock_version": row.lock_version})
    history = row.history.select_related("history_user")[:20] if saved else []
    return render(
        request,
        "funds/parameters.html",
        {
            "year": year,
            "row": row,
            "saved": saved,
            "form": form,
            "flags": flags(row),
            "can_manage": _can_manage(request),
            "history": history,
        },
    )


def _errors_to_form(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        for message in exc.messages:
            form.add_error(None, message)


@require_http_methods(["GET", "POST"])
def history_import(request: HttpRequest) -> HttpResponse:
    if not _can_manage(request):
        raise PermissionDenied
    report = None
    form = HistoryImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        report = services.import_history(request.user, form.cleaned_data["file"], form.cleaned_data["reason"])
        if report.ok:
            messages.success(
                request,
                _("已导入往年星级：新增 %(created)s 行，替换 %(updated)s 行。")
                % {"created": report.created, "updated": report.updated},
            )
            return redirect("funds:history_import")
    rows = queries.historic_levels(request.user).order_by("-year", "org__code")[:200]
    return render(request, "funds/history_import.html", {"form": form, "report": report, "rows": rows})


@require_safe
def history_template(request: HttpRequest) -> HttpResponse:
    if not _can_manage(request):
        raise PermissionDenied
    content = build_template(services.HISTORY_SHEET, services.HISTORY_COLUMNS, services.HISTORY_EXAMPLE)
    from wuxing.core.excel import xlsx_response

    return xlsx_response(content, "往年星级导入模板.xlsx")


# --- creation spending claims ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def claims(request: HttpRequest) -> HttpResponse:
    """The claims of the organisations the user can see; a form to submit one for those they may."""
    from django.shortcuts import get_object_or_404

    from wuxing.core.scoping import visible_orgs

    user: Any = request.user
    branches = visible_orgs(user).filter(level=Level.BRANCH)
    allowed = [(o.pk, f"{o.code} {o.name}") for o in branches if user.has_perm("funds.submit_claim", o)]
    form = ClaimForm(
        request.POST or None, request.FILES or None, orgs=allowed, initial={"year": today().year}
    )
    if request.method == "POST":
        raw = request.POST.get("org", "")
        org = get_object_or_404(branches, pk=int(raw)) if raw.isascii() and raw.isdigit() else None
        if org is None or not user.has_perm("funds.submit_claim", org):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                claim = services.submit_claim(
                    user, org, data["year"], data["amount"], data["description"], data["receipt"]
                )
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("已提交创建经费申报，等待街道核实。"))
                return redirect("funds:claim", pk=claim.pk)
    year = int_param(request, "year", label=_("年度"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    rows = queries.visible_claims(user)
    if year is not None:
        rows = rows.filter(year=year)
    return render(
        request,
        "funds/claims.html",
        {"form": form, "rows": rows[:500], "can_submit": bool(allowed), "year": year},
    )


STATE_LABELS = {value: str(label) for value, label in ClaimState.choices}


def _claim(request: HttpRequest, pk: int) -> Any:
    from wuxing.core.scoping import get_visible

    return get_visible(queries.visible_claims(request.user), pk=pk)


@require_safe
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from wuxing.core.models import DecisionLog

    claim = _claim(request, pk)
    user: Any = request.user
    log = DecisionLog.objects.filter(
        content_type__app_label="funds", content_type__model="creationclaim", object_id=str(claim.pk)
    ).select_related("actor")
    return render(
        request,
        "funds/claim.html",
        {
            "claim": claim,
            "log": [
                (e, services.ACTION_TEXT.get(e.action, e.action), STATE_LABELS.get(e.to_state, e.to_state))
                for e in log
            ],
            "form": ClaimActionForm(initial={"lock_version": claim.lock_version}),
            "resubmit_form": ClaimResubmitForm(
                initial={
                    "amount": claim.amount,
                    "description": claim.description,
                    "lock_version": claim.lock_version,
                }
            ),
            "versions": queries.claim_versions(claim),
            "can_verify": user.has_perm("funds.verify_claim", claim.org),
            "can_approve": user.has_perm("funds.manage"),
            "can_resubmit": user.has_perm("funds.submit_claim", claim.org),
        },
    )


@require_safe
def claim_receipt(request: HttpRequest, pk: int) -> HttpResponseBase:
    from django.http import FileResponse

    claim = _claim(request, pk)
    return FileResponse(claim.receipt.open("rb"), as_attachment=True, filename=claim.receipt_name or "票据")


def _claim_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    claim = _claim(request, pk)
    _starts, _to, perm, _needs = services.CLAIM_ACTIONS[action]
    if not request.user.has_perm(perm, claim.org):
        raise PermissionDenied
    form = ClaimActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("页面已过期，请刷新后重试。"))
        return redirect("funds:claim", pk=pk)
    try:
        services.claim_transition(
            request.user, claim, action, form.cleaned_data["comment"],
            expected_version=form.cleaned_data["lock_version"],
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已%(action)s。") % {"action": services.ACTION_LABELS[action]})
    return redirect("funds:claim", pk=pk)


@require_http_methods(["POST"])
def claim_verify(request: HttpRequest, pk: int) -> HttpResponse:
    return _claim_action(request, pk, "verify")


@require_http_methods(["POST"])
def claim_return(request: HttpRequest, pk: int) -> HttpResponse:
    return _claim_action(request, pk, "return")


@require_http_methods(["POST"])
def claim_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _claim_action(request, pk, "approve")


@require_http_methods(["POST"])
def claim_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _claim_action(request, pk, "reopen")


@require_http_methods(["POST"])
def claim_resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    """A returned claim corrected (amount, description, optionally a new receipt) and submitted again."""
    claim = _claim(request, pk)
    if not request.user.has_perm("funds.submit_claim", claim.org):
        raise PermissionDenied
    form = ClaimResubmitForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = [
            f"{form.fields[k].label if k in form.fields else ''}：{'；'.join(str(e) for e in v)}"
            for k, v in form.errors.items()
        ]
        messages.error(request, "；".join(errors))
        return redirect("funds:claim", pk=pk)
    data = form.cleaned_data
    try:
        services.resubmit_claim(
            request.user, claim, data["amount"], data["description"], data["receipt"], data["comment"],
            expected_version=data["lock_version"],
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已更正并重新申报，等待街道核实。"))
    return redirect("funds:claim", pk=pk)


@require_http_methods(["POST"])
def ledger_approve(request: HttpRequest, year: int) -> HttpResponse:
    """The district approves the year's ledger as computed now, as a new version."""
    from wuxing.core.views import plain_int

    if not _can_manage(request):
        raise PermissionDenied
    expected = plain_int(request.POST.get("expected_version", ""), min_value=0, max_value=1_000_000)
    reason = request.POST.get("reason", "").strip()[:300]
    try:
        if expected is None:
            raise ValidationError("页面已过期（缺少版本号），请刷新页面后重新批准")
        ledger = services.approve_ledger(request.user, year, reason, expected_version=expected)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已批准 %(ledger)s。") % {"ledger": ledger})
    return redirect(f"{reverse('funds:entitlements')}?year={year}")


# --- the district budget ----------------------------------------------------------------------------------------


def budget_chart(b: queries.Budget) -> dict[str, Any]:
    """Stacked bars: one bar per street, one segment per item (the same numbers as the table below)."""
    return {
        "type": "stacked",
        "categories": [r.name for r in b.rows],
        "series": [
            {"name": ITEM_LABELS[item], "data": [float(r.amounts[i]) for r in b.rows]}
            for i, item in enumerate(ITEMS)
        ],
    }


@require_safe
def budget(request: HttpRequest) -> HttpResponseBase:
    """The year's budget by street and in total, per item, beside the previous year (scoped: a street sees
    its own street, a secretary their organisation)."""
    from wuxing.core.scoping import visible_orgs

    year = _year(request)
    code = request.GET.get("street", "").strip()[:20]
    street = queries.street_by_code(request.user, code)
    if code and street is None:
        messages.warning(request, _("筛选条件“%(label)s”无效，已忽略。") % {"label": _("街道/镇")})
    b = queries.budget(request.user, year, street=street)
    fmt = request.GET.get("format", "")
    if fmt == "xlsx":
        return workbook_response(exports.budget_sheets(b), f"{year}年度投入保障与奖励预算.xlsx")
    context = {
        "year": year,
        "budget": b,
        "items": [ITEM_LABELS[i] for i in ITEMS],
        "street": street,
        "streets": visible_orgs(request.user).filter(level=Level.STREET),
    }
    if fmt == "pdf":
        from wuxing.core.pdf import pdf_response

        return pdf_response("funds/pdf/budget.html", context, f"{year}年度投入保障与奖励预算.pdf", request)
    return render(request, "funds/budget.html", {**context, "chart": budget_chart(b)})


# --- approved ledger versions ----------------------------------------------------------------------------------


@require_safe
def ledgers(request: HttpRequest) -> HttpResponse:
    """The approved versions of a year: who, when, why, total (each opens with its lines)."""
    year = _year(request)
    return render(
        request, "funds/ledgers.html", {"year": year, "versions": list(queries.ledger_versions(year))}
    )


@require_safe
def ledger_version(request: HttpRequest, year: int, version: int) -> HttpResponseBase:
    """One approved version (its lines within the user's scope), its Excel and PDF, and the line-by-line
    differences to another version or to the ledger as computed now (`compare`: a version number or
    "current"; by default the next version, or now for the latest)."""
    from django.shortcuts import get_object_or_404

    from wuxing.core.views import plain_int
    from wuxing.funds.models import PayoutLedger

    ledger = get_object_or_404(PayoutLedger.objects.select_related("approved_by"), year=year, version=version)
    latest = queries.ledger_versions(year).values_list("version", flat=True).first() or version
    raw = request.GET.get("compare", "")
    target = plain_int(raw, min_value=1, max_value=1_000_000) if raw != "current" else None
    if raw and raw != "current" and target is None:
        messages.warning(request, _("筛选条件“%(label)s”无效，已忽略。") % {"label": _("对比")})
    if target is None and raw != "current":
        target = version + 1 if version < latest else None
    lines = queries.ledger_lines(request.user, ledger)
    codes = {x["org_code"] for x in lines} | queries.visible_codes(request.user)
    other = PayoutLedger.objects.filter(year=year, version=target).first() if target else None
    if other is not None:
        after = [x for x in other.lines if x["org_code"] in codes]
        compare_label = _("第 %(v)s 版") % {"v": other.version}
    else:
        result = queries.entitlements(request.user, year)
        after = [queries.stored_line(x) for x in result.lines]
        compare_label = _("按现在的参数和记录计算（%(src)s）") % {
            "src": "；".join(result.source_text()) or _("无星级记录")
        }
    diffs = queries.stored_differences(lines, after)
    lines = [
        {
            **x,
            "item_label": ITEM_LABELS[x["item"]],
            "source_label": SOURCE_LABELS.get(x["source"], "不依赖星级"),
        }
        for x in lines
    ]
    total = sum((Decimal(x["amount"]) for x in lines), Decimal("0.00"))
    fmt = request.GET.get("format", "")
    name = f"{year}年度发放台账第{version}版"
    if fmt == "xlsx":
        return workbook_response(
            exports.ledger_sheets(ledger, lines, total, compare_label, diffs), f"{name}.xlsx"
        )
    context = {
        "year": year, "ledger": ledger, "lines": lines, "total": total,
        "totals": queries.lines_street_totals(lines), "diffs": diffs, "compare_label": compare_label,
        "compare": "current" if other is None else other.version,
        "others": [v for v in range(1, latest + 1) if v != version],
    }  # fmt: skip
    if fmt == "pdf":
        from wuxing.core.pdf import pdf_response

        return pdf_response("funds/pdf/ledger_version.html", context, f"{name}.pdf", request)
    return render(request, "funds/ledger_version.html", context)
