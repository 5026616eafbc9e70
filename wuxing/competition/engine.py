"""The competition's rules as pure functions (plain data in, plain data out; tested at their boundaries).

- ``dense_rank``: highest score first; equal scores share a rank and the next score gets the next rank
  (1, 1, 2). Within a rank the order is by organisation code — stable and documented (§58).
- ``robust_mean``: an organisation's observation score at one event: the mean of its observers' scores,
  dropping the single highest and the single lowest when there are at least ``drop_from`` observers.
- ``combine``: the quarterly score: weighted monthly mean and observation mean (weights normalised; a
  missing part leaves the other alone).
- ``bottom``: who is at the bottom of one period's ranking (last N places or last N%, ties included).
- ``streaks``: for each organisation the periods in which the policy finds it at the bottom K periods
  running (→ a warning) and K+1 running (→ a downgrade proposal).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Generic, TypeVar

CENT = Decimal("0.01")
K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class Ranked(Generic[K]):
    key: K
    code: str
    score: Decimal | int  # points, or hundredths of a point
    rank: int  # dense rank, 1 = best


def dense_rank(entries: Iterable[tuple[K, str, Decimal | int]]) -> list[Ranked[K]]:
    """(key, org code, score) → ranked, best first; ties share a rank, ordered by code within it."""
    ordered = sorted(entries, key=lambda e: (-e[2], e[1]))
    out: list[Ranked[K]] = []
    rank = 0
    previous: Decimal | int | None = None
    for key, code, score in ordered:
        if score != previous:
            rank += 1
            previous = score
        out.append(Ranked(key, code, score, rank))
    return out


def q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def robust_mean(scores: Sequence[Decimal], drop_from: int) -> tuple[Decimal | None, int]:
    """(mean, number of scores counted). With ``drop_from`` or more scores one highest and one lowest are
    dropped; fewer are all counted. No scores: (None, 0)."""
    if not scores:
        return None, 0
    kept = sorted(scores)
    if len(kept) >= drop_from:
        kept = kept[1:-1]
    return q(sum(kept, Decimal(0)) / len(kept)), len(kept)


def mean(values: Sequence[Decimal]) -> Decimal | None:
    return q(sum(values, Decimal(0)) / len(values)) if values else None


def combine(
    monthly: Decimal | None, observed: Decimal | None, w_monthly: Decimal, w_observed: Decimal
) -> Decimal | None:
    """Weighted mean of the parts present (weights re-normalised over them)."""
    parts = [(v, w) for v, w in ((monthly, w_monthly), (observed, w_observed)) if v is not None and w > 0]
    weight = sum((w for _v, w in parts), Decimal(0))
    if not parts or not weight:
        return None
    return q(sum((v * w for v, w in parts), Decimal(0)) / weight)


def bottom(ranked: Sequence[Ranked[K]], mode: str, n: int) -> set[K]:
    """The keys at the bottom: the last ``n`` places (mode "bottom_n") or the last ``n``% of the ranked
    organisations, at least one (mode "bottom_percent"); an organisation tied with one inside the band is
    inside it too. Nobody is at the bottom of a ranking of fewer than two."""
    if len(ranked) < 2:
        return set()
    size = n if mode == "bottom_n" else math.ceil(len(ranked) * n / 100)
    size = max(1, min(size, len(ranked) - 1))  # never the whole ranking
    cut = ranked[-size].score
    return {r.key for r in ranked if r.score <= cut}


@dataclass(frozen=True)
class Streak:
    key: object
    period: int  # the period that completes the streak
    periods: tuple[int, ...]
    kind: str  # "warning" (K running) or "proposal" (K+1 running)


def streaks(at_bottom: dict[int, set[K]], k: int) -> list[Streak]:
    """``at_bottom``: period → keys at the bottom (only periods with a ranking). Periods count as running
    when they follow each other in the ranked periods (a period nobody was ranked in is skipped, not a
    break). A key at the bottom K periods running gets a warning at the K-th, and a proposal at the
    K+1-th; a longer run yields nothing new (the open proposal stands)."""
    out: list[Streak] = []
    run: dict[object, list[int]] = {}
    for period in sorted(at_bottom):
        keys = at_bottom[period]
        run = {key: [*run.get(key, []), period] for key in keys}
        for key, periods in run.items():
            if len(periods) == k:
                out.append(Streak(key, period, tuple(periods), "warning"))
            elif len(periods) == k + 1:
                out.append(Streak(key, period, tuple(periods), "proposal"))
    return out
