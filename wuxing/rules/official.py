"""One truth per year (docs/decisions.md §46): the year's result of an organisation is the official record
for a kind whose year is named, and the live rating otherwise.

The star rules know nothing about the review. The reviews app registers an `OfficialSource` here (in its
AppConfig.ready, like the value guards); `queries.rate`, the kept ratings and everything built on them
(the ratings page, its Excel and PDF, `/api/v1/ratings`, the `rate` command, the home pages, the star
column of the organisation list) then read the named record for a named year through this module, and
say which one they show (`source_of`).

A named result is shaped like the engine's `OrgResult` (`NamedOrgResult`: level, stars, points, per-star
results with the reasons frozen at naming and the stars removed since, with why), so every consumer of a
rating row works on either without knowing which it has.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.db.models import QuerySet

from wuxing.core.request_cache import per_request
from wuxing.rules.engine import StarResult
from wuxing.rules.models import RulebookVersion
from wuxing.rules.schema import Rulebook

NAMED, LIVE = "named", "live"
SOURCE_LABELS = {NAMED: "命名结果（正式记录）", LIVE: "实时评定（尚未命名）"}


@dataclass(frozen=True, slots=True)
class Removal:
    """A star taken away from a named result (摘星): shown as removed, with why."""

    star_code: str
    removed_on: Any  # date
    reason: str


@dataclass(frozen=True, slots=True)
class Named:
    """One organisation's named result, as the official source gives it."""

    level_at_naming: int
    stars_at_naming: tuple[str, ...]
    points: Mapping[str, str]  # star code → points at naming, as text (exact decimal)
    reasons: Mapping[str, Sequence[str]]  # star code → why it was not awarded, frozen at naming
    removals: tuple[Removal, ...] = ()


class OfficialSource(Protocol):
    def named_versions(self, year: int) -> dict[str, RulebookVersion]:
        """Kind → the rulebook version the year was named on, for the kinds whose year is named."""

    def named_results(
        self, year: int, kind: str, org_ids: QuerySet[Any] | list[int] | None
    ) -> dict[int, Named]:
        """The named results of these organisations (all of the kind with None), a fixed number of
        queries whatever their number."""


SOURCES: list[OfficialSource] = []


@per_request
def named_versions(year: int) -> dict[str, RulebookVersion]:
    out: dict[str, RulebookVersion] = {}
    for source in SOURCES:
        out.update(source.named_versions(year))
    return out


def named_results(year: int, kind: str, org_ids: QuerySet[Any] | list[int] | None = None) -> dict[int, Named]:
    out: dict[int, Named] = {}
    for source in SOURCES:
        out.update(source.named_results(year, kind, org_ids))
    return out


class NamedOrgResult:
    """A named result with the engine's `OrgResult` interface (level, stars, points, star_results, year,
    kind, rulebook_version, placeholder). Stars removed since naming are not in `stars`; their star
    result says "已摘除" with the date and reason."""

    __slots__ = ("_book", "_named", "_star_results", "level", "org", "stars")
    source = NAMED

    def __init__(self, org: int, book: Rulebook, named: Named) -> None:
        gone = {r.star_code for r in named.removals}
        self.org = org
        self._book = book
        self._named = named
        self.stars = tuple(s for s in named.stars_at_naming if s not in gone)
        self.level = named.level_at_naming - len(gone & set(named.stars_at_naming))
        self._star_results: dict[str, StarResult] | None = None

    @property
    def year(self) -> int:
        return self._book.year

    @property
    def kind(self) -> str:
        return self._book.kind

    @property
    def rulebook_version(self) -> int:
        return self._book.version

    @property
    def placeholder(self) -> bool:
        return self._book.has_placeholders

    @property
    def removals(self) -> tuple[Removal, ...]:
        return self._named.removals

    @property
    def level_at_naming(self) -> int:
        return self._named.level_at_naming

    @property
    def points(self) -> dict[str, Decimal]:
        return {s.code: Decimal(self._named.points.get(s.code, "0")) for s in self._book.stars}

    @property
    def total_cents(self) -> int:
        return int(sum(self.points.values(), Decimal(0)) * 100)

    @property
    def star_results(self) -> dict[str, StarResult]:
        if self._star_results is None:
            removed = {r.star_code: r for r in self._named.removals}
            points = self.points
            out = {}
            for star in self._book.stars:
                had = star.code in self._named.stars_at_naming
                gone = removed.get(star.code)
                reasons: tuple[str, ...]
                if gone is not None and had:
                    reasons = (f"已摘除（{gone.removed_on:%Y-%m-%d}）：{gone.reason}",)
                elif had:
                    reasons = ()
                else:
                    reasons = tuple(self._named.reasons.get(star.code, ())) or ("命名时未获得",)
                minimum = Decimal(star.award.min_points)
                out[star.code] = StarResult(
                    code=star.code,
                    name=star.name,
                    awarded=had and gone is None,
                    eligible=had,
                    points=points[star.code],
                    min_points=minimum,
                    gap_points=max(Decimal(0), minimum - points[star.code]),
                    vetoed_by=(),
                    missing_indicators=(),
                    missing_stars=(),
                    unfilled=(),
                    reasons=reasons,
                )
            self._star_results = out
        return self._star_results

    @property
    def gaps(self) -> tuple[str, ...]:
        """The gap list: the reasons frozen at naming, and each removed star with its date and reason."""
        return tuple(f"{sr.name}：{reason}" for sr in self.star_results.values() for reason in sr.reasons)

    def __repr__(self) -> str:
        return f"NamedOrgResult(org={self.org!r}, level={self.level}, stars={self.stars!r})"


def source_of(result: Any) -> str:
    return NAMED if isinstance(result, NamedOrgResult) else LIVE
