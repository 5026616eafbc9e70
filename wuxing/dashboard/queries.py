"""What each role's first page shows, read set-based from the rating queries (no query per organisation).

- ``kept_levels`` / ``street_table``: per street, organisations, count per level 0–5, 三星及以上 share,
  five- and four-star counts — one GROUP BY over the kept ratings (``rules.kept``), or, when those cannot
  be stored, from one ``rules.queries.rate`` of everything the user sees.
- ``kept_progress`` / ``entry_progress``: how many organisations have every indicator of the year's
  rulebook filled and how many have filled indicators that lack evidence — from the kept ratings' entry
  counts, or one GROUP BY over the values.
  An indicator "expects evidence" when its rulebook item names the evidence (``evidence:`` in the YAML,
  e.g. "会议记录、照片"); it "lacks evidence" when it has a value but no file is attached.
- ``next_star``: for an organisation not yet at five stars, the star it is closest to: among the missing
  stars that do not wait for another star (须先获得), the one with the fewest gap items (the engine's
  差距清单), then the fewest points short.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from django.db.models import Count, Exists, OuterRef, Q

from wuxing.core.scoping import org_filter, visible_orgs
from wuxing.orgs.models import Level, OrgUnit
from wuxing.rules import kept
from wuxing.rules.kept import evidence_codes
from wuxing.rules.models import Evidence, RulebookVersion, Score
from wuxing.rules.queries import RatingRow, year_versions

# A district has about ten streets; at province size the first page's per-street tables and charts list
# the streets furthest from the goals and leave every street to the Excel export and the list pages (§79).
HOME_STREETS_MAX = 30

LEVELS = tuple(range(6))
GOAL_PERCENT = 100  # the campaign's goal: every organisation three stars or more


def percent(part: int, whole: int) -> Decimal:
    """part / whole as a percentage with one decimal (0 when whole is 0)."""
    if not whole:
        return Decimal(0)
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"))


@dataclass
class LevelCounts:
    """How many organisations are at each level, and the shares the pages show."""

    name: str
    code: str = ""
    pk: int | None = None  # the street's id, for a link to its ratings
    counts: list[int] = field(default_factory=lambda: [0] * 6)

    def add(self, level: int) -> None:
        self.counts[level] += 1

    @property
    def orgs(self) -> int:
        return sum(self.counts)

    @property
    def three_plus(self) -> int:
        return sum(self.counts[3:])

    @property
    def three_plus_percent(self) -> Decimal:
        return percent(self.three_plus, self.orgs)

    @property
    def five(self) -> int:
        return self.counts[5]

    @property
    def four(self) -> int:
        return self.counts[4]


class LeveledRow(Protocol):
    """A live rating row (rules.queries.RatingRow) or a year's result (reviews.queries.YearResult)."""

    @property
    def street(self) -> str: ...
    @property
    def street_code(self) -> str: ...
    @property
    def level(self) -> int: ...


def street_table(rows: Iterable[LeveledRow]) -> tuple[list[LevelCounts], LevelCounts]:
    """Per street (in code order) and in total — from the live rating, or the named record of a year."""
    streets: dict[str, LevelCounts] = {}
    total = LevelCounts("合计")
    for row in rows:
        entry = streets.get(row.street_code)
        if entry is None:
            entry = streets[row.street_code] = LevelCounts(row.street, row.street_code)
        entry.add(row.level)
        total.add(row.level)
    return [streets[code] for code in sorted(streets)], total


@dataclass
class OrgProgress:
    filled: int = 0
    indicators: int = 0
    lacking_evidence: int = 0

    @property
    def complete(self) -> bool:
        return self.indicators > 0 and self.filled >= self.indicators


@dataclass
class Progress:
    orgs: int
    complete: int
    lacking_evidence: int
    per_org: dict[int, OrgProgress]

    @property
    def complete_percent(self) -> Decimal:
        return percent(self.complete, self.orgs)


def kept_levels(user: Any, year: int) -> tuple[list[LevelCounts], LevelCounts] | None:
    """`street_table` from the kept ratings (§24, §46): one GROUP BY (street, level) over the kept rows of
    what the user sees, whatever the number of organisations. None when they could not be brought up to
    date (the caller then rates in memory)."""
    if not kept.refresh_scope(user, year):
        return None
    names = dict(OrgUnit.objects.streets().order_by().values_list("code", "name"))
    streets: dict[str, LevelCounts] = {}
    total = LevelCounts("合计")
    for code, level, n in kept.level_counts(user, year):
        entry = streets.get(code)
        if entry is None:
            entry = streets[code] = LevelCounts(names.get(code, ""), code)
        entry.counts[level] += n
        total.counts[level] += n
    return [streets[code] for code in sorted(streets)], total


def kept_progress(user: Any, year: int) -> Progress:
    """`entry_progress` from the kept ratings' entry counts: one aggregate per rulebook version (call
    `kept_levels` or `kept.refresh_scope` first)."""
    rows = kept.kept_ratings(user, year)
    orgs = complete = lacking = 0
    for rb in year_versions(year).values():
        size = sum(len(star.indicators) for star in rb.rulebook.stars)
        done = Q(filled__gte=size) if size else Q(pk__in=[])
        counted = rows.filter(rulebook_id=rb.pk).aggregate(
            n=Count("pk"), complete=Count("pk", filter=done), lacking=Count("pk", filter=Q(lacking__gt=0))
        )
        orgs += counted["n"]
        complete += counted["complete"]
        lacking += counted["lacking"]
    return Progress(orgs=orgs, complete=complete, lacking_evidence=lacking, per_org={})


def entry_progress(user: Any, rows: Sequence[RatingRow], versions: dict[str, RulebookVersion]) -> Progress:
    """Entry progress of the rated organisations: one GROUP BY over the scored values (per organisation:
    how many values, and how many of those expect evidence and have none), whatever their number."""
    kinds = {row.kind for row in rows}
    books = {kind: rb for kind, rb in versions.items() if kind in kinds}
    per_org: dict[int, OrgProgress] = {}
    sizes = {kind: sum(len(star.indicators) for star in rb.rulebook.stars) for kind, rb in books.items()}
    for row in rows:
        per_org[row.org_id] = OrgProgress(indicators=sizes.get(row.kind, 0))
    if books:
        scored = Score.objects.filter(scored_with__in=list(books.values()))
        condition = org_filter(user, "org__")
        if condition is not None:
            scored = scored.filter(org_id__in=visible_orgs(user).filter(level=Level.BRANCH).values("pk"))
        expects = Q()
        for rb in books.values():
            expects |= Q(scored_with=rb, indicator_code__in=evidence_codes(rb))
        no_file = ~Exists(Evidence.objects.filter(score=OuterRef("pk")))
        counts = (
            scored.values_list("org_id")
            .annotate(n=Count("pk"), lacking=Count("pk", filter=expects & no_file))
            .order_by()
        )
        for org_id, n, lacking in counts:
            progress = per_org.get(org_id)
            if progress is not None:
                progress.filled = n
                progress.lacking_evidence = lacking
    return Progress(
        orgs=len(per_org),
        complete=sum(1 for p in per_org.values() if p.complete),
        lacking_evidence=sum(1 for p in per_org.values() if p.lacking_evidence),
        per_org=per_org,
    )


@dataclass
class NextStar:
    row: RatingRow
    star: str  # the star's name
    items: int  # gap items of that star
    points: Decimal  # points short of its pass mark
    reasons: tuple[str, ...]
    waits: bool = False  # it needs another star first (须先获得): not the next star to work on

    @property
    def key(self) -> tuple[bool, int, Decimal]:
        return (self.waits, self.items, self.points)


def next_star(row: RatingRow) -> NextStar | None:
    """The missing star this organisation is closest to, or None at five stars."""
    best: NextStar | None = None
    for result in row.result.star_results.values():
        if result.awarded:
            continue
        candidate = NextStar(
            row,
            result.name,
            len(result.reasons),
            result.gap_points,
            result.reasons,
            bool(result.missing_stars),
        )
        if best is None or candidate.key < best.key:
            best = candidate
    return best


def closest_first(rows: Iterable[RatingRow]) -> list[NextStar]:
    """Organisations below five stars, the one closest to its next star first (a star it can earn now
    before one that waits for another star, then fewest gap items, fewest points short, higher level)."""
    found = [n for n in map(next_star, rows) if n is not None]
    found.sort(key=lambda n: (*n.key, -n.row.level, n.row.street_code, n.row.org_code))
    return found
