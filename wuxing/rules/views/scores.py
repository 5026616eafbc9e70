"""Score entry: the per-organisation form, evidence, veto events, the scores overview and its Excel."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from wuxing.core.excel import Sheet, template_sheets, workbook_response
from wuxing.core.scoping import get_visible, scope, visible_orgs
from wuxing.core.views import int_param
from wuxing.core.workdays import today
from wuxing.orgs.models import Level
from wuxing.orgs.queries import visible_streets, with_street_name
from wuxing.rules import queries, services
from wuxing.rules.forms import (
    EvidenceForm,
    ImportScoresForm,
    ScoreEntryForm,
    VetoForm,
)
from wuxing.rules.models import Score, VetoEvent
from wuxing.rules.views.common import _branch, _year, _years


@require_http_methods(["GET", "POST"])
def score_form(request: HttpRequest, pk: int) -> HttpResponse:
    org = _branch(request, pk)
    if not request.user.has_perm("starrules.enter_scores_for", org):
        raise PermissionDenied
    year = _year(request)
    rb = services.active_rulebook(year, org.area_kind)
    if rb is None:
        messages.error(request, _("%(year)s年尚未启用该类型的星级细则。") % {"year": year})
        return redirect("starrules:card", pk=org.pk)
    book = rb.rulebook
    values = queries.org_values(org, year, book)
    form = ScoreEntryForm(
        request.POST or None,
        book=book,
        initial_values=values,
        may_enter=lambda ind: services.may_enter_indicator(request.user, ind),
    )
    if request.method == "POST" and form.is_valid():
        shown = form.shown_values()
        try:
            if shown is None:
                raise ValidationError(_("页面已过期，请刷新页面后重新填报（您的修改没有保存）。"))
            counts = services.save_scores(
                request.user, org, year, form.raw_values(), form.cleaned_data["note"], expected=shown
            )
        except ValidationError as exc:
            if isinstance(exc, services.ScoreConflict):
                form.show_current(exc.current)
                form.add_error(
                    None,
                    _(
                        "有 %(n)s 项指标在您打开页面后已被他人修改，本次没有保存任何内容；请核对标出的指标后再次保存。"
                    )
                    % {"n": len(exc.current)},
                )
            if hasattr(exc, "error_dict"):
                for code, errs in exc.message_dict.items():
                    field = f"v_{code}"
                    for err in errs:
                        form.add_error(field if field in form.fields else None, err)
            else:
                for err in exc.messages:
                    form.add_error(None, err)
        else:
            messages.success(
                request,
                _("已保存：新增 %(c)s 项，修改 %(u)s 项，清空 %(d)s 项。")
                % {"c": counts["created"], "u": counts["updated"], "d": counts["deleted"]},
            )
            return redirect(f"{request.path}?year={year}")
    scores = {s.indicator_code: s for s in queries.scores_with_evidence(org, year)}
    return render(
        request,
        "rules/score_form.html",
        {
            "org": org,
            "year": year,
            "rb": rb,
            "book": book,
            "form": form,
            "scores": scores,
            "deletable": {
                ev.pk
                for score in scores.values()
                for ev in score.evidence.all()
                if services.may_delete_evidence(request.user, ev)
            },
            "evidence_form": EvidenceForm(),
        },
    )


@require_POST
def upload_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    org = _branch(request, pk)
    year = _year(request)
    if not request.user.has_perm("starrules.enter_scores_for", org):
        raise PermissionDenied
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        for errs in form.errors.values():
            for err in errs:
                messages.error(request, str(err))  # iterating an ErrorList gives the message strings
        return redirect(f"/stars/orgs/{org.pk}/scores/?year={year}")
    score = Score.objects.filter(org=org, year=year, indicator_code=form.cleaned_data["indicator"]).first()
    if score is None:
        messages.error(request, _("请先填报该指标的数值，再上传佐证材料。"))
    else:
        try:
            services.add_evidence(request.user, score, form.cleaned_data["file"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("佐证材料已上传。"))
    return redirect(f"/stars/orgs/{org.pk}/scores/?year={year}#ind-{form.cleaned_data['indicator']}")


@require_safe
def evidence_download(request: HttpRequest, pk: int, evidence_pk: int) -> StreamingHttpResponse:
    from django.http import FileResponse

    org = _branch(request, pk)
    from wuxing.rules.models import Evidence

    ev = get_visible(Evidence.objects.filter(score__org=org), pk=evidence_pk)
    return FileResponse(ev.file.open("rb"), as_attachment=True, filename=ev.original_name)


@require_POST
def evidence_delete(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    from wuxing.rules.models import Evidence

    org = _branch(request, pk)
    ev = get_visible(
        Evidence.objects.filter(score__org=org).select_related("score__org", "uploaded_by"), pk=evidence_pk
    )
    if not services.may_delete_evidence(request.user, ev):
        raise PermissionDenied
    services.delete_evidence(request.user, ev, request.POST.get("reason", ""))
    messages.success(request, _("已删除佐证材料：%(name)s") % {"name": ev.original_name})
    return redirect(f"/stars/orgs/{org.pk}/scores/?year={ev.score.year}#ind-{ev.score.indicator_code}")


@require_POST
def veto_create(request: HttpRequest, pk: int) -> HttpResponse:
    org = _branch(request, pk)
    if not request.user.has_perm("starrules.record_veto", org):
        raise PermissionDenied
    year = _year(request)
    rb = services.active_rulebook(year, org.area_kind)
    if rb is None:
        raise Http404
    form = VetoForm(request.POST, book=rb.rulebook)
    if form.is_valid():
        try:
            services.record_veto(request.user, org, year, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已登记一票否决事项，星级已重新计算。"))
    else:
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect(f"/stars/orgs/{org.pk}/?year={year}")


@require_POST
def veto_revoke(request: HttpRequest, pk: int, veto_pk: int) -> HttpResponse:
    org = _branch(request, pk)
    event = get_visible(VetoEvent.objects.filter(org=org, revoked_at__isnull=True), pk=veto_pk)
    if not request.user.has_perm("starrules.record_veto", org):
        raise PermissionDenied
    try:
        services.revoke_veto(request.user, event, request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已撤销。"))
    return redirect(f"/stars/orgs/{org.pk}/?year={event.year}")


# --- scores overview, Excel template / import / export -----------------------------------------------------


@require_http_methods(["GET", "POST"])
def scores(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("starrules.enter_scores"):
        raise PermissionDenied
    year = _year(request)
    kinds_seen = set(
        visible_orgs(request.user).filter(level=Level.BRANCH).values_list("area_kind", flat=True)
    )
    versions = {k: v for k, v in queries.active_versions(year).items() if k in kinds_seen}
    orgs = with_street_name(
        visible_orgs(request.user)
        .filter(level=Level.BRANCH)
        .annotate(filled=Count("scores", filter=Q(scores__year=year)))
        .order_by("path")
    )
    kind = request.GET.get("kind") or ""
    if kind:
        orgs = orgs.filter(area_kind=kind)
    streets = visible_streets(request.user)
    street_id = int_param(request, "street", label=_("街道/镇"))
    street = streets.filter(pk=street_id).first() if street_id is not None else None
    if street is not None:
        orgs = orgs.filter(path__startswith=street.path)
    totals = {k: sum(1 for _ in rb.rulebook.iter_indicators()) for k, rb in versions.items()}
    form = ImportScoresForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST":
        import_kind = request.POST.get("kind", "")
        if import_kind not in versions:
            messages.error(request, _("请选择要导入的类型。"))
        elif form.is_valid():
            report = services.import_scores(request.user, form.cleaned_data["file"], year, import_kind)
            if report.ok:
                messages.success(
                    request,
                    _("导入成功：%(n)s 个组织的得分有变更并已保存，%(u)s 个组织没有变化。")
                    % {"n": report.created + report.updated, "u": report.unchanged},
                )
                return redirect(f"{request.path}?year={year}")
    return render(
        request,
        "rules/scores.html",
        {
            "orgs": orgs,
            "year": year,
            "years": _years(),
            "versions": versions,
            "totals": totals,
            "form": form,
            "report": report,
            "kind": kind,
            "streets": streets,
            "street": street,
            "import_kind": request.POST.get("kind", ""),
        },
    )


@require_safe
def scores_template(request: HttpRequest, kind: str) -> HttpResponseBase:
    """The import template, or (with ?filled=1) the filled sheet exported back to Excel."""
    if not request.user.has_perm("starrules.enter_scores") and not request.GET.get("filled"):
        raise PermissionDenied
    year = _year(request)
    rb = services.active_rulebook(year, kind)
    if rb is None:
        raise Http404
    book = rb.rulebook
    columns = services.score_columns(book)
    title = services.score_sheet_title(rb)
    orgs = scope(
        visible_orgs(request.user).filter(level=Level.BRANCH, area_kind=kind), request.user
    ).order_by("path")
    if request.GET.get("filled"):
        values = queries.load_values(
            visible_orgs(request.user).filter(level=Level.BRANCH, area_kind=kind).values("pk"), year, book
        )
        indicators = [ind for _s, ind in book.iter_indicators()]
        rows = (
            [o.code, o.name, *[_cell(ind, values.get(o.pk, {}).get(ind.code)) for ind in indicators]]
            for o in orgs.iterator(chunk_size=2000)
        )
        return workbook_response(
            [Sheet(title, columns, rows, frozen_columns=2)], f"指标得分-{year}-{kind}-{today():%Y%m%d}.xlsx"
        )
    # The template: the header, one row per organisation to fill in (code and name), drop-downs, 说明
    # with an example per column and the rules for numbers; 组织编码 and 组织名称 stay in view.
    names = ([o.code, o.name] for o in orgs.only("code", "name").iterator(chunk_size=2000))
    return workbook_response(
        template_sheets(
            title,
            columns,
            services.score_examples(book, orgs.first()),
            rows=names,
            frozen_columns=2,
            rules=services.SCORE_IMPORT_RULES,
        ),
        f"指标得分导入模板-{year}-{kind}.xlsx",
    )


def _cell(ind: Any, value: Any) -> Any:
    if value is None:
        return None
    if ind.form == "yes_no":
        return "是" if value else "否"
    return value
