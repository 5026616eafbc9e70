"""What the competition's pages, API and command read: set-based, a fixed number of queries whatever the
number of organisations or months (no query per row).

Authority (§62): rankings are computed over every ranked organisation of the district (a rank means
nothing otherwise) and then narrowed to what the user sees (`wuxing.core.scoping`): a street gets its own
organisations' rows in detail with their district and street places, and its own street's place among the
streets — never another street's organisations.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple, overload

import numpy as np
from django.db.models import Count, Q

from wuxing.competition import engine
from wuxing.competition.models import (
    CaseState,
    Checklist,
    CompetitionParameters,
    MonthlyScore,
    ObservationEvent,
    ObservationScore,
    PolicyCase,
    ReserveCandidate,
    WeakBranch,
)
from wuxing.competition.parameters import DEFAULT_CHECKLIST, DEFAULTS
from wuxing.core.scoping import org_filter, scope, visible_orgs
from wuxing.orgs.models import Level, OrgUnit

QUARTER_MONTHS = {1: (1, 2, 3), 2: (4, 5, 6), 3: (7, 8, 9), 4: (10, 11, 12)}


def parameters_for(year: int) -> tuple[CompetitionParameters, bool]:
    """The year's saved parameters, or the documented defaults (unsaved) and False."""
    row = CompetitionParameters.objects.filter(year=year).first()
    if row is not None:
        return row, True
    return CompetitionParameters(year=year, **DEFAULTS), False


def checklist_for(year: int) -> Checklist:
    """The latest version of the year's checklist, or the default one (unsaved, version 0)."""
    row = Checklist.objects.filter(year=year).order_by("-version").first()
    return row or Checklist(year=year, version=0, items=DEFAULT_CHECKLIST, official=False)


# --------------------------------------------------------------------------- organisations and streets


class OrgInfo(NamedTuple):
    pk: int
    code: str
    name: str
    street_code: str
    street_name: str
    is_demo: bool
    si: int = 0  # the street's index in code order (rankings count per street in lists)


def _streets() -> dict[str, tuple[str, str]]:
    return {p: (c, n) for p, c, n in OrgUnit.objects.streets().order_by().values_list("path", "code", "name")}


def org_infos(ids: Iterable[int] | None = None) -> dict[int, OrgInfo]:
    """Code, name and street of branches (all, or the given ids) — two queries."""
    streets = _streets()
    index = {code: i for i, (code, _n) in enumerate(sorted(streets.values()))}
    step = 2 * OrgUnit.steplen
    qs = OrgUnit.objects.filter(level=Level.BRANCH).order_by()
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    out = {}
    make = tuple.__new__
    for pk, code, name, path, demo in qs.values_list("pk", "code", "name", "path", "is_demo").iterator(5000):
        s_code, s_name = streets.get(path[:step], ("", ""))
        out[pk] = make(OrgInfo, (pk, code, name, s_code, s_name, bool(demo), index.get(s_code, len(index))))
    return out


def visible_ids(user: Any) -> set[int] | None:
    """The branches the user sees, or None for the whole district."""
    if org_filter(user) is None:
        return None
    return set(visible_orgs(user).filter(level=Level.BRANCH).values_list("pk", flat=True))


# --------------------------------------------------------------------------- levels of the previous year


def previous_levels(user: Any, year: int) -> tuple[dict[int, int], dict[int, str]]:
    """Each visible branch's level of ``year - 1`` and its source: the named record (or the live rating
    before any naming) through ``rules.queries.rate`` (§46), and for organisations the platform did not
    rate that year the imported official level of that year (funds' 往年星级, §56)."""
    from wuxing.funds.models import HistoricLevel
    from wuxing.rules.queries import rate

    levels: dict[int, int] = {}
    sources: dict[int, str] = {}
    hist = scope(HistoricLevel.objects.filter(year=year - 1), user, "org").values_list(
        "org_id", "level", "source"
    )
    for org_id, level, source in hist.order_by():
        levels[org_id] = level
        sources[org_id] = "往年演示" if source == "demo" else "往年导入"
    for row in rate(user, year - 1):
        levels[row.org_id] = row.level
        sources[row.org_id] = row.source_label
    return levels, sources


def eligible(user: Any, year: int) -> list[tuple[OrgInfo, int, str]]:
    """The visible branches taking part in the year's monthly evaluation: at or above the parameter's
    level in the previous year, minus those whose downgrade the district confirmed this year."""
    params, _saved = parameters_for(year)
    levels, sources = previous_levels(user, year)
    downgraded = dict(
        PolicyCase.objects.filter(year=year, state=CaseState.CONFIRMED).values_list(
            "org_id", "proposed_level"
        )
    )
    wanted = {}
    for org_id, level in levels.items():
        level = min(level, downgraded.get(org_id, level) or 0) if org_id in downgraded else level
        if level >= params.min_level:
            wanted[org_id] = level
    infos = org_infos(wanted)
    rows = [(infos[pk], lvl, sources[pk]) for pk, lvl in wanted.items() if pk in infos]
    rows.sort(key=lambda r: (r[0].street_code, r[0].code))
    return rows


# --------------------------------------------------------------------------- rankings


class RankRow(NamedTuple):
    """One organisation's place in one period (a tuple: a province's months build 600,000 of them)."""

    org: OrgInfo
    cents: int  # the score in hundredths of a point
    rank: int  # district-wide dense rank
    of: int  # ranked organisations in the district
    street_rank: int
    sizes: list[int]  # street index (OrgInfo.si) → ranked organisations (shared by the period's rows)
    monthly: Decimal | None = None  # quarterly: the parts
    observed: Decimal | None = None

    @property
    def score(self) -> Decimal:
        return Decimal(self.cents).scaleb(-2)

    @property
    def street_of(self) -> int:
        return self.sizes[self.org.si]


@dataclass(slots=True)
class StreetPlace:
    code: str
    name: str
    mean: Decimal
    rank: int
    of: int
    orgs: int


SPAN = 1 << 24  # more positions than organisations: a sort key is (TOP − score) × SPAN + code position
TOP = 1 << 30  # above any score in hundredths (keys stay below 2**54: exact in 64-bit integers)


@dataclass
class Directory:
    """The organisations in code order: a ranking sorts plain integers (score, then code position)."""

    infos: dict[int, OrgInfo]
    position: dict[int, int]  # org id → place in code order
    at: list[OrgInfo]  # place in code order → organisation
    names: dict[int, tuple[str, str]]  # street index → (code, name)
    street_of: np.ndarray  # place in code order → street index
    place_of: np.ndarray  # org id → place in code order, −1 for ids that are not ranked organisations

    @classmethod
    def of(cls, infos: dict[int, OrgInfo]) -> Directory:
        at = sorted(infos.values(), key=lambda i: i.code)
        street_of = np.fromiter((i.si for i in at), dtype=np.int64, count=len(at))
        place_of = np.full(max(infos, default=0) + 1, -1, dtype=np.int64)
        place_of[np.fromiter((i.pk for i in at), dtype=np.int64, count=len(at))] = np.arange(len(at))
        return cls(
            infos, {info.pk: n for n, info in enumerate(at)}, at, street_names(infos), street_of, place_of
        )

    def places(self, org_ids: np.ndarray) -> np.ndarray:
        """Org ids → places in code order (−1 for ids outside the directory)."""
        inside = (org_ids >= 0) & (org_ids < len(self.place_of))
        out = np.full(len(org_ids), -1, dtype=np.int64)
        out[inside] = self.place_of[org_ids[inside]]
        return out

    def visible(self, seen: set[int] | None) -> np.ndarray | None:
        """A mask over places in code order of the organisations the user sees (None: all of them)."""
        if seen is None:
            return None
        mask = np.zeros(len(self.at), dtype=bool)
        wanted = self.places(np.fromiter(seen, dtype=np.int64, count=len(seen)))
        mask[wanted[wanted >= 0]] = True
        return mask


class RankRows(Sequence[RankRow]):
    """A period's visible rows, best first, as arrays; a ``RankRow`` is built only when it is read (a page
    of the list reads a page, an export reads them all: a province's month is 50,000 rows)."""

    __slots__ = ("_at", "_cents", "_n", "_parts", "_places", "_ranks", "_sizes", "_street_ranks")

    def __init__(
        self, at: list[OrgInfo], places: np.ndarray, cents: np.ndarray, ranks: np.ndarray,
        street_ranks: np.ndarray, n: int, sizes: list[int],
        parts: dict[int, tuple[Decimal | None, Decimal | None]] | None = None,
    ) -> None:  # fmt: skip
        self._at, self._places, self._cents = at, places, cents
        self._ranks, self._street_ranks, self._n, self._sizes, self._parts = (
            ranks,
            street_ranks,
            n,
            sizes,
            parts,
        )

    @classmethod
    def empty(cls) -> RankRows:
        none = np.zeros(0, dtype=np.int64)
        return cls([], none, none, none, none, 0, [])

    def __len__(self) -> int:
        return len(self._places)

    def _rows(self, start: int, stop: int) -> list[RankRow]:
        at, n, sizes, parts = self._at, self._n, self._sizes, self._parts
        make = tuple.__new__  # a RankRow without NamedTuple's Python-level __new__
        out = []
        for place, cents, rank, street_rank in zip(
            self._places[start:stop].tolist(), self._cents[start:stop].tolist(),
            self._ranks[start:stop].tolist(), self._street_ranks[start:stop].tolist(), strict=True,
        ):  # fmt: skip
            info = at[place]
            m, o = (None, None) if parts is None else parts.get(info.pk, (None, None))
            out.append(make(RankRow, (info, cents, rank, n, street_rank, sizes, m, o)))
        return out

    @overload
    def __getitem__(self, index: int) -> RankRow: ...
    @overload
    def __getitem__(self, index: slice) -> list[RankRow]: ...
    def __getitem__(self, index: int | slice) -> RankRow | list[RankRow]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            rows = self._rows(start, stop) if step > 0 else self._rows(stop + 1, start + 1)
            return rows[::step] if step > 0 else rows[::-1][::-step]
        i = operator.index(index)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(index)
        return self._rows(i, i + 1)[0]

    def __iter__(self) -> Iterator[RankRow]:
        for start in range(0, len(self), 10_000):
            yield from self._rows(start, start + 10_000)

    def where(self, keep: Callable[[OrgInfo], bool]) -> RankRows:
        """The rows of the organisations ``keep`` accepts (a street, a name searched), same places."""
        at = self._at
        mask = np.fromiter((keep(at[p]) for p in self._places.tolist()), dtype=bool, count=len(self))
        return RankRows(
            at, self._places[mask], self._cents[mask], self._ranks[mask], self._street_ranks[mask],
            self._n, self._sizes, self._parts,
        )  # fmt: skip


@dataclass
class Ranking:
    """One period's ranking as the user may see it."""

    year: int
    period: int  # month 1–12 or quarter 1–4
    basis: str  # "month" or "quarter"
    rows: RankRows = field(default_factory=lambda: RankRows.empty())  # visible rows, best first
    streets: list[StreetPlace] = field(default_factory=list)  # visible streets' places
    ranked: int = 0  # organisations ranked district-wide

    @property
    def label(self) -> str:
        return (
            f"{self.year}年{self.period}月" if self.basis == "month" else f"{self.year}年第{self.period}季度"
        )


def street_names(infos: dict[int, OrgInfo]) -> dict[int, tuple[str, str]]:
    """Street index → (code, name) of the streets the organisations are in."""
    names: dict[int, tuple[str, str]] = {}
    for info in infos.values():
        if info.si not in names:
            names[info.si] = (info.street_code, info.street_name)
    return names


def _rank_period(
    year: int, period: int, basis: str, org_ids: np.ndarray, cents: np.ndarray, d: Directory,
    visible: np.ndarray | None, seen_streets: set[int] | None,
    parts: dict[int, tuple[Decimal | None, Decimal | None]] | None = None,
) -> Ranking:  # fmt: skip
    """Dense ranks district-wide and per street (engine.dense_rank's rule, §58: higher score first, ties
    share a rank, the next score the next rank, within a rank code order), computed on arrays: one sort of
    integer keys (score in hundredths, then the organisation's place in code order) and running counts. The
    rows the user sees are kept as arrays and built when read (`RankRows`)."""
    places = d.places(org_ids)
    known = places >= 0
    key = (TOP - cents[known]) * SPAN + places[known]
    key.sort()
    n = len(key)
    out = Ranking(year, period, basis, ranked=n)
    if n == 0:
        return out
    score = key // SPAN  # TOP − cents: ascending = best first
    place = key - score * SPAN
    new_score = np.empty(n, dtype=bool)
    new_score[0] = True
    np.not_equal(score[1:], score[:-1], out=new_score[1:])
    rank = np.cumsum(new_score)
    si = d.street_of[place]
    by_street = np.argsort(si, kind="stable")  # per street, still best first and in code order
    s_si, s_score = si[by_street], score[by_street]
    first = np.empty(n, dtype=bool)  # the street's first row
    first[0] = True
    np.not_equal(s_si[1:], s_si[:-1], out=first[1:])
    counted = np.cumsum(first | np.concatenate(([True], s_score[1:] != s_score[:-1])))
    starts = np.flatnonzero(first)
    start_of = np.repeat(starts, np.diff(np.append(starts, n)))
    street_rank = np.empty(n, dtype=np.int64)
    street_rank[by_street] = counted - counted[start_of] + 1
    width = max(max(d.names, default=0), int(si.max())) + 1
    sizes = np.bincount(si, minlength=width).tolist()
    sums = np.add.reduceat(TOP - s_score, starts).tolist()  # hundredths, exact in 64-bit integers
    shown = np.arange(n) if visible is None else np.flatnonzero(visible[place])
    out.rows = RankRows(
        d.at, place[shown], TOP - score[shown], rank[shown], street_rank[shown], n, sizes, parts
    )
    names = d.names
    means = [
        (street, names[street][0], engine.q(Decimal(total) / sizes[street] / 100))
        for street, total in zip(s_si[starts].tolist(), sums, strict=True)
    ]
    for r in engine.dense_rank(means):
        if seen_streets is None or r.key in seen_streets:
            code, name = names[r.key]
            out.streets.append(StreetPlace(code, name, Decimal(r.score), r.rank, len(means), sizes[r.key]))
    return out


def _score_arrays(year: int, months: Iterable[int] | None = None) -> np.ndarray:
    """The year's monthly scores as an array of (org id, month, total in hundredths) — one query, read
    without per-value conversion."""
    from django.db import connection

    table = MonthlyScore._meta.db_table
    sql = f"SELECT org_id, month, CAST(ROUND(total * 100) AS INTEGER) FROM {table} WHERE year = %s"
    params: list[Any] = [year]
    if months is not None:
        wanted = [int(m) for m in months]
        sql += f" AND month IN ({', '.join(['%s'] * len(wanted))})" if wanted else " AND 1 = 0"
        params += wanted
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 3)


def monthly_totals(year: int, months: Iterable[int] | None = None) -> dict[int, dict[int, int]]:
    """month → org id → total in hundredths of a point, for the whole district."""
    out: dict[int, dict[int, int]] = defaultdict(dict)
    for org_id, month, cents in _score_arrays(year, months).tolist():
        out[month][org_id] = cents
    return out


def _seen(user: Any, d: Directory) -> tuple[np.ndarray | None, set[int] | None]:
    seen = visible_ids(user)
    if seen is None:
        return None, None
    return d.visible(seen), {d.infos[pk].si for pk in seen if pk in d.infos}


def monthly_rankings(
    user: Any, year: int, months: Iterable[int] | None = None, *, infos: dict[int, OrgInfo] | None = None,
    only: Iterable[int] | None = None,
) -> list[Ranking]:  # fmt: skip
    """The monthly rankings of the year (or of some months), each narrowed to the user's scope, and with
    ``only`` to those organisations' rows (ranked among all, like every row)."""
    scores = _score_arrays(year, months)
    if infos is None:
        infos = org_infos()
    d = Directory.of(infos)
    visible, seen_streets = _seen(user, d)
    if only is not None:
        wanted = d.visible(set(only))
        visible = wanted if visible is None else visible & wanted
    by_month = scores[np.argsort(scores[:, 1], kind="stable")]
    month_list, starts = np.unique(by_month[:, 1], return_index=True)
    ends = np.append(starts[1:], len(by_month))[: len(starts)]
    return [
        _rank_period(year, m, "month", by_month[a:b, 0], by_month[a:b, 2], d, visible, seen_streets)
        for m, a, b in zip(month_list.tolist(), starts.tolist(), ends.tolist(), strict=True)
    ]


def street_places(user: Any, year: int) -> tuple[list[int], dict[str, str], dict[str, dict[int, int]]]:
    """Each street's place among the streets, month by month (by the mean total of its ranked
    organisations, dense ranks as everywhere, §58): one GROUP BY whatever the number of organisations.
    Returns the months, street code → name, and street code → month → place, for the streets the user
    sees (all of them for the district)."""
    from django.db import connection

    step = 2 * OrgUnit.steplen
    sql = (
        "SELECT m.month, SUBSTR(o.path, 1, %s), SUM(CAST(ROUND(m.total * 100) AS INTEGER)), COUNT(*)"
        f" FROM {MonthlyScore._meta.db_table} m JOIN {OrgUnit._meta.db_table} o ON o.id = m.org_id"
        " WHERE m.year = %s GROUP BY m.month, SUBSTR(o.path, 1, %s)"
    )
    streets = _streets()
    per_month: dict[int, list[tuple[str, str, Decimal]]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(sql, [step, year, step])
        for month, path, total, count in cursor.fetchall():
            code = streets.get(path, ("", ""))[0]
            per_month[month].append((code, code, engine.q(Decimal(total) / count / 100)))
    seen = None
    if org_filter(user) is not None:
        seen = set(visible_orgs(user).filter(level=Level.STREET).values_list("code", flat=True))
        if getattr(user, "role", "") == "secretary" or not seen:
            seen = set()
    places: dict[str, dict[int, int]] = defaultdict(dict)
    for month, means in per_month.items():
        for r in engine.dense_rank(means):
            if seen is None or r.key in seen:
                places[r.key][month] = r.rank
    names = {code: name for code, name in streets.values()}
    return sorted(per_month), names, dict(places)


def scored_months(year: int) -> list[int]:
    return sorted(
        MonthlyScore.objects.filter(year=year).order_by().values_list("month", flat=True).distinct()
    )


def observation_means(
    events: Iterable[ObservationEvent], drop_from: int
) -> dict[int, dict[int, tuple[Decimal | None, int, int]]]:
    """event id → org id → (robust mean, scores counted, scores given) — one query for all the events."""
    ids = [e.pk for e in events]
    per: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    for event_id, org_id, score in (
        ObservationScore.objects.filter(event_id__in=ids)
        .order_by()
        .values_list("event_id", "org_id", "score")
    ):
        per[(event_id, org_id)].append(score)
    out: dict[int, dict[int, tuple[Decimal | None, int, int]]] = defaultdict(dict)
    for (event_id, org_id), scores in per.items():
        value, counted = engine.robust_mean(scores, drop_from)
        out[event_id][org_id] = (value, counted, len(scores))
    return out


def quarter_ranking(
    user: Any, year: int, quarter: int, *, infos: dict[int, OrgInfo] | None = None
) -> Ranking:
    """The quarter's ranking: per organisation the mean of its monthly totals of the quarter and the mean
    of its robust observation scores at the quarter's events, combined with the year's weights."""
    params, _saved = parameters_for(year)
    months = QUARTER_MONTHS[quarter]
    totals = monthly_totals(year, months)
    monthly: dict[int, list[Decimal]] = defaultdict(list)
    for m in months:
        for org_id, cents in totals.get(m, {}).items():
            monthly[org_id].append(Decimal(cents).scaleb(-2))
    events = list(ObservationEvent.objects.filter(held_on__year=year, held_on__month__in=months).order_by())
    observed: dict[int, list[Decimal]] = defaultdict(list)
    for per_org in observation_means(events, params.drop_extremes_from).values():
        for org_id, (value, _c, _n) in per_org.items():
            if value is not None:
                observed[org_id].append(value)
    parts: dict[int, tuple[Decimal | None, Decimal | None]] = {}
    scores: dict[int, int] = {}
    for org_id in set(monthly) | set(observed):
        m_mean = engine.mean(monthly.get(org_id, []))
        o_mean = engine.mean(observed.get(org_id, []))
        combined = engine.combine(m_mean, o_mean, params.monthly_weight, params.observation_weight)
        if combined is not None:
            parts[org_id] = (m_mean, o_mean)
            scores[org_id] = int(combined * 100)  # quantized to 0.01: exact
    if infos is None:
        infos = org_infos(scores)
    d = Directory.of(infos)
    visible, seen_streets = _seen(user, d)
    ids = np.fromiter(scores, dtype=np.int64, count=len(scores))
    hundredths = np.fromiter(scores.values(), dtype=np.int64, count=len(scores))
    return _rank_period(year, quarter, "quarter", ids, hundredths, d, visible, seen_streets, parts)


def visible_events(user: Any) -> Any:
    """Events the user sees: organised by the district or a street it sees, or visiting an organisation it
    sees (the scores shown are narrowed to the visible organisations)."""
    qs = ObservationEvent.objects.select_related("organiser")
    condition = org_filter(user)
    if condition is None:
        return qs
    seen = visible_orgs(user)
    visiting = ObservationEvent.objects.filter(stops__org__in=seen).values("pk")
    return qs.filter(Q(pk__in=visiting) | Q(organiser__in=seen))


# --------------------------------------------------------------------------- cases, reserve, weak branches


def visible_cases(user: Any, year: int | None = None) -> Any:
    qs = scope(PolicyCase.objects.select_related("org", "decided_by"), user, "org")
    return qs.filter(year=year) if year else qs


def open_warnings(user: Any, year: int) -> list[PolicyCase]:
    return list(visible_cases(user, year).exclude(state=CaseState.REJECTED).order_by("org__code", "kind"))


def visible_reserve(user: Any, year: int) -> Any:
    return scope(ReserveCandidate.objects.select_related("org"), user, "org").filter(year=year)


def visible_weak(user: Any, year: int) -> Any:
    return scope(WeakBranch.objects.select_related("org"), user, "org").filter(year=year)


def weak_counts(user: Any, year: int) -> dict[str, int]:
    return dict(visible_weak(user, year).values_list("state").annotate(n=Count("pk")).order_by())
