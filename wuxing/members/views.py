"""发展党员 pages: the register, a person's dossier (全程纪实, page and PDF) with the forms that record
steps, documents and an extension, the quotas, the structure statistics and the rules. Thin: reads through
queries, writes through services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from wuxing.core.dates import YEAR_MAX, YEAR_MIN
from wuxing.core.excel import Column, Sheet, build_workbook, template_sheets, workbook_response, xlsx_response
from wuxing.core.locking import EditConflict
from wuxing.core.models import DecisionLog
from wuxing.core.pdf import pdf_response
from wuxing.core.privacy import log_full_view
from wuxing.core.scoping import get_visible, scope, visible_orgs
from wuxing.core.views import int_param, paginate
from wuxing.core.workdays import today
from wuxing.members import checks, idcard, queries, register, services, steps
from wuxing.members.forms import (
    ApplicantEditForm,
    ApplicantForm,
    DocumentForm,
    ExtensionForm,
    ImportForm,
    QuotaForm,
    StepForm,
    WithdrawForm,
)
from wuxing.members.limits import LIMITS, ParamBook
from wuxing.members.models import Applicant, Document, Quota, RuleVersion, StepEvent
from wuxing.orgs.models import Level, OrgUnit

ID_LABEL = "身份证号"
ADDERS = {"street_staff", "secretary"}  # open files in their street / organisation (rules.py)


def _year(request: HttpRequest) -> int:
    year = int_param(request, "year", label=_("年度"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    return year if year is not None else today().year


def _applicant(request: HttpRequest, pk: int) -> Applicant:
    applicant: Applicant = get_visible(queries.visible_applicants(request.user), pk=pk)
    return applicant


@require_safe
def register_page(request: HttpRequest) -> HttpResponseBase:
    user = request.user
    q = request.GET.get("q", "").strip()[:50]
    stage = int_param(request, "stage", label=_("阶段"), min_value=1, max_value=5)
    code = request.GET.get("org", "").strip()[:32]
    org = visible_orgs(user).filter(code=code).first() if code else None
    if code and org is None:
        messages.warning(request, _("筛选条件“%(label)s”无效，已忽略。") % {"label": _("组织")})
    qs = queries.register(user, org=org, stage=stage, q=q)
    if request.GET.get("format") == "xlsx":
        full = request.GET.get("full") == "1" and user.has_perm("members.manage")
        files = queries.files_of(qs)
        if full:
            log_full_view(user, ID_LABEL, count=len(files), where=request.get_full_path()[:200])
        return workbook_response(
            [Sheet(register.SHEET, register.COLUMNS, register.export_rows(files, full_ids=full))],
            f"发展党员名册-{today():%Y%m%d}.xlsx",
        )
    page, qs_params = paginate(request, qs)
    rows = [
        {
            "a": a,
            "id": idcard.mask_id(a.id_number),
            "standing": steps.standing(a.last_step),
            "stage": steps.stage_label(a.last_step),
            "next": steps.step(a.last_step + 1).label
            if (a.last_step or 0) < steps.LAST_STEP and a.last_step
            else "",
        }
        for a in page
    ]
    return render(
        request,
        "members/register.html",
        {
            "page": page,
            "rows": rows,
            "qs_params": qs_params,
            "q": q,
            "stage": stage,
            "org_code": code if org else "",
            "stages": list(enumerate(steps.stage_names(), start=1)),
            "can_add": user.has_perm("members.manage") or getattr(user, "role", "") in ADDERS,
            "can_manage": user.has_perm("members.manage"),
        },
    )


def _addable_orgs(user: Any) -> Any:
    orgs = visible_orgs(user).filter(level=Level.BRANCH).order_by("path")
    return [o.pk for o in orgs if user.has_perm("members.add", o)]


@require_http_methods(["GET", "POST"])
def add(request: HttpRequest) -> HttpResponse:
    pks = _addable_orgs(request.user)
    if not pks:
        raise PermissionDenied
    orgs = OrgUnit.objects.filter(pk__in=pks).order_by("path")
    form = ApplicantForm(request.POST or None, orgs=orgs, initial={"org": pks[0]} if len(pks) == 1 else None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "org"}
        try:
            applicant = services.create_applicant(request.user, form.cleaned_data["org"], data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已建立 %(name)s 的发展党员档案。") % {"name": applicant.name})
            return redirect("members:person", pk=applicant.pk)
    return render(request, "members/add.html", {"form": form})


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for fld, errs in exc.message_dict.items():
            form.add_error(fld if fld in form.fields else None, errs)
    else:
        for msg in exc.messages:
            form.add_error(None, msg)


def _dossier(request: HttpRequest, applicant: Applicant, *, revealed: bool = False) -> dict[str, Any]:
    file = checks.PersonFile.of(applicant)
    book = ParamBook()
    params = book.on(today())
    user = request.user
    log = DecisionLog.objects.filter(
        content_type__app_label="members", content_type__model="applicant", object_id=str(applicant.pk)
    ).select_related("actor")
    last = file.last_step
    next_step = (last or 0) + 1 if (last or 0) < steps.LAST_STEP else None
    latest = file.events[-1].pk if file.events else None
    rows = []
    for e in sorted(applicant.events.all(), key=lambda e: (e.done_on, e.step, e.pk)):
        label = steps.step(e.step).label if e.kind == "step" else _("延长预备期")
        withdrawable = (
            e.pk == latest
            and services.may_withdraw(user, e, applicant)
            and not checks.withdraw_event_problems(file, e)
        )
        rows.append(
            {
                "e": e,
                "label": label,
                "stage": steps.step(e.step).stage,
                "withdrawable": withdrawable,
                "withdraw_url": reverse("members:withdraw_step", args=[applicant.pk, e.pk]),
            }
        )
    docs = []
    for k, kind in steps.doc_kinds().items():
        doc = file.documents.get(k)
        withdrawable = (
            doc is not None
            and services.may_withdraw(user, doc, applicant)
            and not checks.withdraw_document_problems(file, doc)
        )
        docs.append(
            {
                "key": k,
                "kind": kind,
                "doc": doc,
                "withdrawable": withdrawable,
                "withdraw_url": reverse("members:withdraw_document", args=[applicant.pk, doc.pk])
                if doc is not None
                else "",
            }
        )
    kinds = steps.doc_kinds()
    withdrawn_docs = [
        {"kind": kinds.get(d.kind), "doc": d} for d in applicant.documents.all() if d.withdrawn_at is not None
    ]
    return {
        "a": applicant,
        "file": file,
        "rows": rows,
        "docs": docs,
        "withdrawn_docs": withdrawn_docs,
        "can_edit": user.has_perm("members.add", applicant.org),
        "id_shown": applicant.id_number if revealed else idcard.mask_id(applicant.id_number),
        "revealed": revealed,
        "standing": steps.standing(last),
        "stage": steps.stage_label(last),
        "next_step": steps.step(next_step) if next_step else None,
        "probation_end": file.probation_end(params) if (last or 0) >= steps.ADMISSION_MEETING else None,
        "overdue": checks.overdue_requests(file, book, today()),
        "log": log,
        "can_record": user.has_perm("members.record", applicant),
        "can_approve": user.has_perm("members.approve", applicant),
        "can_reveal": user.has_perm("members.reveal", applicant),
        "can_override": user.has_perm("members.override"),
        "today": today(),
    }


def _forms(applicant: Applicant, ctx: dict[str, Any], **bound: Any) -> dict[str, Any]:
    initial = {"lock_version": applicant.lock_version, "done_on": today()}
    nxt = ctx["next_step"]
    return {
        "step_form": bound.get("step_form")
        or StepForm(auto_id="step_%s", initial={**initial, "step": nxt.n if nxt else 25}),
        "doc_form": bound.get("doc_form")
        or DocumentForm(auto_id="doc_%s", initial={"lock_version": applicant.lock_version, "dated": today()}),
        "ext_form": bound.get("ext_form")
        or ExtensionForm(auto_id="ext_%s", initial={**initial, "months": 6}),
    }


@require_safe
def person(request: HttpRequest, pk: int) -> HttpResponse:
    applicant = _applicant(request, pk)
    ctx = _dossier(request, applicant)
    return render(request, "members/person.html", {**ctx, **_forms(applicant, ctx)})


@require_http_methods(["POST"])
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    applicant = _applicant(request, pk)
    if not request.user.has_perm("members.reveal", applicant):
        raise PermissionDenied
    log_full_view(request.user, ID_LABEL, subject=applicant, where=request.path)
    ctx = _dossier(request, applicant, revealed=True)
    return render(request, "members/person.html", {**ctx, **_forms(applicant, ctx)})


@require_safe
def person_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    applicant = _applicant(request, pk)
    ctx = _dossier(request, applicant)
    return pdf_response("members/person_pdf.html", ctx, f"全程纪实-{applicant.name}.pdf", request)


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a person's details (decisions §80); the identity number stays masked on the page."""
    applicant = _applicant(request, pk)
    user = request.user
    if not user.has_perm("members.add", applicant.org):
        raise PermissionDenied
    pks = {*_addable_orgs(user), applicant.org_id}
    orgs = OrgUnit.objects.filter(pk__in=pks).order_by("path")
    initial = {k: getattr(applicant, k) for k in services.APPLICANT_FIELDS if k != "id_number"}
    initial.update(org=applicant.org_id, lock_version=applicant.lock_version)
    form = ApplicantEditForm(
        request.POST or None, orgs=orgs, initial=initial, masked=idcard.mask_id(applicant.id_number)
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = {k: d[k] for k in services.APPLICANT_FIELDS if k in d}
        if not data.get("id_number"):
            data.pop("id_number", None)
        try:
            services.update_applicant(
                user, applicant, d["org"], data, d["reason"], expected_version=_version(form)
            )
        except EditConflict as exc:
            form.add_error(None, exc.messages[0])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已修改 %(name)s 的信息。") % {"name": applicant.name})
            return redirect("members:person", pk=applicant.pk)
    return render(request, "members/edit.html", {"form": form, "a": applicant})


def _withdraw(request: HttpRequest, applicant: Applicant, run: Any) -> HttpResponse:
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写撤回理由。"))
        return redirect("members:person", pk=applicant.pk)
    try:
        run(form.cleaned_data["reason"], _version(form))
    except ValidationError as exc:  # also EditConflict
        for msg in exc.messages:
            messages.error(request, msg)
    else:
        messages.success(request, _("已撤回。"))
    return redirect("members:person", pk=applicant.pk)


@require_http_methods(["POST"])
def withdraw_step(request: HttpRequest, pk: int, event_pk: int) -> HttpResponse:
    applicant = _applicant(request, pk)
    event = get_object_or_404(StepEvent, pk=event_pk, applicant=applicant)
    if not services.may_withdraw(request.user, event, applicant):
        raise PermissionDenied
    return _withdraw(
        request,
        applicant,
        lambda reason, version: services.withdraw_event(
            request.user, event, reason, expected_version=version
        ),
    )


@require_http_methods(["POST"])
def withdraw_document(request: HttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    applicant = _applicant(request, pk)
    doc = get_object_or_404(Document, pk=doc_pk, applicant=applicant)
    if not services.may_withdraw(request.user, doc, applicant):
        raise PermissionDenied
    return _withdraw(
        request,
        applicant,
        lambda reason, version: services.withdraw_document(
            request.user, doc, reason, expected_version=version
        ),
    )


def _after_write(request: HttpRequest, applicant: Applicant, form: Any, name: str, run: Any) -> HttpResponse:
    try:
        result = run()
    except EditConflict as exc:
        form.add_error(None, exc.messages[0])
    except ValidationError as exc:
        for msg in exc.messages:
            form.add_error(None, msg)
    else:
        for w in result.warnings:
            messages.warning(request, w)
        if result.overridden:
            messages.warning(request, _("已越过规则记录，理由已记入操作记录。"))
        messages.success(request, _("已记录。"))
        return redirect("members:person", pk=applicant.pk)
    applicant.refresh_from_db()
    ctx = _dossier(request, applicant)
    return render(
        request, "members/person.html", {**ctx, **_forms(applicant, ctx, **{name: form})}, status=200
    )


def _invalid() -> Any:
    raise ValidationError(_("请检查填写的内容。"))


def _version(form: Any) -> int | None:
    return form.cleaned_data.get("lock_version")


@require_http_methods(["POST"])
def record_step(request: HttpRequest, pk: int) -> HttpResponse:
    applicant = _applicant(request, pk)
    if not request.user.has_perm("members.record", applicant):
        raise PermissionDenied
    form = StepForm(request.POST, auto_id="step_%s")
    if not form.is_valid():
        return _after_write(request, applicant, form, "step_form", _invalid)
    d = form.cleaned_data
    return _after_write(
        request,
        applicant,
        form,
        "step_form",
        lambda: services.record_step(
            request.user,
            applicant,
            d["step"],
            d["done_on"],
            done_by=d["done_by"],
            documents=d["documents"],
            decision=d["decision"],
            comment=d["comment"],
            data=form.step_data(),
            override_reason=d["override_reason"],
            expected_version=_version(form),
        ),
    )


@require_http_methods(["POST"])
def add_document(request: HttpRequest, pk: int) -> HttpResponse:
    applicant = _applicant(request, pk)
    if not request.user.has_perm("members.record", applicant):
        raise PermissionDenied
    form = DocumentForm(request.POST, auto_id="doc_%s")
    if not form.is_valid():
        return _after_write(request, applicant, form, "doc_form", _invalid)
    d = form.cleaned_data
    return _after_write(
        request,
        applicant,
        form,
        "doc_form",
        lambda: services.add_document(
            request.user,
            applicant,
            d["kind"],
            d["dated"],
            number=d["number"],
            ends_on=d["ends_on"],
            comment=d["comment"],
            override_reason=d["override_reason"],
            expected_version=_version(form),
        ),
    )


@require_http_methods(["POST"])
def extend(request: HttpRequest, pk: int) -> HttpResponse:
    applicant = _applicant(request, pk)
    if not request.user.has_perm("members.approve", applicant):
        raise PermissionDenied
    form = ExtensionForm(request.POST, auto_id="ext_%s")
    if not form.is_valid():
        return _after_write(request, applicant, form, "ext_form", _invalid)
    d = form.cleaned_data
    return _after_write(
        request,
        applicant,
        form,
        "ext_form",
        lambda: services.extend_probation(
            request.user,
            applicant,
            d["done_on"],
            d["months"],
            comment=d["comment"],
            override_reason=d["override_reason"],
            expected_version=_version(form),
        ),
    )


# --- 控总量、优结构 -------------------------------------------------------------------------------------------


def _structure_sheets(year: int, org_rows: list[Any], street_rows: list[Any], total: Any) -> list[Sheet]:
    cols = [
        Column("org", "组织", width=20),
        Column("quota", "发展计划"),
        Column("admitted", "已接收"),
        *[Column(k, label) for k, label in queries.MEASURES],
        *[Column(f"{k}_pct", f"{label}占比（%）") for k, label in queries.MEASURES],
    ]

    def rows(items: list[Any]) -> list[list[Any]]:
        return [
            [
                r.org.name,
                r.quota,
                r.admitted,
                *[r.counts[k] for k, _l in queries.MEASURES],
                *[r.percent(k) for k, _l in queries.MEASURES],
            ]
            for r in items
        ]

    return [
        Sheet(f"{year}年各组织", cols, rows(org_rows)),
        Sheet(f"{year}年各街道镇", cols, rows([*street_rows, total])),
    ]


@require_safe
def stats(request: HttpRequest) -> HttpResponseBase:
    year = _year(request)
    org_rows, street_rows, total = queries.structure(request.user, year)
    if request.GET.get("format") == "xlsx":
        return workbook_response(
            _structure_sheets(year, org_rows, street_rows, total), f"发展党员结构-{year}.xlsx"
        )
    measures = [(k, label, queries.TARGETS[k]) for k, label in queries.MEASURES]
    charts = {
        "structure": {
            "type": "bar",
            "categories": [label for _k, label in queries.MEASURES],
            "series": [
                {"name": _("实际占比（%）"), "data": [total.percent(k) or 0 for k, _l in queries.MEASURES]},
                {"name": _("目标（%）"), "data": [queries.TARGETS[k] for k, _l in queries.MEASURES]},
            ],
        },
        "quota": {
            "type": "bar",
            "categories": [r.org.name for r in street_rows],
            "series": [
                {"name": _("发展计划"), "data": [r.quota or 0 for r in street_rows]},
                {"name": _("已接收"), "data": [r.admitted for r in street_rows]},
            ],
        },
    }
    return render(
        request,
        "members/stats.html",
        {
            "year": year,
            "org_rows": org_rows,
            "street_rows": street_rows,
            "total": total,
            "measures": measures,
            "charts": charts,
        },
    )


@require_http_methods(["GET", "POST"])
def quotas(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    can_manage = request.user.has_perm("members.manage")
    form = QuotaForm(request.POST or None, initial={"year": year})
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.set_quota(request.user, d["org"], d["year"], d["count"], d["reason"])
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("已下达发展计划。"))
                return redirect(f"{reverse('members:quotas')}?year={d['year']}")
    rows, _streets, _total = queries.structure(request.user, year)
    listed = {r.org.pk for r in rows}
    extra = [
        q
        for q in scope(Quota.objects.filter(year=year).select_related("org"), request.user, "org")
        if q.org_id not in listed
    ]
    return render(
        request,
        "members/quotas.html",
        {"year": year, "rows": rows, "extra": extra, "form": form, "can_manage": can_manage},
    )


@require_http_methods(["GET", "POST"])
def rules_page(request: HttpRequest) -> HttpResponse:
    can_manage = request.user.has_perm("members.manage")
    errors: list[str] = []
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        from wuxing.core.dates import DateError, parse_date

        values: dict[str, Any] = {}
        for limit in LIMITS:
            raw = request.POST.get(limit.key, "").strip()
            if raw and raw != str(limit.default):
                values[limit.key] = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 5 else raw
        try:
            effective = parse_date(request.POST.get("effective_from", "")[:20])
            services.save_rule_version(request.user, effective, values, request.POST.get("source", "")[:200])
        except DateError as exc:
            errors.append(f"{_('生效日期')}：{exc}")
        except ValidationError as exc:
            errors += (
                [f"{k}：{'；'.join(v)}" for k, v in exc.message_dict.items()]
                if hasattr(exc, "error_dict")
                else exc.messages
            )
        else:
            messages.success(request, _("已保存规则版本。"))
            return redirect("members:rules")
    current = ParamBook().on(today())
    return render(
        request,
        "members/rules.html",
        {
            "limits": [(limit, current[limit.key]) for limit in LIMITS],
            "source": current.source,
            "versions": RuleVersion.objects.all(),
            "steps": list(steps.all_steps().values()),
            "docs": steps.doc_kinds().values(),
            "version": steps.version(),
            "can_manage": can_manage,
            "errors": errors,
            "today": today(),
        },
    )


@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("members.manage"):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = register.import_register(
            request.user, form.cleaned_data["file"], form.cleaned_data["reason"]
        )
        if report.ok:
            messages.success(request, _("已导入 %(n)d 人。") % {"n": report.created})
            return redirect("members:register")
    return render(request, "members/import.html", {"form": form, "report": report})


@require_safe
def import_template(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("members.manage"):
        raise PermissionDenied
    content = build_workbook(
        template_sheets(register.SHEET, register.COLUMNS, register.EXAMPLE, frozen_columns=3)
    )
    return xlsx_response(content, "发展党员名册导入模板.xlsx")
