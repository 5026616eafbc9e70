"""The year's goals, evaluated per street (§61).

Two goals, as the year's parameters (defaults from the seed):
- every rural and community organisation at ``goal_branch_level`` stars or more (default three);
- every street/town with at least ``goal_street_five`` five-star and ``goal_street_four`` four-star
  organisations (default one and two; with ``four_counts_five`` a five beyond the five-star goal counts
  towards the four-star one).

Counts come from the kept ratings (one GROUP BY per street and level, §24/§48) — the official record of a
named year, the live rating otherwise, and the page says which. For each goal a street misses, the
organisations closest to closing it: candidates taken in SQL (below the goal's level, highest level and
most points first, a few per street), then rated by the engine (`rules.queries.rate`) and ordered by the
gaps to the goal's level — the fewest gap items over the stars still needed, then the fewest points short.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from wuxing.competition.parameters import SEED_TEXT
from wuxing.competition.queries import parameters_for
from wuxing.orgs.models import Level, OrgUnit

CANDIDATES_PER_GOAL = 1  # SQL candidates per street and goal = closest_count × this, then rated


@dataclass(slots=True)
class Closest:
    org_id: int
    code: str
    name: str
    street_code: str
    level: int
    target: int
    items: int  # gap items over the stars still needed
    points: Decimal  # points short over those stars
    reasons: list[str]


@dataclass
class StreetGoals:
    code: str
    name: str
    pk: int | None
    orgs: int = 0
    counts: list[int] = field(default_factory=lambda: [0] * 6)
    below: int = 0  # organisations below the branch goal
    fives: int = 0
    fours: int = 0  # counted towards the four-star goal (with surplus fives when the parameter says so)
    closest: dict[str, list[Closest]] = field(default_factory=dict)  # goal code → organisations

    branch_met: bool = False
    five_short: int = 0
    four_short: int = 0

    @property
    def reached(self) -> int:
        return self.orgs - self.below

    @property
    def street_met(self) -> bool:
        return not self.five_short and not self.four_short

    @property
    def met(self) -> bool:
        return self.branch_met and self.street_met

    @property
    def reasons(self) -> list[str]:
        out = []
        if self.below:
            out.append(f"{self.below} 个组织未达目标星级")
        if self.five_short:
            out.append(f"五星还差 {self.five_short} 个")
        if self.four_short:
            out.append(f"四星还差 {self.four_short} 个")
        return out


@dataclass
class GoalReport:
    year: int
    params: Any
    saved: bool
    streets: list[StreetGoals]
    source: str  # 命名结果 / 实时评定 / 部分命名
    kept: bool  # counted from the kept ratings

    @property
    def goals(self) -> list[dict[str, str]]:
        p = self.params
        four = "（超出的五星计入）" if p.four_counts_five else ""
        return [
            {"code": "branch", "text": f"所有村(社区)党组织达到{p.goal_branch_level}星及以上",
             "basis": SEED_TEXT["goal_branch_level"] if p.goal_branch_level == 3 else "区级设定"},
            {"code": "street", "text": f"每个街道(镇)至少{p.goal_street_five}个五星、{p.goal_street_four}个四星{four}",
             "basis": SEED_TEXT["goal_street_five"] + "、" + SEED_TEXT["goal_street_four"]},
        ]  # fmt: skip

    @property
    def met_count(self) -> int:
        return sum(1 for s in self.streets if s.met)

    def as_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "source": self.source,
            "goals": self.goals,
            "streets": [
                {
                    "code": s.code, "name": s.name, "orgs": s.orgs, "counts": s.counts, "met": s.met,
                    "branch_goal_met": s.branch_met, "below_level": s.below, "five": s.fives,
                    "four": s.fours, "five_short": s.five_short, "four_short": s.four_short,
                    "reasons": s.reasons,
                    "closest": {
                        goal: [
                            {"org_code": c.code, "org_name": c.name, "level": c.level, "target": c.target,
                             "gap_items": c.items, "gap_points": str(c.points)}
                            for c in items
                        ]
                        for goal, items in s.closest.items()
                    },
                }
                for s in self.streets
            ],
        }  # fmt: skip


def gaps_to(result: Any, target: int) -> tuple[int, Decimal, list[str]]:
    """The engine's gaps of one organisation to ``target`` stars: of its missing stars, the
    ``target - level`` cheapest (a star it can earn now before one waiting for another, then fewest gap
    items, then fewest points short), summed."""
    need = target - result.level
    if need <= 0:
        return 0, Decimal(0), []
    missing = [r for r in result.star_results.values() if not r.awarded]
    missing.sort(key=lambda r: (bool(r.missing_stars), len(r.reasons), r.gap_points))
    chosen = missing[:need]
    items = sum(len(r.reasons) for r in chosen)
    points = sum((r.gap_points for r in chosen), Decimal(0))
    return items, points, [f"{r.name}：{reason}" for r in chosen for reason in r.reasons]


def evaluate(user: Any, year: int, *, street: OrgUnit | None = None, closest: bool = True) -> GoalReport:
    from wuxing.core.scoping import visible_orgs
    from wuxing.reviews.queries import named_kinds
    from wuxing.rules import kept
    from wuxing.rules.queries import year_versions

    params, saved = parameters_for(year)
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * 6)  # street code → organisations per level
    fresh = kept.refresh_scope(user, year, street=street)
    versions = year_versions(year)
    named = named_kinds(year)
    source = "命名结果" if named and named >= set(versions) else ("部分命名" if named else "实时评定")
    seen_codes: set[str] = set()
    if fresh:
        for code, level, n in kept.level_counts(user, year, street=street):
            counts[code][level] += n
            seen_codes.add(code)
    else:  # kept ratings could not be stored: rate in memory
        from wuxing.rules.queries import rate

        for row in rate(user, year, street=street):
            counts[row.street_code][row.level] += 1
            seen_codes.add(row.street_code)
    visible_street_codes = (
        set(visible_orgs(user).filter(level=Level.STREET).values_list("code", flat=True))
        if street is None
        else {street.code}
    )
    # only the streets shown are read from the registry (a street's staff: one, not the province's)
    street_rows = OrgUnit.objects.streets().filter(code__in=seen_codes | visible_street_codes)
    out = []
    for pk, code, name in street_rows.order_by("code").values_list("pk", "code", "name"):
        out.append(StreetGoals(code, name, pk, counts=list(counts[code])))
    if street is not None:
        out = [s for s in out if s.code == street.code]
    for s in out:
        _judge(s, params)
    report = GoalReport(year, params, saved, out, source, fresh)
    if closest and fresh:
        _closest(user, year, report)
    return report


def _judge(s: StreetGoals, p: Any) -> None:
    s.orgs = sum(s.counts)
    s.below = sum(s.counts[: p.goal_branch_level])
    s.branch_met = s.below == 0 and s.orgs > 0
    s.fives = s.counts[5]
    surplus = max(0, s.fives - p.goal_street_five) if p.four_counts_five else 0
    s.fours = s.counts[4] + surplus
    s.five_short = max(0, p.goal_street_five - s.fives)
    s.four_short = max(0, p.goal_street_four - s.fours)


def _closest(user: Any, year: int, report: GoalReport) -> None:
    """The organisations closest to each goal a street misses (two queries and one rating of the
    candidates, whatever the number of streets)."""
    from wuxing.rules import kept
    from wuxing.rules.queries import rate

    p = report.params
    n = p.closest_count
    wanted: dict[str, dict[str, int]] = {}  # street → goal → target level
    for s in report.streets:
        goals: dict[str, int] = {}
        if not s.branch_met and s.below:
            goals["branch"] = p.goal_branch_level
        if s.five_short:
            goals["five"] = 5
        if s.four_short:
            goals["four"] = 4
        if goals:
            wanted[s.code] = goals
    if not wanted:
        return
    top = max(max(g.values()) for g in wanted.values())
    rows = (
        kept.kept_ratings(user, year)
        .filter(street_code__in=list(wanted), level__lt=top)
        .order_by("street_code", "-level", "-total_cents", "org_code")
        .values_list("org_id", "street_code", "level")
    )
    picked: dict[tuple[str, str], list[int]] = {}
    limit = n * CANDIDATES_PER_GOAL
    for org_id, code, level in rows.iterator(5000):
        for goal, target in wanted[code].items():
            if level < target:
                bucket = picked.setdefault((code, goal), [])
                if len(bucket) < limit:
                    bucket.append(org_id)
    ids = {pk for bucket in picked.values() for pk in bucket}
    rated = {r.org_id: r for r in rate(user, year, org_ids=ids)} if ids else {}
    by_code = {s.code: s for s in report.streets}
    for (code, goal), bucket in picked.items():
        target = wanted[code][goal]
        found = []
        for pk in bucket:
            row = rated.get(pk)
            if row is None:
                continue
            items, points, reasons = gaps_to(row.result, target)
            found.append(
                Closest(pk, row.org_code, row.org_name, code, row.level, target, items, points, reasons)
            )
        found.sort(key=lambda c: (c.target - c.level, c.items, c.points, c.code))
        by_code[code].closest[goal] = found[:n]
