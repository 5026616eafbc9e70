"""动态竞争 pages. Thin: reads through queries/goals, writes through services; every list is scoped
(wuxing.core.scoping) and every page with numbers has its Excel export (?format=xlsx)."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from wuxing.competition import exports, goals, queries, services
from wuxing.competition.forms import (
    ChecklistForm,
    DecideForm,
    EventForm,
    MonthlyImportForm,
    ParametersForm,
    RankingFilterForm,
    ReserveForm,
    WeakForm,
    WeakUpdateForm,
)
from wuxing.competition.models import CaseKind, CaseState, MonthlyScore, WeakBranch
from wuxing.competition.parameters import flags
from wuxing.core.dates import YEAR_MAX, YEAR_MIN
from wuxing.core.excel import template_sheets, workbook_response
from wuxing.core.forms import show_conflict
from wuxing.core.locking import EditConflict
from wuxing.core.scoping import get_visible, visible_orgs
from wuxing.core.views import int_param, paginate, querystring_without
from wuxing.core.workdays import today
from wuxing.orgs.models import Level
from wuxing.rules.kept import rating_years

RANKING_PAGE = 100  # rows per page of a ranking (a province's month is 50,000)


def _year(request: HttpRequest) -> int:
    """The asked year, else the latest year with monthly scores, else the year the first pages show."""
    year = int_param(request, "year", label=_("年度"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    if year is not None:
        return year
    latest = MonthlyScore.objects.order_by("-year").values_list("year", flat=True).first()
    return latest if latest is not None else rating_years()[0]


def _can_manage(request: HttpRequest) -> bool:
    return bool(request.user.has_perm("competition.manage"))


def _can_score(request: HttpRequest) -> bool:
    return _can_manage(request) or getattr(request.user, "role", "") == "street_staff"


def _errors_to_form(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _check_year(year: int) -> None:
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise Http404


# --------------------------------------------------------------------------- goals (the overview)


def goal_chart(report: goals.GoalReport) -> dict[str, Any]:
    p = report.params
    return {
        "type": "stacked",
        "categories": [s.name for s in report.streets],
        "series": [
            {"name": _("达到%(n)d星及以上") % {"n": p.goal_branch_level},
             "data": [s.orgs - s.below for s in report.streets]},
            {"name": _("未达"), "data": [s.below for s in report.streets]},
        ],
    }  # fmt: skip


def trend_chart(year: int, months: list[int], names: dict[str, str], places: dict[str, dict[int, int]],
                codes: list[str]) -> dict[str, Any]:  # fmt: skip
    """Per month, each (visible) street's place among the streets (1 = best); at most 12 lines."""
    shown = [c for c in codes if c in places][:12]
    return {
        "type": "line",
        "inverse": True,
        "categories": [f"{year}年{m}月" for m in months],
        "series": [{"name": names.get(c, c), "data": [places[c].get(m) for m in months]} for c in shown],
    }


def trend_rows(chart: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    return [(label, [s["data"][i] for s in chart["series"]]) for i, label in enumerate(chart["categories"])]


@require_safe
def index(request: HttpRequest) -> HttpResponseBase:
    year = _year(request)
    report = goals.evaluate(request.user, year)
    if request.GET.get("format") == "xlsx":
        return workbook_response(exports.goal_sheets(report), f"{year}年度目标达成.xlsx")
    months, names, places = queries.street_places(request.user, year)
    trend = trend_chart(year, months, names, places, [s.code for s in report.streets])
    return render(
        request,
        "competition/index.html",
        {
            "year": year,
            "report": report,
            "labels": exports.GOAL_LABELS,
            "charts": {"goals": goal_chart(report), "trend": trend},
            "trend_rows": trend_rows(trend),
            "rankings": months,
            "flags": flags(report.params),
            "warnings": queries.open_warnings(request.user, year)[:50],
            "can_manage": _can_manage(request),
            "can_score": _can_score(request),
        },
    )


# --------------------------------------------------------------------------- rankings


def _filtered(request: HttpRequest, rankings: list[queries.Ranking]) -> RankingFilterForm:
    """Narrow the rankings' rows to the street and search of the request (the page and its Excel). The
    places stay those among all ranked organisations."""
    streets: dict[str, str] = {}
    for k in rankings:
        streets.update((s.code, s.name) for s in k.streets)
    form = RankingFilterForm(request.GET, streets=sorted(streets.items()))
    if not form.is_valid():
        return form
    street, text = form.cleaned_data["street"], form.cleaned_data["q"]
    for k in rankings:
        if street:
            k.rows = k.rows.where(lambda info: info.street_code == street)
        if text:
            k.rows = k.rows.where(lambda info: text in info.name or info.code.startswith(text))
    return form


@require_safe
def rankings(request: HttpRequest) -> HttpResponseBase:
    year = _year(request)
    month = int_param(request, "month", label=_("月份"), min_value=1, max_value=12)
    months = queries.scored_months(year)
    if month is None or month not in months:
        month = months[-1] if months else None
    if request.GET.get("format") == "xlsx":
        everything = queries.monthly_rankings(request.user, year)
        _filtered(request, everything)
        return workbook_response(exports.ranking_sheets(everything), f"{year}年度月考评排名.xlsx")
    ranking = queries.monthly_rankings(request.user, year, [month])[0] if month else None
    form = _filtered(request, [ranking] if ranking else [])
    page, qs_params = paginate(request, ranking.rows if ranking else [], RANKING_PAGE)
    params, _saved = queries.parameters_for(year)
    return render(
        request,
        "competition/rankings.html",
        {"year": year, "month": month, "months": months, "ranking": ranking, "params": params, "form": form,
         "page": page, "qs_params": qs_params, "export_params": querystring_without(request, "page", "format"),
         "checklist": queries.checklist_for(year), "can_score": _can_score(request)},
    )  # fmt: skip


@require_safe
def quarter(request: HttpRequest) -> HttpResponseBase:
    year = _year(request)
    number = (
        int_param(request, "quarter", label=_("季度"), min_value=1, max_value=4)
        or (today().month - 1) // 3 + 1
    )
    ranking = queries.quarter_ranking(request.user, year, number)
    form = _filtered(request, [ranking])
    if request.GET.get("format") == "xlsx":
        return workbook_response(exports.ranking_sheets([ranking]), f"{year}年第{number}季度综合排名.xlsx")
    page, qs_params = paginate(request, ranking.rows, RANKING_PAGE)
    params, _saved = queries.parameters_for(year)
    return render(
        request, "competition/quarter.html",
        {"year": year, "quarter": number, "quarters": (1, 2, 3, 4), "ranking": ranking, "params": params,
         "flags": flags(params), "form": form, "page": page, "qs_params": qs_params,
         "export_params": querystring_without(request, "page", "format")},
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
def monthly_import(request: HttpRequest) -> HttpResponseBase:
    if not _can_score(request):
        raise PermissionDenied
    year = _year(request)
    checklist = queries.checklist_for(year)
    if request.method == "GET" and request.GET.get("format") == "xlsx":
        columns = services.monthly_columns(checklist)
        month = today().month if today().year == year else 1
        rows = (
            [info.code, info.name, month, "", *([""] * len(checklist.items))]
            for info, _lvl, _src in queries.eligible(request.user, year)
        )
        example = ["ZB001", "西漳涧村", 1, "街道考评组", *[i["points"] for i in checklist.items]]
        sheets = template_sheets(
            services.MONTHLY_SHEET, columns, example, rows, frozen_columns=2,
            rules=["每个组织每月一行；各项得分不超过该项满分；再次导入同一组织同一月份时替换原得分。"],
        )  # fmt: skip
        return workbook_response(sheets, f"{year}年度月考评导入模板.xlsx")
    report = None
    form = MonthlyImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        report = services.import_monthly(
            request.user, form.cleaned_data["file"], year, form.cleaned_data["reason"]
        )
        if report.ok:
            messages.success(
                request,
                _("已导入月考评：新增 %(c)s 行，替换 %(u)s 行。")
                % {"c": report.created, "u": report.updated},
            )
            return redirect(f"{request.path}?year={year}")
    return render(
        request, "competition/monthly_import.html",
        {"year": year, "form": form, "report": report, "checklist": checklist,
         "eligible": queries.eligible(request.user, year)[:500],
         "entry_month": today().month if today().year == year else 1},
    )  # fmt: skip


# --------------------------------------------------------------------------- parameters and checklist


@require_http_methods(["GET", "POST"])
def parameters(request: HttpRequest, year: int) -> HttpResponse:
    _check_year(year)
    row, saved = queries.parameters_for(year)
    if request.method == "POST":
        if not _can_manage(request):
            raise PermissionDenied
        form = ParametersForm(request.POST)
        if form.is_valid():
            try:
                services.save_parameters(
                    request.user, year, form.values(), form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["lock_version"],
                )  # fmt: skip
            except EditConflict as exc:
                show_conflict(form, exc)
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("已保存 %(year)s 年度参数。") % {"year": year})
                return redirect("competition:parameters", year=year)
    else:
        form = ParametersForm(initial={**ParametersForm.initial_from(row), "lock_version": row.lock_version})
    history = row.history.select_related("history_user")[:20] if saved else []
    return render(
        request, "competition/parameters.html",
        {"year": year, "row": row, "saved": saved, "form": form, "flags": flags(row),
         "can_manage": _can_manage(request), "history": history},
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
def checklist(request: HttpRequest, year: int) -> HttpResponse:
    _check_year(year)
    current = queries.checklist_for(year)
    text = "\n".join(f"{i['code']}|{i['name']}|{i['points']}" for i in current.items)
    form = ChecklistForm(request.POST or None, initial={"items": text, "version": current.version})
    if request.method == "POST":
        if not _can_manage(request):
            raise PermissionDenied
        if form.is_valid():
            try:
                items = services.parse_items(form.cleaned_data["items"])
                services.save_checklist(
                    request.user, year, items, form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"],
                )  # fmt: skip
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("已保存新版本细则。"))
                return redirect("competition:checklist", year=year)
    from wuxing.competition.models import Checklist

    versions = Checklist.objects.filter(year=year).select_related("created_by").order_by("-version")[:20]
    return render(
        request, "competition/checklist.html",
        {"year": year, "current": current, "form": form, "versions": versions, "can_manage": _can_manage(request)},
    )  # fmt: skip


# --------------------------------------------------------------------------- observation events


def route_orgs(request: HttpRequest, form: Any) -> list[Any] | None:
    """The route typed in the form's 组织编码 field (one per line, or separated by commas), in order, as
    organisations the user sees; None (and the error on the field) when a code is unknown to the user."""
    codes = [c.upper() for c in re.split(r"[\s,，、]+", form.cleaned_data["orgs"]) if c]
    found = {o.code.upper(): o for o in visible_orgs(request.user).filter(level=Level.BRANCH, code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        form.add_error("orgs", _("找不到组织（或无权查看）：%(codes)s") % {"codes": "、".join(missing[:10])})
        return None
    return [found[c] for c in codes]


def _organisers(request: HttpRequest) -> list[tuple[int, str]]:
    user = request.user
    if _can_manage(request):
        return [(0, _("区级")), *visible_orgs(user).filter(level=Level.STREET).values_list("pk", "name")]
    if getattr(user, "role", "") == "street_staff" and user.scope_org_id:  # type: ignore[union-attr]
        return [(user.scope_org_id, user.scope_org.name)]  # type: ignore[union-attr]
    return []


@require_http_methods(["GET", "POST"])
def observations(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    organisers = _organisers(request)
    form = EventForm(request.POST or None, organisers=organisers)
    if request.method == "POST":
        if not organisers:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            organiser = None
            if data["organiser"]:
                organiser = get_visible(
                    visible_orgs(request.user).filter(level=Level.STREET), pk=data["organiser"]
                )
            route = route_orgs(request, form)
            if route is not None:
                try:
                    event = services.create_event(
                        request.user, title=data["title"], held_on=data["held_on"], organiser=organiser,
                        orgs=route, observers=data["observers"].splitlines(),
                    )  # fmt: skip
                except ValidationError as exc:
                    _errors_to_form(form, exc)
                else:
                    messages.success(request, _("已新建观摩活动，请录入评分。"))
                    return redirect("competition:observation", pk=event.pk)
    events = queries.visible_events(request.user).filter(held_on__year=year).order_by("-held_on", "-pk")[:200]
    return render(
        request, "competition/observations.html",
        {"year": year, "events": events, "form": form if organisers else None},
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
def observation(request: HttpRequest, pk: int) -> HttpResponseBase:
    event = get_visible(queries.visible_events(request.user), pk=pk)
    may_score = services._may_organise(request.user, event.organiser)
    seen = queries.visible_ids(request.user)
    stops = [s for s in event.stops.select_related("org") if seen is None or s.org_id in seen]
    error = ""
    if request.method == "POST":
        if not may_score:
            raise PermissionDenied
        values = {
            (name, s.org_id): request.POST.get(f"s_{i}_{s.org_id}", "")[:20]
            for i, name in enumerate(event.observers)
            for s in stops
        }
        try:
            version = int(request.POST.get("lock_version", ""))
        except ValueError:
            version = None
        try:
            services.save_observation_scores(
                request.user, event, values, request.POST.get("reason", "")[:200], expected_version=version
            )
        except ValidationError as exc:
            error = "；".join(exc.messages)
        else:
            messages.success(request, _("已保存观摩评分。"))
            return redirect("competition:observation", pk=event.pk)
    params, _saved = queries.parameters_for(event.year)
    given = {(o, n): s for o, n, s in event.scores.values_list("org_id", "observer", "score")}
    means = queries.observation_means([event], params.drop_extremes_from).get(event.pk, {})
    rows = [
        {
            "stop": s,
            "cells": [(i, name, given.get((s.org_id, name))) for i, name in enumerate(event.observers)],
            "mean": means.get(s.org_id),
        }
        for s in stops
    ]
    if request.method == "GET" and request.GET.get("format") == "xlsx":
        seen_given = {(o, n): s for (o, n), s in given.items() if seen is None or o in seen}
        return workbook_response(
            exports.observation_sheets(event, rows, seen_given), f"{event.held_on:%Y%m%d}观摩评分.xlsx"
        )
    return render(
        request, "competition/observation.html",
        {"event": event, "rows": rows, "may_score": may_score, "error": error, "params": params,
         "flags": flags(params)},
    )  # fmt: skip


# --------------------------------------------------------------------------- policy cases


@require_http_methods(["GET", "POST"])
def cases(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    if request.method == "POST":
        if not _can_manage(request):
            raise PermissionDenied
        found = services.apply_policy(request.user, year)
        messages.success(request, _("已按末位规则检查：新产生 %(n)s 条记录。") % {"n": len(found)})
        return redirect(f"{request.path}?year={year}")
    params, _saved = queries.parameters_for(year)
    rows = queries.visible_cases(request.user, year).order_by("-period", "kind", "org__code")[:500]
    return render(
        request, "competition/cases.html",
        {"year": year, "rows": rows, "rule": services.policy_rule_text(params), "flags": flags(params),
         "can_manage": _can_manage(request), "open": CaseState.OPEN, "proposal": CaseKind.PROPOSAL},
    )  # fmt: skip


@require_POST
def case_decide(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_visible(queries.visible_cases(request.user), pk=pk)
    if not _can_manage(request):
        raise PermissionDenied
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写决定说明。"))
    else:
        try:
            services.decide_case(
                request.user, case, form.cleaned_data["decision"] == "confirm", form.cleaned_data["comment"],
                expected_version=form.cleaned_data["lock_version"],
            )  # fmt: skip
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已记录区级决定。"))
    return redirect(f"/competition/cases/?year={case.year}")


# --------------------------------------------------------------------------- reserve pool and weak branches


def _branch(request: HttpRequest, code: str) -> Any:
    return visible_orgs(request.user).filter(level=Level.BRANCH, code__iexact=code.strip()).first()


@require_http_methods(["GET", "POST"])
def reserve(request: HttpRequest) -> HttpResponseBase:
    year = _year(request)
    form = ReserveForm(request.POST or None)
    if request.method == "POST":
        if not _can_manage(request):
            raise PermissionDenied
        if form.is_valid():
            org = _branch(request, form.cleaned_data["org"])
            if org is None:
                form.add_error("org", _("找不到该组织"))
            else:
                try:
                    services.designate_reserve(
                        request.user, org, year, form.cleaned_data["target_level"], form.cleaned_data["cadre"],
                        form.cleaned_data["note"],
                    )  # fmt: skip
                except ValidationError as exc:
                    _errors_to_form(form, exc)
                else:
                    messages.success(request, _("已列为储备对象。"))
                    return redirect(f"{request.path}?year={year}")
    from wuxing.competition.reserve import reserve_rows

    rows, months = reserve_rows(request.user, year)
    if request.GET.get("format") == "xlsx":
        from wuxing.competition.reserve import reserve_sheets

        return workbook_response(reserve_sheets(rows, months), f"{year}年度储备对象.xlsx")
    return render(
        request, "competition/reserve.html",
        {"year": year, "rows": rows, "months": months, "form": form if _can_manage(request) else None},
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
def weak(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    form = WeakForm(request.POST or None)
    if request.method == "POST":
        if not _can_score(request):
            raise PermissionDenied
        if form.is_valid():
            org = _branch(request, form.cleaned_data["org"])
            if org is None:
                form.add_error("org", _("找不到该组织"))
            else:
                try:
                    services.designate_weak(
                        request.user, org, year, form.cleaned_data["designated_on"], form.cleaned_data["reason"],
                        form.cleaned_data["plan"],
                    )  # fmt: skip
                except PermissionDenied:
                    form.add_error("org", _("您无权认定该组织"))
                except ValidationError as exc:
                    _errors_to_form(form, exc)
                else:
                    messages.success(request, _("已认定为软弱涣散党组织。"))
                    return redirect(f"{request.path}?year={year}")
    rows = list(queries.visible_weak(request.user, year).order_by("org__code"))
    for row in rows:
        row.can_update = request.user.has_perm("competition.score", row.org)
        row.update_form = WeakUpdateForm(
            initial={"state": row.state, "plan": row.plan, "lock_version": row.lock_version}
        )
    return render(
        request, "competition/weak.html",
        {"year": year, "rows": rows, "form": form if _can_score(request) else None,
         "counts": queries.weak_counts(request.user, year)},
    )  # fmt: skip


@require_POST
def weak_update(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_visible(_weak_qs(request), pk=pk)
    if not request.user.has_perm("competition.score", row.org):
        raise PermissionDenied
    form = WeakUpdateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写说明。"))
    else:
        try:
            services.update_weak(
                request.user, row, state=form.cleaned_data["state"], plan=form.cleaned_data["plan"],
                comment=form.cleaned_data["comment"], expected_version=form.cleaned_data["lock_version"],
            )  # fmt: skip
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已更新。"))
    return redirect(f"/competition/weak/?year={row.year}")


def _weak_qs(request: HttpRequest) -> Any:
    from wuxing.core.scoping import scope

    return scope(WeakBranch.objects.select_related("org"), request.user, "org")
