"""The rating engine: plain data in (a rulebook, indicator values, veto events), plain data out.

Pure functions, no Django and no ORM: a set-based loader elsewhere feeds ``rate_all`` with

    scores = {org_key: {indicator_code: value}}       # value: bool | int | Decimal
    vetoes = {org_key: {veto_code, ...}}              # the 一票否决 events that happened

and gets back one frozen ``OrgResult`` per organisation: how many stars it earns, each star's points,
and for every star it misses the exact reasons in Chinese (差距清单).

How a star is decided:

1. Points: every filled indicator scores by its form (see ``schema.Indicator``); bonus items add,
   penalty items subtract. A missing value (or ``None``) is "not entered" (未填报): 0 points, not met.
2. Own eligibility: points ≥ ``award.min_points``, no veto of the star happened, and every
   ``award.required_indicators`` item is met.
3. ``requires_stars``: a star is awarded only if it is eligible and every star it requires is awarded.
   This is the fixed point over the requirement graph (acyclic, checked by the schema), computed
   iteratively in dependency order; it does not depend on the order of the stars or of anything else.

A star that is not awarded gets its reasons: the relation first ("须先获得：产业兴旺星" — the star cannot
be had before the stars it requires), then its vetoes, points and required indicators. When it is lost
through a chain (支部过硬星 vetoed → 产业兴旺星, eligible itself, not awarded → 生态宜居星), the relation
names the root: the stars along the chain that failed on their own conditions, and why
("须先获得：产业兴旺星（根源：支部过硬星被一票否决（…））"); ``StarResult.root_stars`` lists them.

Values are typed (``validate_value`` turns form/Excel input into them). A value of the wrong type for
its indicator, or a veto code the rulebook does not know, raises ``ScoreError`` naming the organisation:
a misspelt veto must never let a void star through. Values for indicator codes that the rulebook does
not contain are ignored (e.g. left over from an older rulebook version).

Points are exact: the schema allows at most two decimals in any rulebook points, so the engine adds
whole hundredths of a point (``int``; a scale value with more decimals falls back to an exact
``Decimal``) and turns the sum into a ``Decimal`` quantized to 0.01 (ROUND_HALF_UP) only in the results.
No float anywhere.
"""

from __future__ import annotations

import gc
import operator
import threading
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple, Protocol, TypeVar

from wuxing.core.numbers import NumberError, parse_decimal, parse_whole

from .schema import VALUE_INT_DIGITS, VALUE_PLACES, Indicator, Rulebook, Star, format_number, with_unit

__all__ = [
    "Cell",
    "IndicatorResult",
    "MissingIndicator",
    "OrgResult",
    "Ref",
    "ScoreError",
    "StarResult",
    "StarTotals",
    "Value",
    "gap_list",
    "indicator_of",
    "rate_all",
    "rate_one",
    "rate_totals",
    "score_cell",
    "validate_value",
]

Value = bool | int | Decimal

ZERO = Decimal(0)
CENT = Decimal("0.01")
HUNDRED = Decimal(100)

# The organisation key type of one rating call (e.g. str or int): results are keyed like the input.
OrgKey = TypeVar("OrgKey", bound=Hashable)
_OrgKey_contra = TypeVar("_OrgKey_contra", bound=Hashable, contravariant=True)


class ValueLookup(Protocol):
    """What ``rate_totals`` reads one organisation's values through: any ``Mapping[str, object]``."""

    def get(self, code: str, /) -> object: ...


class ValuesByOrg(Protocol[_OrgKey_contra]):
    """``rate_totals``'s ``values``: any ``Mapping[org, Mapping[str, object]]``, or a lazy look-up with
    the same ``get`` (rules.queries.UnmetValues)."""

    def get(self, org: _OrgKey_contra, /) -> ValueLookup | None: ...


class ScoreError(ValueError):
    """A value that does not fit its indicator, or an unknown veto code. The message is Chinese."""

    def __init__(self, message: str, *, org: Hashable | None = None, indicator: str | None = None):
        self.org = org
        self.indicator = indicator
        self.detail = message
        super().__init__(message if org is None else f"组织 {org}：{message}")


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Ref:
    """A star or veto item named in a result: its code and Chinese name."""

    code: str
    name: str


class MissingIndicator(NamedTuple):
    """A required indicator (必达指标) that is not met. A named tuple, like StarResult: a province builds
    hundreds of thousands of them, and a frozen dataclass's __init__ costs several times a tuple's."""

    code: str
    name: str
    requirement: str  # "村集体经济收入 ≥ 20 万元"
    value: Value | None  # None when not entered
    text: str  # "村集体经济收入 ≥ 20 万元，当前 18 万元"


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    """One indicator's outcome; only filled in when rating with ``detail=True``."""

    code: str
    name: str
    value: Value | None
    filled: bool
    points: Decimal
    met: bool


class StarResult(NamedTuple):
    """One star's outcome. A named tuple (immutable, built at tuple speed): the gap lists of a province
    build five per organisation, and a frozen dataclass's __init__ made them most of the cost."""

    code: str
    name: str
    awarded: bool
    eligible: bool  # its own conditions hold (points, vetoes, required indicators), ignoring requires_stars
    points: Decimal  # total including bonus and penalty, quantized to 0.01
    min_points: Decimal
    gap_points: Decimal  # ≥ 0: how many points short of min_points
    vetoed_by: tuple[Ref, ...]
    missing_indicators: tuple[MissingIndicator, ...]  # required indicators not met
    missing_stars: tuple[Ref, ...]  # required stars that are not awarded
    unfilled: tuple[str, ...]  # indicator codes without a value
    reasons: tuple[str, ...]  # why the star is not awarded, in Chinese; empty when awarded
    indicators: tuple[IndicatorResult, ...] = ()  # per indicator, only with detail=True
    # stars that failed on their own conditions and, through a chain of requires_stars, cost this one
    # (支部过硬星 vetoed → 产业兴旺星 → 生态宜居星: 生态宜居星's root is 支部过硬星); empty when every
    # missing star failed on its own, or when none is missing
    root_stars: tuple[Ref, ...] = ()


class OrgResult:
    """One organisation's rating. Immutable.

    ``level`` and ``stars`` are decided eagerly; ``points`` and ``star_results`` (with the reasons) are
    built on first use, so rating a province costs only the decisions.
    """

    __slots__ = (
        "_compiled",
        "_gaps",
        "_points",
        "_star_results",
        "_state",
        "_totals",
        "level",
        "org",
        "stars",
    )

    org: Hashable
    level: int  # 0..5, the number of stars awarded
    stars: tuple[str, ...]  # awarded star codes, in rulebook order
    # Private slots, set through object.__setattr__ (the class refuses normal assignment).
    _compiled: _Compiled
    _totals: Sequence[StarTotals]
    _points: dict[str, Decimal] | None  # built on first use
    _star_results: dict[str, StarResult] | None  # built on first use
    _gaps: tuple[str, ...] | None  # built on first use
    _state: tuple[Any, ...] | None  # _explain's extra arguments; dropped once star_results is built

    def __init__(
        self,
        org: Hashable,
        compiled: _Compiled,
        level: int,
        stars: tuple[str, ...],
        totals: Sequence[StarTotals],
        state: tuple[Any, ...],
    ) -> None:
        init = object.__setattr__
        init(self, "org", org)
        init(self, "level", level)
        init(self, "stars", stars)
        init(self, "_compiled", compiled)
        init(self, "_totals", totals)
        init(self, "_points", None)
        init(self, "_star_results", None)
        init(self, "_gaps", None)
        init(self, "_state", state)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("OrgResult is immutable")

    @property
    def year(self) -> int:
        return self._compiled.rulebook.year

    @property
    def kind(self) -> str:
        return self._compiled.rulebook.kind

    @property
    def rulebook_version(self) -> int:
        return self._compiled.rulebook.version

    @property
    def placeholder(self) -> bool:
        """The rulebook contains default (non-official) rules: say so wherever the result is shown."""
        return self._compiled.placeholder

    @property
    def points(self) -> dict[str, Decimal]:
        """Star code → total points (Decimal, two places), in rulebook order."""
        points = self._points
        if points is None:
            totals = self._totals
            points = {star.code: _points(totals[star.index][0]) for star in self._compiled.stars}
            object.__setattr__(self, "_points", points)
        return points

    @property
    def star_results(self) -> dict[str, StarResult]:
        """Per star, in rulebook order: points, whether awarded and, if not, exactly why."""
        results = self._star_results
        if results is None:
            state = self._state
            assert state is not None  # only dropped below, once _star_results is set
            results = _explain(self._compiled, self._totals, *state)
            object.__setattr__(self, "_star_results", results)
            object.__setattr__(self, "_state", None)
        return results

    @property
    def gaps(self) -> tuple[str, ...]:
        """All reasons for all stars not awarded, each prefixed with the star's name (差距清单). Built
        from the totals without the star results (``_gap_texts``), or from them once they are built."""
        gaps = self._gaps
        if gaps is None:
            results = self._star_results
            if results is not None:
                gaps = tuple(f"{star.name}：{reason}" for star in results.values() for reason in star.reasons)
            else:
                state = self._state
                assert state is not None  # only dropped once _star_results is set
                happened, eligible, _awarded, get, _detail = state
                gaps = _gap_texts(self._compiled, self._totals, happened, eligible, get)
            object.__setattr__(self, "_gaps", gaps)
        return gaps

    def _key(self) -> tuple[Any, ...]:
        return (
            self.org,
            self.year,
            self.kind,
            self.rulebook_version,
            self.placeholder,
            self.level,
            self.stars,
            self.points,
            self.star_results,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OrgResult):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"OrgResult(org={self.org!r}, level={self.level}, stars={self.stars!r})"


def gap_list(result: OrgResult) -> list[str]:
    """All reasons for all stars not awarded, each prefixed with the star's name (差距清单)."""
    return list(result.gaps)


# --------------------------------------------------------------------------- compiling a rulebook
#
# Speed matters: a province is ~50,000 organisations × 40 indicators. Everything that depends only on
# the rulebook is worked out once per rulebook (``_compile``): per indicator a scoring closure, a memo
# of value → (cents, met) for bool and int values (cheap to hash; Decimal hashing is not), and all the
# fixed Chinese text. Points inside the engine are ints in hundredths of a point ("cents").

Score = tuple[int | Decimal, bool]  # (points in hundredths, met)

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}
_MEMO_LIMIT = 4096  # counts remembered per indicator


class _NoMemo:
    """Expected-type marker for Decimal indicators: no value ever has this type, so no memo look-up."""


def _cents(points: Decimal) -> int:
    """Rulebook points (at most two decimals, checked by the schema) as an exact int of hundredths."""
    cents = points * HUNDRED
    if cents != cents.to_integral_value():  # pragma: no cover — the schema refuses such rulebooks
        raise ValueError(f"分值 {points} 超过两位小数")
    return int(cents)


def _type_error(indicator: Indicator, value: object, expected: str) -> ScoreError:
    return ScoreError(
        f"指标 {indicator.code}（{indicator.name}）的值 {value!r} 无效：{expected}", indicator=indicator.code
    )


def _as_count(indicator: Indicator, value: object) -> int:
    whole_decimal = (
        isinstance(value, Decimal)
        and value.is_finite()
        and value.adjusted() < VALUE_INT_DIGITS  # never int() of a giant Decimal such as 1E+1000000
        and value == value.to_integral_value()
    )
    if (isinstance(value, int) and not isinstance(value, bool)) or whole_decimal:
        count = int(value)  # type: ignore[call-overload]
        if count >= 0:
            return count
    raise _type_error(indicator, value, "应为不小于 0 的整数")


def _as_decimal(indicator: Indicator, value: object) -> Decimal:
    if isinstance(value, Decimal) and value.is_finite():
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise _type_error(
        indicator, value, "应为 Decimal 或整数（不接受浮点数和文本，请先用 validate_value 转换）"
    )


def _scorer(indicator: Indicator) -> tuple[type, dict[object, Score], Callable[[object], Score]]:
    """(expected value type, memo, score) for one indicator.

    ``score(value)`` checks and scores any value. The caller looks in ``memo`` first, but only for a
    value of exactly the expected type, so True is never mistaken for 1 nor 1 for True.
    """
    form = indicator.form
    max_cents = _cents(indicator.max_points)
    hit: Score = (max_cents, True)
    miss: Score = (0, False)
    memo: dict[object, Score] = {}

    if form == "yes_no":
        memo.update({True: hit, False: miss})

        def score_yes_no(value: object) -> Score:
            if value is True or value is False:
                return memo[value]
            raise _type_error(indicator, value, "应为 True 或 False")

        return bool, memo, score_yes_no

    if indicator.counts:
        assert indicator.points_each is not None
        each = _cents(indicator.points_each)
        min_count = indicator.effective_min_count
        penalty = form == "penalty"

        def score_count(value: object) -> Score:
            count = _as_count(indicator, value)
            cents = min(count * each, max_cents)
            result: Score = (-cents, count == 0) if penalty else (cents, count >= min_count)
            if type(value) is int and len(memo) < _MEMO_LIMIT:
                memo[count] = result
            return result

        return int, memo, score_count

    if form == "threshold":
        assert indicator.op is not None and indicator.target is not None
        compare = _OPS[indicator.op]
        target = indicator.target

        def score_threshold(value: object) -> Score:
            number = value if type(value) is Decimal and value.is_finite() else _as_decimal(indicator, value)
            return hit if compare(number, target) else miss

        return _NoMemo, memo, score_threshold

    # scale: the assessor gives the points directly, 0..max_points
    max_points = indicator.max_points
    pass_points = indicator.effective_pass_points
    limit = f"评分应在 0–{format_number(max_points)} 分之间"

    def score_scale(value: object) -> Score:
        number = value if type(value) is Decimal and value.is_finite() else _as_decimal(indicator, value)
        if number < 0 or number > max_points:
            raise _type_error(indicator, value, limit)
        cents = number * HUNDRED
        whole = int(cents)
        return (whole if whole == cents else cents), number >= pass_points

    return _NoMemo, memo, score_scale


# One cell of the inner loop: (code, expected type, memo, score, required)
_Cell = tuple[str, type, dict[object, Score], Callable[[object], Score], bool]


@dataclass(slots=True)
class _CStar:
    index: int
    code: str
    name: str
    min_cents: int
    min_points: Decimal
    min_points_text: str
    cells: tuple[_Cell, ...]
    indicators: tuple[Indicator, ...]
    codes: tuple[str, ...]
    names: tuple[str, ...]
    required_at: tuple[bool, ...]
    requirements: tuple[str, ...]  # requirement text per indicator ("村集体经济收入 ≥ 20 万元")
    vetoes: tuple[tuple[str, Ref, str], ...]  # (veto code, ref, reason)
    requires: tuple[int, ...]
    requires_pairs: tuple[tuple[int, Ref], ...]
    required_mask: int  # bits of the required indicators
    veto_set: frozenset[str]
    # The gap list's fast path (``_gap_texts``): fixed text worked out once, and memos of the text that
    # depends on an organisation's numbers, each bounded by _GAP_MEMO_LIMIT entries.
    optional_mask: int  # bits of the indicators that are not required
    required_positions: tuple[int, ...]
    gap_vetoes: tuple[tuple[str, str], ...]  # (veto code, "甲星：一票否决：…")
    gap_points: dict[int | Decimal, str]  # total cents → "甲星：得分 …，距 … 分还差 … 分"
    gap_unfilled: dict[int, str]  # bits not filled (not required) → "甲星：未填报（按 0 分计）：…"
    # (position, type, value) of a required indicator not met → "甲星：必达指标未达标：…"
    gap_required: dict[tuple[int, type | None, object], str]
    root_texts: dict[int | Decimal, str]  # total cents → "甲星得分不足（…）" or "甲星必达指标未达标"


# Per set of eligible stars (a bit mask): for each star not awarded, in rulebook order, the star, its
# relation text ("甲星：须先获得：乙星", None when no required star is missing) and the root stars to name
# after it (None when the relation names no root).
_GapPlan = tuple[tuple[_CStar, str | None, tuple[int, ...] | None], ...]


@dataclass(slots=True)
class _Compiled:
    rulebook: Rulebook
    stars: tuple[_CStar, ...]
    order: tuple[int, ...]  # star indices, every star after the stars it requires
    veto_codes: frozenset[str]
    placeholder: bool
    positions: dict[str, tuple[int, int]]  # indicator code → (star index, position in the star)
    by_code: dict[str, Indicator]
    checks: tuple[tuple[int, int, int], ...]  # per star: (index, min cents, required mask)
    resolved: tuple[tuple[int, tuple[str, ...]], ...]  # eligible mask → (awarded mask, awarded codes)
    gap_plans: tuple[_GapPlan, ...]  # eligible mask → what the gap list says about the stars' relations


def _compile(rulebook: Rulebook) -> _Compiled:
    index = {star.code: n for n, star in enumerate(rulebook.stars)}
    stars = []
    for n, star in enumerate(rulebook.stars):
        required = set(star.award.required_indicators)
        cells = []
        for indicator in star.indicators:
            vtype, memo, score = _scorer(indicator)
            cells.append((indicator.code, vtype, memo, score, indicator.code in required))
        min_cents = _cents(star.award.min_points)
        stars.append(
            _CStar(
                index=n,
                code=star.code,
                name=star.name,
                min_cents=min_cents,
                min_points=_points(min_cents),
                min_points_text=_points_text(min_cents),
                cells=tuple(cells),
                indicators=star.indicators,
                codes=tuple(i.code for i in star.indicators),
                names=tuple(i.name for i in star.indicators),
                required_at=tuple(i.code in required for i in star.indicators),
                requirements=tuple(i.requirement_text() for i in star.indicators),
                vetoes=tuple((v.code, Ref(v.code, v.name), f"一票否决：{v.name}") for v in star.vetoes),
                requires=tuple(index[code] for code in star.requires_stars),
                requires_pairs=tuple(
                    (index[code], Ref(code, rulebook.stars[index[code]].name)) for code in star.requires_stars
                ),
                required_mask=sum(1 << p for p, i in enumerate(star.indicators) if i.code in required),
                veto_set=frozenset(v.code for v in star.vetoes),
                optional_mask=sum(1 << p for p, i in enumerate(star.indicators) if i.code not in required),
                required_positions=tuple(p for p, i in enumerate(star.indicators) if i.code in required),
                gap_vetoes=tuple((v.code, f"{star.name}：一票否决：{v.name}") for v in star.vetoes),
                gap_points={},
                gap_unfilled={},
                gap_required={},
                root_texts={},
            )
        )
    order = _dependency_order(rulebook.stars, index)
    resolved = _resolve_all(stars, order)
    return _Compiled(
        rulebook=rulebook,
        stars=tuple(stars),
        order=order,
        veto_codes=frozenset(v.code for star in rulebook.stars for v in star.vetoes),
        placeholder=rulebook.has_placeholders,
        positions={
            i.code: (n, p) for n, star in enumerate(rulebook.stars) for p, i in enumerate(star.indicators)
        },
        by_code={i.code: i for star in rulebook.stars for i in star.indicators},
        checks=tuple((s.index, s.min_cents, s.required_mask) for s in stars),
        resolved=resolved,
        gap_plans=tuple(
            _gap_plan(stars, eligible, resolved[eligible][0]) for eligible in range(len(resolved))
        ),
    )


def _resolve_all(stars: Sequence[_CStar], order: tuple[int, ...]) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """For every set of eligible stars (a bit mask), the stars awarded once ``requires_stars`` holds:
    a star is awarded when it is eligible and every star it requires is awarded (one pass in dependency
    order reaches the fixed point)."""
    table = []
    for eligible in range(1 << len(stars)):
        awarded = 0
        for n in order:
            if eligible >> n & 1 and all(awarded >> m & 1 for m in stars[n].requires):
                awarded |= 1 << n
        table.append((awarded, tuple(s.code for s in stars if awarded >> s.index & 1)))
    return tuple(table)


def _gap_plan(stars: Sequence[_CStar], eligible_mask: int, awarded_mask: int) -> _GapPlan:
    """What the gap list says about the relations between stars, for one set of eligible stars: the
    same relation text and roots as ``_explain``, worked out once per rulebook and set."""
    eligible = [bool(eligible_mask >> star.index & 1) for star in stars]
    awarded = [bool(awarded_mask >> star.index & 1) for star in stars]
    plan = []
    for star in stars:
        if awarded[star.index]:
            continue
        relation: str | None = None
        roots: tuple[int, ...] | None = None
        missing = [(m, ref) for m, ref in star.requires_pairs if not awarded[m]]
        if missing:
            relation = f"{star.name}：须先获得：{'、'.join(ref.name for _m, ref in missing)}"
            root_at = _root_stars(stars, star.index, eligible, awarded)
            if root_at != tuple(m for m, _ref in missing):
                roots = root_at
        plan.append((star, relation, roots))
    return tuple(plan)


def _dependency_order(stars: tuple[Star, ...], index: Mapping[str, int]) -> tuple[int, ...]:
    """Kahn's algorithm: star indices such that every star comes after all the stars it requires."""
    waiting = [len(star.requires_stars) for star in stars]
    dependants: list[list[int]] = [[] for _ in stars]
    for n, star in enumerate(stars):
        for code in star.requires_stars:
            dependants[index[code]].append(n)
    ready = [n for n, count in enumerate(waiting) if count == 0]
    order: list[int] = []
    while ready:
        n = ready.pop(0)
        order.append(n)
        for m in dependants[n]:
            waiting[m] -= 1
            if waiting[m] == 0:
                ready.append(m)
    if len(order) != len(stars):  # the schema forbids cycles; this guards hand-built objects
        raise ValueError("requires_stars 形成循环")
    return tuple(order)


# A few compiled rulebooks, keyed by identity; the entry keeps the rulebook alive so its id stays unique.
_CACHE: dict[int, _Compiled] = {}
_CACHE_SIZE = 16


_CACHE_LOCK = threading.Lock()


def _compiled(rulebook: Rulebook) -> _Compiled:
    with _CACHE_LOCK:
        compiled = _CACHE.get(id(rulebook))
        if compiled is not None and compiled.rulebook is rulebook:
            return compiled
        compiled = _compile(rulebook)
        if len(_CACHE) >= _CACHE_SIZE:
            del _CACHE[next(iter(_CACHE))]
        _CACHE[id(rulebook)] = compiled
        return compiled


# --------------------------------------------------------------------------- points in hundredths

_DECIMALS: dict[int, Decimal] = {}  # cents → Decimal points, remembered (int keys hash cheaply)
_TEXTS: dict[int, str] = {}  # cents → "72.5"
_REMEMBER = 100_000


def _points(cents: int | Decimal) -> Decimal:
    """Hundredths of a point → Decimal points with two decimals (ROUND_HALF_UP past the second)."""
    if type(cents) is int:
        points = _DECIMALS.get(cents)
        if points is None:
            points = Decimal(cents).scaleb(-2)
            if len(_DECIMALS) < _REMEMBER:
                _DECIMALS[cents] = points
        return points
    return (cents / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def _points_text(cents: int | Decimal) -> str:
    if type(cents) is int:
        text = _TEXTS.get(cents)
        if text is None:
            text = format_number(_points(cents))
            if len(_TEXTS) < _REMEMBER:
                _TEXTS[cents] = text
        return text
    return format_number(_points(cents))


# --------------------------------------------------------------------------- rating
#
# Rating is three steps, each usable on its own:
#   score a cell      value → (points in hundredths, met)                         ``score_cell``
#   add up a star     cells → StarTotals (cents, filled mask, met mask)           ``_accumulate``
#   decide            StarTotals + vetoes → stars awarded, level, points           ``_decide``
# ``rate_all`` runs all three on values. A database can store each cell's score when the value is
# written and add the cells up with one GROUP BY; ``rate_totals`` then runs only the last step, so a
# province is rated without sending every value to Python — with the same decision code.
# Explanations (reasons, gap lists) are built on first use of ``OrgResult.star_results``.

_EMPTY: tuple[()] = ()
_NO_VETOES: frozenset[str] = frozenset()
ZERO_POINTS = Decimal("0.00")

StarTotals = tuple[int, int, int]
"""One star of one organisation: (points in hundredths, bit mask of filled indicators, bit mask of met
indicators). Bit ``1 << position`` stands for the star's indicator at that position."""


@dataclass(frozen=True, slots=True)
class Cell:
    """One scored value: which star and position it belongs to, its points and whether it is met."""

    star: int  # index of the star in the rulebook
    position: int  # index of the indicator in its star
    cents: int  # points in hundredths (negative for penalties)
    met: bool
    required: bool  # a required indicator (必达指标) of its star

    @property
    def bit(self) -> int:
        return 1 << self.position


def indicator_of(rulebook: Rulebook, code: str) -> Indicator | None:
    """The rulebook's indicator with this code (a dict look-up), or None."""
    return _compiled(rulebook).by_code.get(code)


def score_cell(rulebook: Rulebook, code: str, value: object) -> Cell | None:
    """Score one value of one indicator; None when the rulebook has no such indicator.

    Raises ``ScoreError`` for a value of the wrong type. Points are whole hundredths (a scale value with
    more than two decimals, which ``validate_value`` refuses, is rounded half-up here).
    """
    compiled = _compiled(rulebook)
    where = compiled.positions.get(code)
    if where is None:
        return None
    n, position = where
    _code, vtype, memo, score, required = compiled.stars[n].cells[position]
    result = memo.get(value) if type(value) is vtype else None
    if result is None:
        result = score(value)
    cents, met = result
    if type(cents) is not int:
        cents = int(Decimal(cents).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return Cell(n, position, cents, met, required)


def _check_vetoes(compiled: _Compiled, org: Hashable, org_vetoes: Iterable[str]) -> Set[str]:
    if isinstance(org_vetoes, str):
        raise TypeError("vetoes 应为否决事项代码的集合（如 {'pafz.petition'}），不能是单个字符串")
    if not org_vetoes:
        return _NO_VETOES
    happened = org_vetoes if isinstance(org_vetoes, Set) else frozenset(org_vetoes)
    unknown = happened - compiled.veto_codes
    if unknown:
        raise ScoreError(f"不认识的否决事项代码：{'、'.join(sorted(map(str, unknown)))}", org=org)
    return happened


def _accumulate(compiled: _Compiled, org: Hashable, values: Mapping[str, object]) -> list[StarTotals]:
    """Score every value and add them up per star (the hot loop: keep it lean)."""
    get = values.get
    out: list[StarTotals] = []
    try:
        for star in compiled.stars:
            total: int | Decimal = 0
            filled = 0
            met = 0
            bit = 1
            for code, vtype, memo, score, _required in star.cells:
                value = get(code)
                if value is not None:
                    result = memo.get(value) if type(value) is vtype else None
                    if result is None:
                        result = score(value)
                    total += result[0]
                    filled |= bit
                    if result[1]:
                        met |= bit
                bit <<= 1
            if type(total) is not int:
                total = int(Decimal(total).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            out.append((total, filled, met))
    except ScoreError as exc:
        raise ScoreError(exc.detail, org=org, indicator=exc.indicator) from None
    return out


def _decide(
    compiled: _Compiled,
    org: Hashable,
    totals: Sequence[StarTotals],
    happened: Set[str],
    get: Callable[[str], object] | None,
    detail: bool,
) -> OrgResult:
    """Own eligibility of each star as a bit mask, vetoes cleared, then ``requires_stars``.

    The fixed point of ``requires_stars`` depends only on which stars are eligible, so it is worked out
    once per rulebook for every combination (``_Compiled.resolved``) and looked up here.
    """
    eligible = 0
    for n, min_cents, required_mask in compiled.checks:
        cents, _filled, met = totals[n]
        if cents >= min_cents and not (required_mask & ~met):
            eligible |= 1 << n
    if happened and eligible:
        for star in compiled.stars:
            if star.veto_set & happened:
                eligible &= ~(1 << star.index)
    awarded, codes = compiled.resolved[eligible]
    return OrgResult(org, compiled, len(codes), codes, totals, (happened, eligible, awarded, get, detail))


def _explain(
    compiled: _Compiled,
    totals: Sequence[StarTotals],
    happened: Set[str],
    eligible_mask: int,
    awarded_mask: int,
    get: Callable[[str], object] | None,
    detail: bool,
) -> dict[str, StarResult]:
    """Each star's result with the reasons for every star not awarded (差距清单)."""
    eligible = [bool(eligible_mask >> star.index & 1) for star in compiled.stars]
    awarded = [bool(awarded_mask >> star.index & 1) for star in compiled.stars]
    results: dict[str, StarResult] = {}
    for star in compiled.stars:
        n = star.index
        code = star.code
        total, filled, met = totals[n]
        points = _points(total)
        missing = [p for p in range(len(star.cells)) if not filled >> p & 1]
        unfilled = tuple(map(star.codes.__getitem__, missing)) if missing else _EMPTY
        rows = _indicator_rows(star, get) if detail and get is not None else _EMPTY
        if awarded[n]:
            results[code] = StarResult(
                code,
                star.name,
                True,
                True,
                points,
                star.min_points,
                ZERO_POINTS,
                _EMPTY,
                _EMPTY,
                _EMPTY,
                unfilled,
                _EMPTY,
                rows,
            )
            continue
        reasons: list[str] = []
        vetoed: tuple[Ref, ...] = _EMPTY
        if happened and star.veto_set & happened:
            vetoed = tuple(ref for veto_code, ref, _reason in star.vetoes if veto_code in happened)
            reasons.extend(reason for veto_code, _ref, reason in star.vetoes if veto_code in happened)
        gap = star.min_cents - total
        if gap > 0:
            gap_points = _points(gap)
            reasons.append(
                f"得分 {_points_text(total)} 分，距 {star.min_points_text} 分还差 {_points_text(gap)} 分"
            )
            names = [star.names[p] for p in missing if not star.required_at[p]]
            if names:
                reasons.append(f"未填报（按 0 分计）：{'、'.join(names)}")
        else:
            gap_points = ZERO_POINTS
        missing_indicators: tuple[MissingIndicator, ...] = _EMPTY
        unmet = star.required_mask & ~met
        if unmet:
            items = []
            for position in range(len(star.cells)):
                if unmet >> position & 1:
                    is_filled = bool(filled >> position & 1)
                    value = get(star.codes[position]) if (is_filled and get is not None) else None
                    item = _missing_indicator(star, position, value, is_filled)
                    items.append(item)
                    reasons.append(f"必达指标未达标：{item.text}")
            missing_indicators = tuple(items)
        missing_stars: tuple[Ref, ...] = _EMPTY
        roots: tuple[Ref, ...] = _EMPTY
        if star.requires:
            missing_stars = tuple(ref for m, ref in star.requires_pairs if not awarded[m])
            if missing_stars:
                # The relation between stars explains this star first: it is what a reader must act on
                # before the star's own points matter.
                relation = f"须先获得：{'、'.join(ref.name for ref in missing_stars)}"
                root_at = _root_stars(compiled.stars, n, eligible, awarded)
                if root_at != tuple(m for m, _ref in star.requires_pairs if not awarded[m]):
                    roots = tuple(Ref(compiled.stars[m].code, compiled.stars[m].name) for m in root_at)
                    relation += (
                        f"（根源：{'；'.join(_root_text(compiled, m, totals, happened) for m in root_at)}）"
                    )
                reasons.insert(0, relation)
        results[code] = StarResult(
            code,
            star.name,
            False,
            eligible[n],
            points,
            star.min_points,
            gap_points,
            vetoed,
            missing_indicators,
            missing_stars,
            unfilled,
            tuple(reasons),
            rows,
            roots,
        )
    return results


def _root_stars(
    stars: Sequence[_CStar], n: int, eligible: Sequence[bool], awarded: Sequence[bool]
) -> tuple[int, ...]:
    """The stars, in rulebook order, that failed on their own conditions and that star ``n`` misses
    through its chain of requires_stars (following only stars that are not awarded)."""
    seen: set[int] = set()
    roots: set[int] = set()
    stack = [m for m in stars[n].requires if not awarded[m]]
    while stack:
        m = stack.pop()
        if m in seen:
            continue
        seen.add(m)
        if not eligible[m]:
            roots.add(m)
        stack.extend(k for k in stars[m].requires if not awarded[k])
    return tuple(sorted(roots))


def _root_text(compiled: _Compiled, m: int, totals: Sequence[StarTotals], happened: Set[str]) -> str:
    """Why a root star failed, briefly: "支部过硬星被一票否决（被列为软弱涣散村党组织）",
    "支部过硬星得分不足（75 / 80 分）", "支部过硬星必达指标未达标"."""
    star = compiled.stars[m]
    if happened and star.veto_set & happened:
        names = "、".join(ref.name for code, ref, _reason in star.vetoes if code in happened)
        return f"{star.name}被一票否决（{names}）"
    total = totals[m][0]
    if star.min_cents > total:
        return f"{star.name}得分不足（{_points_text(total)} / {star.min_points_text} 分）"
    return f"{star.name}必达指标未达标"


def _missing_indicator(star: _CStar, position: int, value: object, filled: bool = True) -> MissingIndicator:
    indicator = star.indicators[position]
    requirement = star.requirements[position]
    if filled and value is None:  # filled but its value was not supplied (rate_totals without values)
        return MissingIndicator(indicator.code, indicator.name, requirement, None, f"{requirement}，未达标")
    current = indicator.value_text(value)
    # "当前 18 万元", but "当前为否" and "当前未填报"
    if indicator.form == "yes_no" and value is not None:
        text = f"{requirement}，当前为{current}"
    elif current[:1] == "未":
        text = f"{requirement}，当前{current}"
    else:
        text = f"{requirement}，当前 {current}"
    return MissingIndicator(indicator.code, indicator.name, requirement, value, text)  # type: ignore[arg-type]


_GAP_MEMO_LIMIT = 20_000  # texts remembered per star and memo


def _gap_texts(
    compiled: _Compiled,
    totals: Sequence[StarTotals],
    happened: Set[str],
    eligible_mask: int,
    get: Callable[[str], object] | None,
) -> tuple[str, ...]:
    """The gap list (差距清单) straight from the totals: exactly the strings of ``gap_list`` over
    ``_explain``'s reasons, without building any star result. Organisations share most of their gaps
    (the same relation between stars for the same set of eligible stars, the same score, the same
    unmet value), so each text is made once per rulebook and looked up after that
    (tests/test_gap_lists.py holds it to the reasons, string for string)."""
    out: list[str] = []
    for star, relation, roots in compiled.gap_plans[eligible_mask]:
        total, filled, met = totals[star.index]
        if relation is not None:
            if roots is not None:
                why = "；".join(_gap_root_text(compiled, m, totals, happened) for m in roots)
                relation = f"{relation}（根源：{why}）"
            out.append(relation)
        if happened and star.veto_set & happened:
            out.extend(text for code, text in star.gap_vetoes if code in happened)
        if total < star.min_cents:
            said = star.gap_points
            text = said.get(total)
            if text is None:
                short = _points_text(star.min_cents - total)
                text = (
                    f"{star.name}：得分 {_points_text(total)} 分，距 {star.min_points_text} 分还差 {short} 分"
                )
                if len(said) < _GAP_MEMO_LIMIT:
                    said[total] = text
            out.append(text)
            absent = star.optional_mask & ~filled
            if absent:
                unfilled = star.gap_unfilled
                text = unfilled.get(absent)
                if text is None:
                    names = "、".join(star.names[p] for p in range(len(star.names)) if absent >> p & 1)
                    text = f"{star.name}：未填报（按 0 分计）：{names}"
                    if len(unfilled) < _GAP_MEMO_LIMIT:
                        unfilled[absent] = text
                out.append(text)
        unmet = star.required_mask & ~met
        if unmet:
            memo = star.gap_required
            for position in star.required_positions:
                if unmet >> position & 1:
                    if filled >> position & 1:
                        value = get(star.codes[position]) if get is not None else None
                        key: tuple[int, type | None, object] = (position, type(value), value)
                    else:
                        value = None
                        key = (position, None, None)  # not entered, unlike entered without its value
                    try:
                        text = memo.get(key)
                    except TypeError:  # a value that cannot be hashed: say it, do not remember it
                        text = _gap_required(star, position, value, filled)
                    if text is None:
                        text = _gap_required(star, position, value, filled)
                        if len(memo) < _GAP_MEMO_LIMIT:
                            memo[key] = text
                    out.append(text)
    return tuple(out)


def _gap_required(star: _CStar, position: int, value: object, filled: int) -> str:
    """ "甲星：必达指标未达标：…" for one required indicator that is not met (its value, if entered)."""
    item = _missing_indicator(star, position, value, bool(filled >> position & 1))
    return f"{star.name}：必达指标未达标：{item.text}"


def _gap_root_text(compiled: _Compiled, m: int, totals: Sequence[StarTotals], happened: Set[str]) -> str:
    """``_root_text``, remembered per total when the root star was not vetoed."""
    star = compiled.stars[m]
    if happened and star.veto_set & happened:
        return _root_text(compiled, m, totals, happened)
    total = totals[m][0]
    memo = star.root_texts
    text = memo.get(total)
    if text is None:
        text = _root_text(compiled, m, totals, happened)
        if len(memo) < _GAP_MEMO_LIMIT:
            memo[total] = text
    return text


def _indicator_rows(star: _CStar, get: Callable[[str], object]) -> tuple[IndicatorResult, ...]:
    rows: list[IndicatorResult] = []
    for code, vtype, memo, score, _required in star.cells:
        name = star.names[len(rows)]
        value = get(code)
        if value is None:
            rows.append(IndicatorResult(code, name, None, False, ZERO_POINTS, False))
        else:
            result = memo.get(value) if type(value) is vtype else None
            cents, met = result if result is not None else score(value)
            rows.append(IndicatorResult(code, name, value, True, _points(cents), met))  # type: ignore[arg-type]
    return tuple(rows)


def _rate(
    compiled: _Compiled, org: Hashable, values: Mapping[str, object], org_vetoes: Iterable[str], detail: bool
) -> OrgResult:
    happened = _check_vetoes(compiled, org, org_vetoes)
    return _decide(compiled, org, _accumulate(compiled, org, values), happened, values.get, detail)


def rate_all(
    rulebook: Rulebook,
    scores: Mapping[OrgKey, Mapping[str, object]],
    vetoes: Mapping[OrgKey, Iterable[str]] | None = None,
    *,
    detail: bool = False,
) -> dict[OrgKey, OrgResult]:
    """Rate every organisation in ``scores`` (and any that only appear in ``vetoes``).

    ``detail=True`` also fills ``StarResult.indicators`` with each indicator's points.
    Raises ``ScoreError`` for a value of the wrong type or an unknown veto code.

    The cyclic garbage collector is paused while the results are built: they are many small objects
    with no cycles, and collecting them as they appear costs ~40 % of the time.
    """
    compiled = _compiled(rulebook)
    vetoes = vetoes or {}
    collecting = gc.isenabled()
    gc.disable()
    try:
        results = {
            org: _rate(compiled, org, values, vetoes.get(org, _NO_VETOES), detail)
            for org, values in scores.items()
        }
        for org, happened in vetoes.items():
            if org not in results:
                results[org] = _rate(compiled, org, {}, happened, detail)
    finally:
        if collecting:
            gc.enable()
    return results


def rate_totals(
    rulebook: Rulebook,
    totals: Mapping[OrgKey, Sequence[StarTotals] | Mapping[int, StarTotals]],
    vetoes: Mapping[OrgKey, Iterable[str]] | None = None,
    values: ValuesByOrg[OrgKey] | None = None,
) -> dict[OrgKey, OrgResult]:
    """Decide from per-star totals that were added up elsewhere (e.g. by the database).

    ``totals[org]`` is a list with one ``(cents, filled_mask, met_mask)`` per star in rulebook order, or a
    dict star index → totals where a missing star has nothing filled. ``values[org]`` may give the values
    of required indicators that are not met, so the reasons can say "当前 18 万元". Same decisions as
    ``rate_all`` on the values the totals came from (tests/test_engine.py proves it).
    """
    compiled = _compiled(rulebook)
    vetoes = vetoes or {}
    values = values or {}
    empty: StarTotals = (0, 0, 0)
    n_stars = len(compiled.stars)
    results: dict[OrgKey, OrgResult] = {}
    collecting = gc.isenabled()
    gc.disable()
    try:
        for org, per_star in totals.items():
            row = (
                [per_star.get(n, empty) for n in range(n_stars)]
                if isinstance(per_star, Mapping)
                else per_star
            )
            happened = _check_vetoes(compiled, org, vetoes[org]) if org in vetoes else _NO_VETOES
            org_values = values.get(org)
            results[org] = _decide(
                compiled, org, row, happened, org_values.get if org_values else None, False
            )
        for org, happened_codes in vetoes.items():
            if org not in results:
                happened = _check_vetoes(compiled, org, happened_codes)
                results[org] = _decide(compiled, org, [empty] * n_stars, happened, None, False)
    finally:
        if collecting:
            gc.enable()
    return results


def rate_one(
    rulebook: Rulebook,
    values: Mapping[str, object],
    vetoes: Iterable[str] = (),
    *,
    org: Hashable = None,
    detail: bool = False,
) -> OrgResult:
    """Rate one organisation: ``values`` maps indicator code → value, ``vetoes`` the veto codes that
    happened (raises ``ScoreError`` like ``rate_all``)."""
    return _rate(_compiled(rulebook), org, values, vetoes, detail)


# --------------------------------------------------------------------------- input

_YES = frozenset({"是", "有", "√", "✓", "✔", "1", "yes", "y", "true"})
_NO = frozenset({"否", "无", "没有", "×", "✗", "✘", "0", "no", "n", "false"})


def _range_text(low: Decimal | int, high: Decimal | int | None, unit: str) -> str:
    if high is None:
        return f"应为不小于 {format_number(low)} 的数（单位：{unit}）"
    return f"应为 {format_number(low)}–{format_number(high)} 之间的数（单位：{unit}）"


def _number_text(text: str, unit: str | None) -> str:
    text = text.replace(",", "").replace(" ", "")
    if unit and text.endswith(unit):
        text = text[: -len(unit)]
    return text


def validate_value(indicator: Indicator, raw: object, *, round_half_up: bool = False) -> Value | None:
    """Turn user input (a form field or an Excel cell, already NFKC-normalised) into the typed value.

    yes_no → bool; per_occurrence/bonus/penalty → int from 0 to the indicator's ``max_count``;
    threshold and scale → Decimal in range. A blank input (None or "") returns None, meaning "not
    entered". Anything else raises ValueError with a Chinese message, e.g. "应为 0–100 之间的数（单位：%）".

    Text is checked for form and size before it is converted (``wuxing.core.numbers``): exponent
    notation and more integer digits than a score can hold (``VALUE_INT_DIGITS``) are refused with
    their own messages, so no input makes this function build a giant number.

    With ``round_half_up`` (the Excel import: a spreadsheet shows 18.55 for 18.549999999999997, and offices
    paste computed values), a threshold or scale value with more decimals than stored is rounded half-up
    to the stored places (4; a scale, 2) instead of refused. Counts stay whole numbers either way.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    form = indicator.form

    if form == "yes_no":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, int | float | Decimal) and raw in (0, 1):  # Excel may give 1, 1.0 or 0
            return bool(raw)
        text = str(raw).strip().lower()
        if text in _YES:
            return True
        if text in _NO:
            return False
        raise ValueError("应填“是”或“否”（也可填 有/无、√/×、1/0）")

    if indicator.counts:
        most = indicator.effective_max_count
        try:
            return parse_whole(_number_input(raw, indicator.count_unit), max_value=most)
        except NumberError as exc:
            if exc.kind == "exponent":
                raise
            if exc.kind == "too_big":  # name the limit itself, not its number of digits
                raise ValueError(f"数字过大：最多 {with_unit(most, indicator.count_unit)}") from None
            raise ValueError(f"应为 0–{most} 之间的整数（单位：{indicator.count_unit}）") from None

    if form == "threshold":
        low, high = indicator.input_bounds
        unit = indicator.unit or ""
        places = VALUE_PLACES
    else:  # scale
        low, high, unit = ZERO, indicator.max_points, "分"
        places = 2
    try:
        number_input = _number_input(raw, unit)
        number = parse_decimal(number_input, int_digits=VALUE_INT_DIGITS, places=places)
    except NumberError as exc:
        if exc.kind in ("exponent", "too_big"):
            raise
        if exc.kind == "places" and round_half_up:
            # the size is known to be bounded (not too big), so reading every decimal is cheap
            exact = parse_decimal(number_input, int_digits=VALUE_INT_DIGITS, places=_ROUNDING_PLACES)
            number = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        elif exc.kind == "places":
            raise ValueError("评分最多保留两位小数" if form == "scale" else str(exc)) from None
        else:
            raise ValueError(_range_text(low, high, unit)) from None
    if number < low or (high is not None and number > high):
        raise ValueError(_range_text(low, high, unit))
    return number


_ROUNDING_PLACES = 4000  # more decimals than an Excel cell (2,000 characters) can hold


def _number_input(raw: object, unit: str | None) -> str | int | float | Decimal:
    """A cell's number as it came, or typed text without its unit ("18万元" → "18")."""
    if isinstance(raw, bool):
        raise NumberError("form", "请填写数字")
    if isinstance(raw, int | float | Decimal):
        return raw
    return _number_text(str(raw).strip(), unit)
