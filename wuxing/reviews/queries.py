"""Read side of the yearly review: scoped, set-based.

`year_results(user, year)` is what every page that shows "the year's stars" should read: for a kind
whose cycle of that year is named, the frozen official record (source "named"); otherwise the live rating
of the star rules (source "live"). Each row says which one it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import Substr

from wuxing.core.request_cache import per_request
from wuxing.core.scoping import scope
from wuxing.orgs.models import AreaKind, OrgUnit
from wuxing.reviews.models import Assessment, CycleStatus, NamedResult, ReviewCycle, Stage, StarRemoval
from wuxing.rules import official

NAMED, LIVE = "named", "live"
SOURCE_LABELS = {NAMED: "命名结果（正式记录）", LIVE: "实时评定（尚未命名）"}


@dataclass(slots=True)
class YearResult:
    org_id: int
    org_code: str
    org_name: str
    street: str
    street_code: str
    kind: str
    year: int
    level: int
    stars: list[str]
    points: dict[str, str]
    rulebook_version: int
    source: str
    result_id: int | None = None  # the NamedResult (named rows)
    named_level: int | None = None  # the level at naming (before any star removal)
    removed: list[Any] = field(default_factory=list)  # StarRemoval rows: removed stars, with why
    star_names: dict[str, str] = field(default_factory=dict)  # star code → name (named rows)

    @property
    def star_labels(self) -> list[str]:
        return [self.star_names.get(code, code) for code in self.stars]

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS[self.source]


def _star_names(results: list[NamedResult]) -> dict[int, dict[str, str]]:
    """Star names per rulebook version, each version's YAML read once (not once per row)."""
    out: dict[int, dict[str, str]] = {}
    for r in results:
        if r.rulebook_id not in out:
            out[r.rulebook_id] = {s.code: s.name for s in r.rulebook.rulebook.stars}
    return out


def _named_row(
    r: NamedResult, org: Any, street: tuple[str, str], removals: list[Any], names: dict[str, str]
) -> YearResult:
    """A named result as the year's result: the stars removed since naming are taken away (and listed)."""
    gone = {x.star_code for x in removals}
    return YearResult(
        r.org_id, org.code, org.name, street[0], street[1], r.kind, r.year, r.level - len(gone),
        [s for s in r.stars if s not in gone], dict(r.points), r.rulebook.version, NAMED,
        r.pk, r.level, removals, names,
    )  # fmt: skip


def _removals(**lookup: Any) -> dict[int, list[Any]]:
    """Star removals of the named results matching `lookup` (no IN list of ids: any size, one query)."""
    from wuxing.reviews.models import StarRemoval

    out: dict[int, list[Any]] = {}
    for x in StarRemoval.objects.filter(**lookup).select_related("by", "veto_event"):
        out.setdefault(x.result_id, []).append(x)
    return out


def _streets() -> dict[str, tuple[str, str]]:
    return {p: (n, c) for p, n, c in OrgUnit.objects.streets().values_list("path", "name", "code")}


class OfficialRecords:
    """The named results as the star rules' official source (rules/official.py, registered in
    ReviewsConfig.ready): the ratings page, its exports, the API and the kept ratings read a named year
    from here."""

    def named_versions(self, year: int) -> dict[str, Any]:
        cycles = ReviewCycle.objects.filter(year=year, status=CycleStatus.NAMED).select_related("rulebook")
        return {c.kind: c.rulebook for c in cycles}

    def named_results(self, year: int, kind: str, org_ids: Any = None) -> dict[int, official.Named]:
        qs = NamedResult.objects.filter(year=year, kind=kind)
        removals_qs = StarRemoval.objects.filter(result__year=year, result__kind=kind)
        if org_ids is not None:
            qs = qs.filter(org_id__in=org_ids)
            removals_qs = removals_qs.filter(result__org_id__in=org_ids)
        removals: dict[int, list[official.Removal]] = {}
        for result_id, star, on, reason in removals_qs.values_list(
            "result_id", "star_code", "removed_on", "reason"
        ):
            removals.setdefault(result_id, []).append(official.Removal(star, on, reason))
        return {
            org_id: official.Named(level, tuple(stars), points, reasons or {}, tuple(removals.get(pk, ())))
            for pk, org_id, level, stars, points, reasons in qs.values_list(
                "pk", "org_id", "level", "stars", "points", "reasons"
            )
        }


@per_request
def named_kinds(year: int) -> set[str]:
    return set(ReviewCycle.objects.filter(year=year, status=CycleStatus.NAMED).values_list("kind", flat=True))


def year_results(user: Any, year: int, *, org_ids: Iterable[int] | None = None) -> list[YearResult]:
    """The year's result of every organisation the user can see: named where the year's cycle of its kind
    is named, live otherwise. A fixed number of queries whatever the number of organisations."""
    from wuxing.rules import queries as rule_queries

    wanted = list(org_ids) if org_ids is not None else None
    if wanted == []:
        return []
    named = named_kinds(year)
    rows: list[YearResult] = []
    if named:
        step = 2 * OrgUnit.steplen
        streets = _streets()
        qs = scope(NamedResult.objects.filter(year=year, kind__in=named), user, "org").select_related(
            "org", "rulebook"
        )
        if wanted is not None:
            qs = qs.filter(org_id__in=wanted)
        named_rows = list(qs)
        removals = _removals(result__year=year, result__kind__in=named)
        names = _star_names(named_rows)
        for r in named_rows:
            street = streets.get(r.org.path[:step], ("", ""))
            rows.append(_named_row(r, r.org, street, removals.get(r.pk, []), names[r.rulebook_id]))
    for kind in AreaKind.values:
        if kind in named:
            continue
        for row in rule_queries.rate(user, year, kind=kind, org_ids=wanted):
            rows.append(
                YearResult(
                    row.org_id, row.org_code, row.org_name, row.street, row.street_code, row.kind, year,
                    row.level, list(row.result.stars), {c: str(p) for c, p in row.result.points.items()},
                    row.rulebook.version, LIVE,
                )
            )  # fmt: skip
    rows.sort(key=lambda r: (r.street_code, r.org_code))
    return rows


def star_history(user: Any, org: OrgUnit) -> list[YearResult]:
    """One organisation's stars over the years: every named year, and the live rating of each year whose
    cycle is still open. A few queries per open cycle (usually one), none per year."""
    named = list(NamedResult.objects.filter(org=org).select_related("rulebook"))
    removals = _removals(result__org=org)
    names = _star_names(named)
    rows = [_named_row(r, org, ("", ""), removals.get(r.pk, []), names[r.rulebook_id]) for r in named]
    named_years = {r.year for r in rows}
    open_years = ReviewCycle.objects.filter(kind=org.area_kind, status=CycleStatus.OPEN).values_list(
        "year", flat=True
    )
    for year in open_years:
        if year not in named_years:
            rows.extend(year_results(user, year, org_ids=[org.pk]))
    rows.sort(key=lambda r: r.year, reverse=True)
    return rows


def visible_cycles() -> QuerySet[ReviewCycle]:
    """Cycles are the district's, the same for every street: everybody may read them; what is inside
    them (assessments) is scoped."""
    return ReviewCycle.objects.select_related("rulebook")


def visible_assessments(user: Any) -> QuerySet[Assessment]:
    return scope(Assessment.objects.select_related("cycle", "org", "cycle__rulebook"), user, "org")


@dataclass
class StreetProgress:
    name: str
    code: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Stage.values, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def progress(
    user: Any, cycles: Iterable[ReviewCycle], street_code: str | None = None
) -> dict[int, list[StreetProgress]]:
    """Per cycle and street: how many assessments are in each stage. One GROUP BY for all cycles."""
    step = 2 * OrgUnit.steplen
    streets = _streets()
    ids = [c.pk for c in cycles]
    qs = scope(Assessment.objects.filter(cycle_id__in=ids), user, "org")
    if street_code:
        qs = qs.filter(org__path__startswith=_street_path(street_code, streets))
    grouped = (
        qs.annotate(street_path=Substr("org__path", 1, step))
        .values_list("cycle_id", "street_path", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    result: dict[int, dict[str, StreetProgress]] = {pk: {} for pk in ids}
    for cycle_id, path, state, n in grouped:
        name, code = streets.get(path, ("", ""))
        per_street = result[cycle_id].setdefault(path, StreetProgress(name, code))
        per_street.counts[state] = n
    return {pk: sorted(v.values(), key=lambda s: s.code) for pk, v in result.items()}


def _street_path(code: str, streets: dict[str, tuple[str, str]]) -> str:
    for path, (_name, street_code) in streets.items():
        if street_code.upper() == code.upper():
            return path
    return "~none"


def totals(rows: list[StreetProgress]) -> dict[str, int]:
    out = dict.fromkeys(Stage.values, 0)
    for row in rows:
        for state, n in row.counts.items():
            out[state] += n
    return out


@dataclass
class Due:
    cycle: ReviewCycle
    state: str
    count: int
    deadline: Any
    overdue: bool

    @property
    def state_label(self) -> str:
        return str(Stage(self.state).label)


DEADLINE_OF = {
    Stage.DRAFT: "self_deadline",
    Stage.SUBMITTED: "street_deadline",
    Stage.STREET_REVIEWED: "district_deadline",
}


def due_for(user: Any) -> list[Due]:
    """What is waiting for this user in the open cycles: the stage waiting for them, how many, the
    deadline of that stage and whether it has passed (Beijing date)."""
    from wuxing.core.workdays import today

    if not getattr(user, "is_authenticated", False):
        return []
    role = "district_admin" if user.is_superuser else user.role
    waiting = {
        "secretary": Stage.DRAFT,
        "street_staff": Stage.SUBMITTED,
        "district_admin": Stage.STREET_REVIEWED,
    }.get(role)
    if waiting is None:
        return []
    counts = (
        visible_assessments(user)
        .filter(cycle__status=CycleStatus.OPEN, state=waiting)
        .values_list("cycle_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_cycle = dict(counts)
    now = today()
    out = []
    for cycle in ReviewCycle.objects.filter(pk__in=by_cycle):
        deadline = getattr(cycle, DEADLINE_OF[waiting])
        out.append(Due(cycle, waiting, by_cycle[cycle.pk], deadline, deadline < now))
    return out
