"""The first page after login: where do we stand, what do I do now — one layout per role.

district admin and leader: the district; street staff: its street, plus its organisations closest to their
next star first; secretary: its own star card in brief, what is still to fill, what evidence is missing;
dispatched unit: its organisations with their stars and gaps. Every chart has its numbers in a table under
it and in the Excel export (``?format=xlsx``). All numbers are the year's result: counted
from the kept ratings, and for the organisations a page lists, ``rules.queries.rate`` — the live rating of
a year under review, the official record of a named year (§46).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from wuxing.boards import queries as board_queries
from wuxing.competition.panel import competition_panel
from wuxing.core.excel import workbook_response
from wuxing.core.workdays import today
from wuxing.dashboard import exports
from wuxing.dashboard import queries as dashboard_queries
from wuxing.dashboard.queries import (
    GOAL_PERCENT,
    LEVELS,
    closest_first,
    entry_progress,
    evidence_codes,
    kept_levels,
    kept_progress,
    street_table,
)
from wuxing.members import queries as member_queries
from wuxing.orgs.queries import visible_streets
from wuxing.reviews import queries as review_queries
from wuxing.rules import queries
from wuxing.rules.models import Score
from wuxing.rules.views.common import _year, _years

DISTRICT_ROLES = ("district_admin", "leader")


def role_of(user: Any) -> str:
    if user.is_superuser or user.role in DISTRICT_ROLES:
        return "district"
    return str(user.role)


def level_series(counts: list[int]) -> list[dict[str, Any]]:
    return [{"name": _("%(n)d星") % {"n": level}, "data": [counts[level]]} for level in LEVELS]


def street_chart(streets: list[Any]) -> dict[str, Any]:
    """Stacked bars: one bar per street, one segment per level."""
    return {
        "type": "stacked",
        "categories": [s.name for s in streets],
        "series": [
            {"name": _("%(n)d星") % {"n": level}, "data": [s.counts[level] for s in streets]}
            for level in LEVELS
        ],
    }


def total_chart(counts: list[int]) -> dict[str, Any]:
    return {
        "type": "bar",
        "categories": [_("%(n)d星") % {"n": level} for level in LEVELS],
        "series": [{"name": _("组织数"), "data": list(counts)}],
    }


def compare_chart(year: int, counts: list[int], prev_year: int, prev: list[int]) -> dict[str, Any]:
    return {
        "type": "bar",
        "categories": [_("%(n)d星") % {"n": level} for level in LEVELS],
        "series": [
            {"name": _("%(y)d年") % {"y": prev_year}, "data": list(prev)},
            {"name": _("%(y)d年") % {"y": year}, "data": list(counts)},
        ],
    }


def points_chart(row: queries.RatingRow) -> dict[str, Any]:
    results = list(row.result.star_results.values())
    return {
        "type": "bar",
        "categories": [r.name for r in results],
        "series": [
            {"name": _("得分"), "data": [float(r.points) for r in results]},
            {"name": _("达标线"), "data": [float(r.min_points) for r in results]},
        ],
    }


def _previous_year(year: int, years: list[int]) -> int | None:
    """Last year, when it has an active rulebook and scores (this year beside last year)."""
    prev = year - 1
    if prev in years and Score.objects.filter(year=prev).exists():
        return prev
    return None


def _secretary(request: HttpRequest, year: int, rows: list[queries.RatingRow]) -> dict[str, Any]:
    org = request.user.scope_org  # type: ignore[union-attr]
    row = rows[0] if rows else None
    if row is None:
        return {"org": org, "row": None}
    book = row.rulebook.rulebook
    names = {ind.code: ind.name for star in book.stars for ind in star.indicators}
    to_fill = [
        {"star": sr.name, "indicators": [names.get(code, code) for code in sr.unfilled]}
        for sr in row.result.star_results.values()
        if sr.unfilled
    ]
    lacking = (
        Score.objects.filter(
            org=org, scored_with=row.rulebook, indicator_code__in=evidence_codes(row.rulebook)
        )
        .filter(evidence__isnull=True)
        .values_list("indicator_code", flat=True)
        .order_by()
    )
    expected = {ind.code: ind for star in book.stars for ind in star.indicators}
    missing_evidence = [expected[code] for code in sorted(lacking, key=list(expected).index)]
    return {
        "org": org,
        "row": row,
        "star_results": list(row.result.star_results.values()),
        "to_fill": to_fill,
        "to_fill_count": sum(len(s["indicators"]) for s in to_fill),
        "missing_evidence": missing_evidence,
        "charts": {"points": points_chart(row)},
    }


@require_safe
def home(request: HttpRequest) -> HttpResponseBase:
    user = request.user
    years = _years()
    year = _year(request)
    if year not in years:
        year = years[0]
    role = role_of(user)
    versions = queries.year_versions(year)
    # One truth per year: where the year is named (for a kind), its counts come from the official record.
    named = review_queries.named_kinds(year)
    ctx: dict[str, Any] = {
        "role": role,
        "year": year,
        "years": years,
        "named_kinds": sorted(named),
        "all_named": bool(named) and named >= set(versions),
        "due": review_queries.due_for(user),
        "board_due": board_queries.due_for(user),
        "member_due": member_queries.due_for(user),
        "competition": competition_panel(user, year),
        "versions": versions,
        "placeholder": any(rb.is_placeholder for rb in versions.values()),
        "goal": GOAL_PERCENT,
        "levels": LEVELS,
    }
    if role == "secretary":
        org = user.scope_org  # type: ignore[union-attr]
        rows = queries.rate(user, year, kind=org.area_kind if org is not None else None)
        if org is not None:  # the rulebook its card follows, not the other kind's
            ctx["versions"] = {k: rb for k, rb in versions.items() if k == org.area_kind}
            ctx["placeholder"] = any(rb.is_placeholder for rb in ctx["versions"].values())
        ctx.update(_secretary(request, year, rows))
        if request.GET.get("format") == "xlsx":
            return workbook_response(exports.secretary_sheets(ctx, year), _export_name(year))
        return render(request, "dashboard/home.html", ctx)

    # Counted in SQL from the kept ratings (a named year's are its official record, §46); the rows
    # themselves are rated only where the page lists organisations (a street's, a unit's).
    rows = queries.rate(user, year) if role in ("street_staff", "unit") else []
    levels = kept_levels(user, year)
    if levels is None:  # the kept rows could not be stored: rate in memory
        rows = rows or queries.rate(user, year)
        streets, total = street_table(rows)
        progress = entry_progress(user, rows, versions)
    else:
        streets, total = levels
        progress = kept_progress(user, year)
    street_pks = dict(visible_streets(user).values_list("code", "pk"))
    for street in streets:
        street.pk = street_pks.get(street.code)
    charts: dict[str, Any] = {"total": total_chart(total.counts)}
    ctx.update({"streets": streets, "total": total, "progress": progress, "rows": rows})
    if role in ("district", "street_staff"):
        charts["streets"] = street_chart(streets)
        prev_year = _previous_year(year, years)
        if prev_year is not None:
            prev_levels = kept_levels(user, prev_year)
            _prev, prev_total = prev_levels or street_table(queries.rate(user, prev_year))
            ctx.update(
                {
                    "prev_year": prev_year,
                    "prev_total": prev_total,
                    "compare_rows": list(zip(LEVELS, prev_total.counts, total.counts, strict=True)),
                }
            )
            charts["compare"] = compare_chart(year, total.counts, prev_year, prev_total.counts)
    if role == "street_staff":
        ctx["closest"] = closest_first(rows)
    ctx["charts"] = charts
    if request.GET.get("format") == "xlsx":
        return workbook_response(exports.overview_sheets(ctx, year), _export_name(year))
    ctx["streets_shown"] = streets
    if len(streets) > dashboard_queries.HOME_STREETS_MAX:
        furthest = sorted(streets, key=lambda s: (s.three_plus_percent, s.code))[
            : dashboard_queries.HOME_STREETS_MAX
        ]
        ctx["streets_shown"] = furthest
        if "streets" in charts:
            charts["streets"] = street_chart(furthest)
    return render(request, "dashboard/home.html", ctx)


def _export_name(year: int) -> str:
    return f"首页概览-{year}-{today():%Y%m%d}.xlsx"
