"""Funds pages: the year's entitlements (filters and Excel), the year's parameters (the district edits
them), and the import of earlier years' levels. Thin: reads through queries, writes through services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from wuxing.core.dates import YEAR_MAX, YEAR_MIN
from wuxing.core.excel import build_template, workbook_response
from wuxing.core.forms import show_conflict
from wuxing.core.locking import EditConflict
from wuxing.core.views import int_param
from wuxing.core.workdays import today
from wuxing.funds import exports, queries, services
from wuxing.funds.engine import ITEM_LABELS, ITEMS
from wuxing.funds.forms import HistoryImportForm, ParametersForm
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
    if request.GET.get("format") == "xlsx":
        return workbook_response(exports.sheets(result), f"{year}年度投入保障与奖励台账.xlsx")
    from wuxing.core.scoping import visible_orgs

    return render(
        request,
        "funds/entitlements.html",
        {
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
