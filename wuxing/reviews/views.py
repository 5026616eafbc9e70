"""年度评星 pages: the cycles, one cycle's progress and its assessments, one assessment, an organisation's
star history. Thin: every write goes through reviews.services; every read starts from the scoped
querysets (a cycle is the district's and readable by all; an assessment is as visible as its organisation).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from wuxing.core.excel import Column, Sheet, workbook_response
from wuxing.core.forms import show_conflict
from wuxing.core.locking import EditConflict
from wuxing.core.models import DecisionLog
from wuxing.core.scoping import get_visible, scope, visible_orgs
from wuxing.core.views import paginate, plain_int
from wuxing.core.workdays import today
from wuxing.orgs.models import Level, OrgUnit
from wuxing.orgs.queries import visible_streets
from wuxing.reviews import queries, services
from wuxing.reviews.forms import (
    ActionForm,
    DeadlinesForm,
    NoticeForm,
    ObjectionForm,
    OpenCycleForm,
    ResolveForm,
    StarRemovalForm,
    TargetForm,
    ValueChangeForm,
)
from wuxing.reviews.models import (
    Assessment,
    CycleStatus,
    NamedResult,
    Objection,
    ReviewCycle,
    Stage,
    StarRemoval,
    ValueChange,
)
from wuxing.rules import queries as rule_queries
from wuxing.rules import services as rule_services
from wuxing.rules.models import VetoEvent

STAGE_LABELS = dict(Stage.choices)
# how a reviewer's change reads on the card: "填报 85 → 初评 80：理由"
CHANGE_STAGE: dict[str, str] = {
    Stage.SUBMITTED.value: "初评",
    Stage.STREET_REVIEWED.value: "审核",
    Stage.DISTRICT_APPROVED.value: "审核",
}


def _is_district(user: Any) -> bool:
    return bool(user.is_superuser or user.role == "district_admin")


def _messages_of(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def _flash(request: HttpRequest, errors: list[str]) -> None:
    """A refused action's reasons, as messages on the page it returns to."""
    for error in errors:
        messages.error(request, error)


# --- cycles ------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def cycle_list(request: HttpRequest) -> HttpResponse:
    form = OpenCycleForm(request.POST or None, initial={"year": today().year, "notice_workdays": 5})
    if request.method == "POST":
        if not _is_district(request.user):
            raise PermissionDenied
        if form.is_valid():
            try:
                cycle = services.open_cycle(
                    request.user,
                    form.cleaned_data["year"],
                    form.cleaned_data["kind"],
                    deadlines=form.deadlines(),
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("已启动 %(cycle)s。") % {"cycle": cycle})
                return redirect("reviews:cycle", pk=cycle.pk)
    cycles = list(queries.visible_cycles())
    progress = queries.progress(request.user, cycles)
    rows = [{"cycle": c, "totals": queries.totals(progress[c.pk])} for c in cycles]
    return render(
        request,
        "reviews/cycles.html",
        {
            "rows": rows,
            "stages": Stage.choices,
            "form": form,
            "can_open": _is_district(request.user),
            "due": queries.due_for(request.user),
            "stage_labels": STAGE_LABELS,
        },
    )


def _cycle(pk: int) -> ReviewCycle:
    return get_visible(queries.visible_cycles(), pk=pk)


def _filtered(request: HttpRequest, cycle: ReviewCycle) -> tuple[Any, dict[str, str]]:
    qs = queries.visible_assessments(request.user).filter(cycle=cycle).order_by("org__path")
    street = request.GET.get("street", "").strip()[:20]
    state = request.GET.get("state", "")
    q = request.GET.get("q", "").strip()[:50]
    if street:
        path = next((s.path for s in visible_streets(request.user) if s.code.upper() == street.upper()), None)
        if path is None:
            messages.warning(request, _("筛选条件“%(label)s”无效，已忽略。") % {"label": _("街道/镇")})
            street = ""
        else:
            qs = qs.filter(org__path__startswith=path)
    if state:
        if state in STAGE_LABELS:
            qs = qs.filter(state=state)
        else:
            messages.warning(request, _("筛选条件“%(label)s”无效，已忽略。") % {"label": _("环节")})
            state = ""
    if q:
        qs = qs.filter(Q(org__name__icontains=q) | Q(org__code__icontains=q))
    return qs, {"street": street, "state": state, "q": q}


@require_safe
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    cycle = _cycle(pk)
    qs, filters = _filtered(request, cycle)
    if request.GET.get("format") == "xlsx":
        return workbook_response([_export_sheet(request, cycle, qs)], f"{cycle}-{today():%Y%m%d}.xlsx")
    return _render_cycle(request, cycle, qs, filters)


def _render_cycle(
    request: HttpRequest,
    cycle: ReviewCycle,
    qs: Any,
    filters: dict[str, str],
    deadlines_form: DeadlinesForm | None = None,
) -> HttpResponse:
    page, query = paginate(request, qs, per_page=100)
    items = list(page.object_list)
    results = {
        r.org_id: r for r in queries.year_results(request.user, cycle.year, org_ids=[a.org_id for a in items])
    }
    rows = [{"a": a, "result": results.get(a.org_id)} for a in items]
    progress = queries.progress(request.user, [cycle])[cycle.pk]
    district = _is_district(request.user)
    return render(
        request,
        "reviews/cycle.html",
        {
            "cycle": cycle,
            "rows": rows,
            "page": page,
            "query": query,
            "filters": filters,
            "progress": progress,
            "totals": queries.totals(progress),
            "stages": Stage.choices,
            "streets": visible_streets(request.user),
            "source": queries.NAMED if cycle.is_named else queries.LIVE,
            "source_label": queries.SOURCE_LABELS[queries.NAMED if cycle.is_named else queries.LIVE],
            "can_approve": district and not cycle.is_named,
            "can_name": district and cycle.status == CycleStatus.NOTICE,
            "forwarded": Stage.STREET_REVIEWED,
            "deadlines_form": (deadlines_form or DeadlinesForm(instance=cycle))
            if district and not cycle.is_named
            else None,
        },
    )


@require_POST
def cycle_deadlines(request: HttpRequest, pk: int) -> HttpResponse:
    """The district changes the deadlines of a cycle not yet named (services.change_deadlines)."""
    cycle = _cycle(pk)
    if not _is_district(request.user):
        raise PermissionDenied
    form = DeadlinesForm(request.POST, instance=cycle)
    if form.is_valid():
        try:
            services.change_deadlines(
                request.user,
                cycle,
                form.changes(),
                form.cleaned_data["reason"],
                expected_version=form.expected_version(),
            )
        except EditConflict as exc:
            show_conflict(form, exc)
            cycle = _cycle(pk)  # the page shows the other person's dates
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("截止日期已修改，各角色的“待我处理”按新日期计算。"))
            return redirect("reviews:cycle", pk=cycle.pk)
    qs, filters = _filtered(request, cycle)
    return _render_cycle(request, cycle, qs, filters, deadlines_form=form)


def _form_errors(form: Any, exc: ValidationError) -> None:
    """A service's refusal on the form: under the field it names, or at the top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _export_sheet(request: HttpRequest, cycle: ReviewCycle, qs: Any) -> Sheet:
    columns = [
        Column("street", "街道/镇"),
        Column("code", "组织编码"),
        Column("name", "组织名称", width=22),
        Column("state", "环节", width=22),
        Column("target", "目标星级"),
        Column("level", "星级" + ("（命名）" if cycle.is_named else "（实时评定）")),
        Column("comment", "最近意见", width=40),
        Column("updated", "更新时间", width=18),
    ]
    items = list(qs)  # one cycle's assessments of the user's scope: bounded by the organisations
    results = {
        r.org_id: r for r in queries.year_results(request.user, cycle.year, org_ids=[a.org_id for a in items])
    }

    def rows() -> Any:
        for a in items:
            r = results.get(a.org_id)
            yield [
                r.street if r else "",
                a.org.code,
                a.org.name,
                a.get_state_display(),
                a.target_level,
                r.level if r else None,
                a.comment,
                a.updated_at,
            ]

    return Sheet(f"{cycle.year}年{cycle.get_kind_display()}评星", columns, rows())


@require_POST
def approve_bulk(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle(pk)
    if not _is_district(request.user):
        raise PermissionDenied
    ids: list[int] | None = None
    if request.POST.get("scope") != "all":
        ids = [i for i in (plain_int(v) for v in request.POST.getlist("ids")[:100000]) if i is not None]
        if not ids:
            messages.error(request, _("请先勾选要审核通过的组织，或选择“全部待区级审核的组织”。"))
            return redirect("reviews:cycle", pk=cycle.pk)
    try:
        count = services.approve_bulk(request.user, cycle, ids, request.POST.get("comment", "")[:500])
    except ValidationError as exc:
        _flash(request, exc.messages)
    else:
        messages.success(request, _("已审核通过 %(n)s 个组织。") % {"n": count})
    return redirect("reviews:cycle", pk=cycle.pk)


@require_POST
def name_cycle(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle(pk)
    if not _is_district(request.user):
        raise PermissionDenied
    try:
        count = services.name_cycle(request.user, cycle, request.POST.get("comment", "")[:500])
    except ValidationError as exc:
        _flash(request, exc.messages)
    else:
        messages.success(request, _("已命名：%(n)s 个组织的结果成为本年度的正式记录。") % {"n": count})
    return redirect("reviews:cycle", pk=cycle.pk)


# --- one assessment ---------------------------------------------------------------------------------------


def _assessment(request: HttpRequest, pk: int) -> Assessment:
    return get_visible(queries.visible_assessments(request.user), pk=pk)


def _changes_text(changes: list[ValueChange], display: Any) -> list[str]:
    texts = []
    for c in changes:
        stage = CHANGE_STAGE.get(c.stage, "审核")
        texts.append(f"填报 {display(c.from_value)} → {stage} {display(c.to_value)}：{c.reason}")
    return texts


def _values(a: Assessment) -> list[dict[str, Any]]:
    """Every indicator of the cycle's active rulebook with its value and the reviewers' changes."""
    rb = rule_services.active_rulebook(a.cycle.year, a.cycle.kind)
    if rb is None:
        return []
    book = rb.rulebook
    values = rule_queries.org_values(a.org, a.cycle.year, book)
    by_code: dict[str, list[ValueChange]] = {}
    for change in a.value_changes.select_related("by"):
        by_code.setdefault(change.indicator_code, []).append(change)
    rows = []
    for star, ind in book.iter_indicators():

        def show(stored: Any, ind: Any = ind) -> str:
            if stored is None:
                return "未填报"
            return rule_services.display_value(ind, rule_services.from_stored(ind, stored)) or "未填报"

        value = values.get(ind.code)
        rows.append(
            {
                "star": star,
                "ind": ind,
                "value": rule_services.display_value(ind, value),
                "changes": _changes_text(by_code.get(ind.code, []), show),
            }
        )
    return rows


def _decisions(model_obj: Any) -> list[DecisionLog]:
    return list(
        DecisionLog.objects.filter(
            content_type=ContentType.objects.get_for_model(model_obj), object_id=str(model_obj.pk)
        ).select_related("actor")
    )


def _can(user: Any, action: str, a: Assessment) -> bool:
    """Whether to offer a button (the service decides; this only avoids offering what it will refuse)."""
    if a.cycle.is_named:
        return False
    if action == "target":
        ok_role = services._secretary_of(user, a.org) or services._district(user)
        return bool(ok_role and a.state == Stage.DRAFT)
    if action == "approve":
        return services._district(user) and a.state == Stage.STREET_REVIEWED
    return services._may(user, action, a.org) and a.state in services._from_states(user, action)


@require_http_methods(["GET", "POST"])
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    a = _assessment(request, pk)
    form = TargetForm(request.POST or None, instance=a)
    if request.method == "POST":
        if not (services._secretary_of(request.user, a.org) or services._district(request.user)):
            raise PermissionDenied
        if form.is_valid():
            try:
                services.save_target(
                    request.user,
                    a,
                    form.cleaned_data["target_level"],
                    expected_version=form.expected_version(),
                )
            except EditConflict as exc:
                show_conflict(form, exc)
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("自评已保存。"))
                return redirect("reviews:assessment", pk=a.pk)
    return _render_assessment(request, a, target_form=form)


def _render_assessment(request: HttpRequest, a: Assessment, **forms: Any) -> HttpResponse:
    a = Assessment.objects.select_related("cycle", "org", "cycle__rulebook").get(pk=a.pk)
    results = queries.year_results(request.user, a.cycle.year, org_ids=[a.org_id])
    actions = {
        name: _can(request.user, name, a)
        for name in ("target", "submit", "return", "forward", "approve", "change_value")
    }
    action_form = forms.get("action_form") or ActionForm(instance=a)
    target_form = forms.get("target_form") or TargetForm(instance=a)
    # A refused form whose buttons the page no longer offers (a second click on "提交", a target level
    # saved from a stale page) would carry its reason on a form that is not shown: say it at the top.
    hidden = [target_form] if not actions["target"] else []
    if not any(actions[name] for name in ("submit", "return", "forward", "approve")):
        hidden.append(action_form)
    _flash(request, [str(m) for form in hidden if form.is_bound for ms in form.errors.values() for m in ms])
    return render(
        request,
        "reviews/assessment.html",
        {
            "a": a,
            "cycle": a.cycle,
            "result": results[0] if results else None,
            "values": _values(a),
            "decisions": _decisions(a),
            "actions": actions,
            "target_form": target_form,
            "action_form": action_form,
            "value_errors": forms.get("value_errors", []),
            "score_form_url": reverse("starrules:score_form", kwargs={"pk": a.org_id})
            + f"?year={a.cycle.year}",
            "stage_labels": STAGE_LABELS,
        },
    )


def _transition_view(action: str) -> Any:
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        a = _assessment(request, pk)
        form = ActionForm(request.POST, instance=a)
        if form.is_valid():
            try:
                services.transition(
                    request.user,
                    a,
                    action,
                    form.cleaned_data["comment_text"],
                    expected_version=form.expected_version(),
                )
            except EditConflict as exc:
                show_conflict(form, exc)
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("已%(action)s。") % {"action": services.ACTION_LABELS[action]})
                return redirect("reviews:assessment", pk=a.pk)
        elif not services._may(request.user, action, a.org):
            raise PermissionDenied
        return _render_assessment(request, a, action_form=form)

    view.__name__ = f"{action}_assessment"
    return view


submit = _transition_view("submit")
return_ = _transition_view("return")
forward = _transition_view("forward")
approve = _transition_view("approve")


@require_POST
def change_value(request: HttpRequest, pk: int) -> HttpResponse:
    a = _assessment(request, pk)
    if not services._may(request.user, "change_value", a.org):
        raise PermissionDenied
    form = ValueChangeForm(request.POST)
    errors: list[str] = []
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.change_value(
                request.user, a, data["indicator"], data["value"], data["reason"], shown=data["shown"]
            )
        except ValidationError as exc:
            errors = _messages_of(exc)
        else:
            messages.success(request, _("已修改填报值并记录理由。"))
            return redirect("reviews:assessment", pk=a.pk)
    else:
        errors = [str(m) for msgs in form.errors.values() for m in msgs]
    return _render_assessment(request, a, value_errors=errors)


# --- an organisation's star history -----------------------------------------------------------------------


@require_safe
def org_history(request: HttpRequest, pk: int) -> HttpResponse:
    org = get_visible(visible_orgs(request.user).filter(level=Level.BRANCH), pk=pk)
    assessments = list(queries.visible_assessments(request.user).filter(org=org).order_by("-cycle__year"))
    of = {str(a.pk): a for a in assessments}
    decisions = list(
        DecisionLog.objects.filter(
            content_type=ContentType.objects.get_for_model(Assessment), object_id__in=list(of)
        ).select_related("actor")
    )
    history = queries.star_history(request.user, org)
    removal_forms = {}
    if _is_district(request.user):
        vetoes = [
            (v.pk, f"{v.occurred_on:%Y-%m-%d} {v.veto_code}：{v.description[:30]}")
            for v in VetoEvent.objects.filter(org=org, revoked_at__isnull=True)
        ]
        for h in history:
            if h.result_id is not None and h.stars:
                removal_forms[h.result_id] = StarRemovalForm(
                    stars=list(zip(h.stars, h.star_labels, strict=True)),
                    vetoes=vetoes,
                    prefix=f"r{h.result_id}",
                )
    return render(
        request,
        "reviews/org_history.html",
        {
            "org": org,
            "history": [(h, removal_forms.get(h.result_id or 0)) for h in history],
            "assessments": assessments,
            "decisions": [(of[d.object_id].cycle, d) for d in decisions],
            "stage_labels": STAGE_LABELS,
        },
    )


# --- public notice (公示) and objections (异议) -------------------------------------------------------------


def _notice_rows(request: HttpRequest, cycle: ReviewCycle) -> list[tuple[str, list[Any]]]:
    """Each street with its organisations' proposed (or, once named, named) levels."""
    orgs = queries.visible_assessments(request.user).filter(cycle=cycle).values_list("org_id", flat=True)
    results = [
        r for r in queries.year_results(request.user, cycle.year, org_ids=list(orgs)) if r.kind == cycle.kind
    ]
    by_street: dict[str, list[Any]] = {}
    for r in results:
        by_street.setdefault(r.street, []).append(r)
    return list(by_street.items())


@require_safe
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle(pk)
    published = cycle.notice_start is not None
    rows = _notice_rows(request, cycle) if published else []
    if request.GET.get("format") == "pdf" and published:
        return _notice_pdf(request, cycle, rows)
    objections = list(
        scope(Objection.objects.filter(cycle=cycle), request.user, "org").select_related(
            "org", "recorded_by", "resolved_by"
        )
    )
    district = _is_district(request.user)
    may_record = cycle.status == CycleStatus.NOTICE and (
        district or getattr(request.user, "role", "") == "street_staff"
    )
    orgs = list(
        queries.visible_assessments(request.user).filter(cycle=cycle).values_list("org_id", "org__name")
    )
    return render(
        request,
        "reviews/notice.html",
        {
            "cycle": cycle,
            "rows": rows,
            "published": published,
            "objections": objections,
            "can_publish": district and cycle.status == CycleStatus.OPEN,
            "can_record": may_record,
            "can_resolve": district and not cycle.is_named,
            "notice_form": NoticeForm(initial={"start": today()}),
            "objection_form": ObjectionForm(orgs=orgs) if may_record else None,
            "source_label": queries.SOURCE_LABELS[queries.NAMED if cycle.is_named else queries.LIVE],
        },
    )


def _notice_pdf(request: HttpRequest, cycle: ReviewCycle, rows: list[Any]) -> HttpResponse:
    from django.template.loader import render_to_string
    from weasyprint import HTML

    html = render_to_string("reviews/notice_pdf.html", {"cycle": cycle, "rows": rows}, request=request)
    pdf = HTML(string=html).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(f'{cycle}公示.pdf')}"
    return response


@require_POST
def notice_start(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle(pk)
    if not _is_district(request.user):
        raise PermissionDenied
    form = NoticeForm(request.POST)
    if not form.is_valid():
        _flash(request, [str(e) for errors in form.errors.values() for e in errors])
        return redirect("reviews:notice", pk=cycle.pk)
    try:
        cycle = services.start_notice(
            request.user, cycle, form.cleaned_data["start"], form.cleaned_data["comment"]
        )
    except ValidationError as exc:
        _flash(request, exc.messages)
    else:
        messages.success(
            request,
            _("已发布公示：%(first)s 至 %(last)s。")
            % {"first": f"{cycle.notice_start:%Y-%m-%d}", "last": f"{cycle.notice_end:%Y-%m-%d}"},
        )
    return redirect("reviews:notice", pk=cycle.pk)


@require_POST
def objection_create(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle(pk)
    if not (_is_district(request.user) or getattr(request.user, "role", "") == "street_staff"):
        raise PermissionDenied
    choices = list(Assessment.objects.filter(cycle=cycle).values_list("org_id", "org__name"))
    form = ObjectionForm(request.POST, orgs=choices)
    if form.is_valid():
        org = OrgUnit.objects.get(pk=form.cleaned_data["org"])
        try:
            services.record_objection(
                request.user, cycle, org, form.cleaned_data["raised_on"], form.cleaned_data["text"]
            )
        except ValidationError as exc:
            _flash(request, exc.messages)
        else:
            messages.success(request, _("已登记异议。"))
    else:
        _flash(request, [str(e) for errors in form.errors.values() for e in errors])
    return redirect("reviews:notice", pk=cycle.pk)


@require_POST
def objection_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    objection = get_visible(
        scope(Objection.objects.select_related("cycle", "org"), request.user, "org"), pk=pk
    )
    if not _is_district(request.user):
        raise PermissionDenied
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            services.resolve_objection(request.user, objection, form.cleaned_data["resolution"])
        except ValidationError as exc:
            _flash(request, exc.messages)
        else:
            messages.success(request, _("异议已处理。"))
    else:
        messages.error(request, _("请填写处理结果。"))
    return redirect("reviews:notice", pk=objection.cycle_id)


# --- star removal (摘星) ------------------------------------------------------------------------------------


@require_POST
def star_remove(request: HttpRequest, pk: int) -> HttpResponse:
    result = get_visible(scope(NamedResult.objects.select_related("org"), request.user, "org"), pk=pk)
    if not _is_district(request.user):
        raise PermissionDenied
    vetoes = list(
        VetoEvent.objects.filter(org=result.org, revoked_at__isnull=True).values_list("pk", "veto_code")
    )
    form = StarRemovalForm(
        request.POST,
        request.FILES,
        stars=[(c, c) for c in result.stars],
        vetoes=vetoes,
        prefix=f"r{result.pk}",
    )
    if form.is_valid():
        data = form.cleaned_data
        veto = VetoEvent.objects.get(pk=data["veto_event"]) if data["veto_event"] else None
        try:
            services.remove_star(
                request.user,
                result,
                data["star_code"],
                data["removed_on"],
                data["reason"],
                veto,
                evidence=data["evidence"],
            )
        except ValidationError as exc:
            _flash(request, exc.messages)
        else:
            messages.success(request, _("已摘星并记录原因和依据。"))
    else:
        _flash(request, [str(e) for errors in form.errors.values() for e in errors])
    return redirect("reviews:org_history", pk=result.org_id)


@require_safe
def removal_evidence(request: HttpRequest, pk: int) -> FileResponse:
    """A star removal's evidence file, to whoever may see the organisation (like a value's evidence:
    its secretary, its street, the district, the leaders, its unit); anybody else gets 404. The file is
    under MEDIA_ROOT, which the web server does not serve: this view is the only way to it."""
    removal = get_visible(
        scope(StarRemoval.objects.select_related("result"), request.user, "result__org"), pk=pk
    )
    if not removal.evidence:
        raise Http404
    return FileResponse(
        removal.evidence.open("rb"), as_attachment=True, filename=removal.evidence_name or "佐证材料"
    )
