"""Star rating pages: the rating table, each organisation's star card, score entry, rulebooks."""

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

from wuxing.core.dates import YEAR_MAX, YEAR_MIN
from wuxing.core.excel import Sheet, template_sheets, workbook_response
from wuxing.core.history import history_entries
from wuxing.core.scoping import get_visible, scope, visible_orgs
from wuxing.core.views import int_param
from wuxing.core.workdays import today
from wuxing.orgs.models import Level
from wuxing.orgs.queries import visible_streets
from wuxing.rules import exports, queries, services
from wuxing.rules.engine import rate_one
from wuxing.rules.forms import (
    CloneForm,
    EvidenceForm,
    ImportScoresForm,
    RatingFilterForm,
    RulebookUploadForm,
    RulebookYamlForm,
    ScoreEntryForm,
    TuneForm,
    VetoForm,
)
from wuxing.rules.models import RulebookVersion, Score, VetoEvent

SORTS = {
    "level": lambda r: (-r.level, r.street_code, r.org_code),
    "-level": lambda r: (r.level, r.street_code, r.org_code),
    "name": lambda r: r.org_name,
    "street": lambda r: (r.street_code, r.org_code),
    "total": lambda r: -sum(r.result.points.values()),
}


def _branch(request: HttpRequest, pk: int) -> Any:
    """A village/community organisation the user can see, or 404."""
    return get_visible(visible_orgs(request.user).filter(level=Level.BRANCH), pk=pk)


def _years() -> list[int]:
    """Years with an active rulebook, the default first: the latest year that has scores (a year just
    cloned for next season stays selectable but does not become the default while it is empty)."""
    years = sorted(
        set(RulebookVersion.objects.filter(is_active=True).values_list("year", flat=True)), reverse=True
    )
    if not years:
        return [today().year]
    latest = Score.objects.filter(year__in=years).order_by("-year").values_list("year", flat=True).first()
    if latest is not None and latest != years[0]:
        years.remove(latest)
        years.insert(0, latest)
    return years


def _year(request: HttpRequest) -> int:
    year = int_param(request, "year", label=_("年度"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    return year if year is not None else _years()[0]


@require_safe
def ratings(request: HttpRequest) -> HttpResponseBase:
    years = _years()
    streets = visible_streets(request.user)
    form = RatingFilterForm(request.GET or {"year": years[0]}, years=years, streets=streets)
    params: dict[str, Any] = {"year": years[0]}
    if form.is_valid():
        params.update(form.cleaned_data)
    elif request.GET:
        messages.warning(
            request,
            _("筛选条件无效（%(e)s），已显示默认结果。")
            % {
                "e": "；".join(
                    f"{form.fields[k].label if k in form.fields else k}：{v[0]}"
                    for k, v in form.errors.items()
                )
            },
        )
    year = int(params["year"])
    street = streets.filter(pk=params["street"]).first() if params.get("street") else None
    rows = queries.rate(request.user, year, street=street, kind=params.get("kind") or None)
    dist_all = queries.distribution(rows)
    if params.get("level") not in (None, ""):
        rows = [r for r in rows if r.level == int(params["level"])]
    q = (params.get("q") or "").strip()
    if q:
        rows = [r for r in rows if q in r.org_name or q in r.org_code]
    sort = request.GET.get("sort") or "street"
    rows.sort(key=SORTS.get(sort, SORTS["street"]))
    if request.GET.get("format") == "xlsx":
        return workbook_response(exports.ratings_sheets(rows, year), f"星级评定-{year}-{today():%Y%m%d}.xlsx")
    versions = queries.active_versions(year)
    star_heads = {kind: [(s.code, s.name) for s in rb.rulebook.stars] for kind, rb in versions.items()}
    total = len(rows)
    return render(
        request,
        "rules/ratings.html",
        {
            "form": form,
            "rows": rows,
            "year": year,
            "street": street,
            "distribution": sorted(dist_all.items(), reverse=True),
            "total": sum(dist_all.values()),
            "shown": total,
            "three_plus": sum(v for k, v in dist_all.items() if k >= 3),
            "versions": versions,
            "star_heads": star_heads,
            "sort": sort,
            "qs": request.GET.urlencode(),
            "placeholder": any(rb.is_placeholder for rb in versions.values()),
        },
    )


@require_safe
def card(request: HttpRequest, pk: int) -> HttpResponse:
    org = _branch(request, pk)
    year = _year(request)
    rb = services.active_rulebook(year, org.area_kind)
    ctx: dict[str, Any] = {"org": org, "year": year, "years": _years(), "rb": rb}
    if rb is not None:
        book = rb.rulebook
        values = queries.org_values(org, year, book)
        veto_names = {v.code: f"{s.name}：{v.name}" for s in book.stars for v in s.vetoes}
        events = list(VetoEvent.objects.filter(org=org, year=year).select_related("recorded_by"))
        # each event with its name; codes this version does not know are shown but do not count
        vetoes = [
            (
                e,
                veto_names.get(e.veto_code)
                or _("%(code)s（当前细则无此否决项，不计入）") % {"code": e.veto_code},
            )
            for e in events
        ]
        active = {e.veto_code for e in events if e.revoked_at is None and e.veto_code in veto_names}
        result = rate_one(book, values, active, org=org.pk, detail=True)
        scores = {s.indicator_code: s for s in queries.scores_with_evidence(org, year)}
        stars = []
        for star in book.stars:
            sr = result.star_results[star.code]
            indicators = [
                (ind, values.get(ind.code), row, scores.get(ind.code))
                for ind, row in zip(star.indicators, sr.indicators, strict=False)
            ]
            stars.append({"star": star, "result": sr, "indicators": indicators})
        ctx.update(
            {
                "book": book,
                "result": result,
                "stars": stars,
                "vetoes": vetoes,
                "can_enter": request.user.has_perm("starrules.enter_scores_for", org),
                "can_veto": request.user.has_perm("starrules.record_veto", org),
                "veto_form": VetoForm(book=book),
            }
        )
    return render(request, "rules/card.html", ctx)


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
    orgs = (
        visible_orgs(request.user)
        .filter(level=Level.BRANCH)
        .annotate(filled=Count("scores", filter=Q(scores__year=year)))
        .order_by("path")
    )
    kind = request.GET.get("kind") or ""
    if kind:
        orgs = orgs.filter(area_kind=kind)
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
            [Sheet(title, columns, rows)], f"指标得分-{year}-{kind}-{today():%Y%m%d}.xlsx"
        )
    # The template: the header, one row per organisation to fill in (code and name), drop-downs, 说明.
    names = ([o.code, o.name] for o in orgs.only("code", "name").iterator(chunk_size=2000))
    return workbook_response(
        template_sheets(title, columns, rows=names), f"指标得分导入模板-{year}-{kind}.xlsx"
    )


def _cell(ind: Any, value: Any) -> Any:
    if value is None:
        return None
    if ind.form == "yes_no":
        return "是" if value else "否"
    return value


# --- rulebooks ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def rulebooks(request: HttpRequest) -> HttpResponse:
    qs = (
        RulebookVersion.objects.annotate(n_scores=Count("scores"))
        .select_related("created_by")
        .order_by("-year", "kind", "-version")
    )
    form = RulebookUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not request.user.has_perm("starrules.manage_rulebooks"):
            raise PermissionDenied
        if form.is_valid():
            try:
                rb = services.create_version(
                    request.user,
                    form.cleaned_data["file"],
                    note=form.cleaned_data["note"],
                    activate=form.cleaned_data["activate"],
                )
            except ValidationError as exc:
                for msg in exc.messages:
                    form.add_error("file", msg)
            else:
                messages.success(request, _("已加载：%(rb)s") % {"rb": rb})
                return redirect("starrules:rulebook", pk=rb.pk)
    return render(
        request,
        "rules/rulebooks.html",
        {"rulebooks": qs, "form": form, "can_manage": request.user.has_perm("starrules.manage_rulebooks")},
    )


@require_safe
def rulebook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rb = get_visible(RulebookVersion.objects.select_related("based_on", "created_by"), pk=pk)
    if request.GET.get("format") == "yaml":
        response = HttpResponse(rb.content, content_type="text/yaml; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="rulebook-{rb.year}-{rb.kind}-v{rb.version}.yaml"'
        )
        return response
    book = rb.rulebook
    names = {i.code: i.name for _s, i in book.iter_indicators()} | {st.code: st.name for st in book.stars}
    unscored = (
        Score.objects.filter(year=rb.year, org__area_kind=rb.kind)
        .exclude(scored_with=rb)
        .select_related("org")
        .order_by("org__code", "indicator_code")
        if rb.is_active
        else Score.objects.none()
    )
    return render(
        request,
        "rules/rulebook_detail.html",
        {
            "rb": rb,
            "book": rb.rulebook,
            "has_scores": rb.has_scores(),
            "history": history_entries(rb),
            "can_manage": request.user.has_perm("starrules.manage_rulebooks"),
            "clone_form": CloneForm(initial={"year": rb.year + 1, "activate": True}),
            "names": names,
            "unscored": list(unscored[:50]),
            "unscored_count": unscored.count(),
        },
    )


@require_http_methods(["GET", "POST"])
def rulebook_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit in place while no scores exist; otherwise (or on request) save as a new version."""
    rb = get_visible(RulebookVersion.objects.all(), pk=pk)
    if not request.user.has_perm("starrules.manage_rulebooks"):
        raise PermissionDenied
    frozen = rb.has_scores()
    as_new = frozen or request.POST.get("as_new") == "1" or request.GET.get("as_new") == "1"
    form = RulebookYamlForm(request.POST or None, initial={"content": rb.content, "activate": True})
    if request.method == "POST" and form.is_valid():
        try:
            if as_new:
                saved = services.create_version(
                    request.user,
                    form.cleaned_data["content"],
                    note=form.cleaned_data["note"],
                    based_on=rb,
                    activate=form.cleaned_data["activate"],
                )
            else:
                saved = services.update_version(
                    request.user, rb, form.cleaned_data["content"], form.cleaned_data["note"]
                )
                if form.cleaned_data["activate"] and not saved.is_active:
                    services.activate_version(request.user, saved)
        except ValidationError as exc:
            for msg in exc.messages:
                form.add_error("content", msg)
        else:
            messages.success(request, _("已保存：%(rb)s") % {"rb": saved})
            return redirect("starrules:rulebook", pk=saved.pk)
    return render(
        request, "rules/rulebook_edit.html", {"rb": rb, "form": form, "as_new": as_new, "frozen": frozen}
    )


@require_http_methods(["GET", "POST"])
def rulebook_tune(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the numbers (达标分, 满分, 门槛值 …) without touching YAML; saving makes a new version."""
    rb = get_visible(RulebookVersion.objects.all(), pk=pk)
    if not request.user.has_perm("starrules.manage_rulebooks"):
        raise PermissionDenied
    book = rb.rulebook
    form = TuneForm(
        request.POST or None,
        book=book,
        reading=services.current_reading(book),
        readings=services.RELATION_READINGS,
    )
    if request.method == "POST" and form.is_valid():
        try:
            new = services.tune_version(
                request.user,
                rb,
                form.numbers(),
                reading=form.cleaned_data["reading"] or None,
                note=form.cleaned_data["note"],
                activate=form.cleaned_data["activate"],
            )
        except ValidationError as exc:
            for msg in exc.messages:
                form.add_error(None, msg)
        else:
            report = getattr(new, "rescore_report", None)
            text = _("已生成 %(rb)s。") % {"rb": new}
            if report:
                text += _("已按新版本重新计分 %(n)s 项。") % {"n": report[0]}
                if report[1]:
                    text += _("有 %(n)s 项已填数据不符合新细则，未计分。") % {"n": len(report[1])}
            messages.success(request, text)
            return redirect("starrules:rulebook", pk=new.pk)
    return render(request, "rules/rulebook_tune.html", {"rb": rb, "book": book, "form": form})


@require_POST
def rulebook_activate(request: HttpRequest, pk: int) -> HttpResponse:
    rb = get_visible(RulebookVersion.objects.all(), pk=pk)
    services.activate_version(request.user, rb, request.POST.get("note", ""))
    scored, unscored = getattr(rb, "rescore_report", (0, []))
    text = _("已启用：%(rb)s，星级评定将按此版本计算（重新计分 %(n)s 项）。") % {"rb": rb, "n": scored}
    if unscored:
        text += _("有 %(n)s 项已填数据不符合此版本，未计分：%(items)s") % {
            "n": len(unscored),
            "items": "、".join(f"{o}/{c}" for o, c in unscored[:10]),
        }
    messages.success(request, text)
    return redirect("starrules:rulebook", pk=rb.pk)


@require_POST
def rulebook_clone(request: HttpRequest, pk: int) -> HttpResponse:
    rb = get_visible(RulebookVersion.objects.all(), pk=pk)
    form = CloneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写有效的年度。"))
        return redirect("starrules:rulebook", pk=rb.pk)
    try:
        new = services.clone_to_year(
            request.user,
            rb,
            form.cleaned_data["year"],
            form.cleaned_data["note"],
            activate=form.cleaned_data["activate"],
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("starrules:rulebook", pk=rb.pk)
    messages.success(request, _("已复制为 %(rb)s。") % {"rb": new})
    return redirect("starrules:rulebook", pk=new.pk)
