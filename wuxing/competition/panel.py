"""The competition's panel on the first pages (one context entry, a fixed number of queries whatever the
number of organisations or months):

- district admin and leader: which streets meet the year's goals and why the others do not (goal progress
  chart with its table; the organisations to push are one click away on the goals page), and the downgrade
  proposals waiting for a decision;
- street staff: its street's goals, its organisations' latest monthly places
  (district and street), its street's place among the streets, and any warning;
- secretary: its organisation's latest monthly place and any warning.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from wuxing.competition import goals, queries
from wuxing.competition.models import CaseKind, CaseState
from wuxing.dashboard import queries as dashboard_queries


def competition_panel(user: Any, year: int) -> dict[str, Any] | None:
    role = "district" if (user.is_superuser or user.role in ("district_admin", "leader")) else user.role
    if role not in ("district", "street_staff", "secretary"):
        return None
    out: dict[str, Any] = {"role": role, "year": year}
    months = queries.scored_months(year)
    latest = None
    if months:
        (latest,) = queries.monthly_rankings(user, year, [months[-1]])
    out["latest"] = latest
    cases = queries.open_warnings(user, year)
    out["warnings"] = [c for c in cases if c.state != CaseState.CONFIRMED][:20]
    out["waiting"] = sum(1 for c in cases if c.kind == CaseKind.PROPOSAL and c.state == CaseState.OPEN)
    if role in ("district", "street_staff"):
        from wuxing.competition.views import goal_chart

        # without the closest organisations (the goals page lists them): their gap texts may read the unmet
        # values (one query or none, depending on the data), and a first page's query count must not vary
        report = goals.evaluate(user, year, closest=False)
        out["report"] = report
        # at province size the panel lists the streets furthest from the goals, like the first page's
        # star table (decisions §79); the goals page and its Excel have every street
        out["streets_shown"] = report.streets
        if len(report.streets) > dashboard_queries.HOME_STREETS_MAX:
            furthest = sorted(
                report.streets, key=lambda s: (s.met, -s.below, -(s.five_short + s.four_short), s.code)
            )
            out["streets_shown"] = furthest[: dashboard_queries.HOME_STREETS_MAX]
        out["goal_chart"] = goal_chart(dataclasses.replace(report, streets=out["streets_shown"]))
        from wuxing.competition.views import trend_chart, trend_rows

        months, names, places = queries.street_places(user, year)
        if months:
            trend = trend_chart(year, months, names, places, [s.code for s in report.streets])
            out["trend_chart"], out["trend_rows"] = trend, trend_rows(trend)
    return out
