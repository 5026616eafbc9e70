"""Read side of the star ratings: set-based loaders that feed the pure engine.

Rating many organisations (``rate``): every value was scored by the engine when it was written
(``Score.cents``/``bit``/``met_bit``, see services.apply_cell), so one GROUP BY (organisation, star) adds
the cells up in the database and the engine only decides (``engine.rate_totals``). Further queries read
the veto events, the organisations and the streets, and — only when a reason is first shown — the few
required values that are not met (for "当前 …"): the number of queries does not depend on the number of
organisations, and no value travels to Python one by one.

One organisation's card (``org_values``) reads its values and rates them with ``engine.rate_one``; the
property test in tests/test_engine.py proves both paths decide alike.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import BigIntegerField, Prefetch, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Substr
from django.db.models.sql.constants import MULTI

from wuxing.core.request_cache import per_request
from wuxing.core.scoping import org_filter, visible_orgs
from wuxing.orgs.models import AreaKind, Level, OrgUnit
from wuxing.rules import engine, official
from wuxing.rules.models import Evidence, RulebookVersion, Score, VetoEvent
from wuxing.rules.schema import Rulebook
from wuxing.rules.services import from_stored


def typed_value(book: Rulebook, code: str, stored: Decimal) -> Any:
    """A stored value as the engine's typed value, or None when it does not fit this version's indicator."""
    indicator = engine.indicator_of(book, code)
    if indicator is None:
        return None
    try:
        return engine.validate_value(indicator, from_stored(indicator, stored))
    except ValueError:
        return None


def load_values(org_ids_qs: QuerySet[Any], year: int, book: Rulebook) -> dict[int, dict[str, Any]]:
    """{org_id: {indicator_code: typed value}} for a few organisations (cards, exports), one query.

    Values of indicators this version does not have, or that no longer fit them, are left out — exactly
    as services.rescore leaves them unscored.
    """
    values: dict[int, dict[str, Any]] = {}
    for org_id, code, stored in Score.objects.filter(year=year, org_id__in=org_ids_qs).values_list(
        "org_id", "indicator_code", "value"
    ):
        typed = typed_value(book, code, stored)
        if typed is not None:
            values.setdefault(org_id, {})[code] = typed
    return values


def load_vetoes(org_ids_qs: QuerySet[Any] | None, year: int, book: Rulebook) -> dict[int, set[str]]:
    known = {v.code for s in book.stars for v in s.vetoes}
    qs = VetoEvent.objects.filter(year=year, revoked_at__isnull=True, veto_code__in=known)
    if org_ids_qs is not None:
        qs = qs.filter(org_id__in=org_ids_qs)
    result: dict[int, set[str]] = {}
    for org_id, code in qs.values_list("org_id", "veto_code"):
        result.setdefault(org_id, set()).add(code)
    return result


def load_totals(rb: RulebookVersion, org_ids_qs: QuerySet[Any] | None) -> dict[int, list[engine.StarTotals]]:
    """Per organisation and star: (SUM(cents), SUM(bit), SUM(met_bit)) — bits are distinct within a star,
    so their sum is their union. One GROUP BY, answered from the covering index score_rating_cover;
    the rows are plain integers, read without the ORM's per-row converters."""
    scored = Score.objects.filter(scored_with=rb)
    if org_ids_qs is not None:
        scored = scored.filter(org_id__in=org_ids_qs)
    query = (
        scored.values("org_id", "star_index")
        # PostgreSQL's SUM(bigint) is numeric: cast back so every row is plain integers
        .annotate(
            c=Cast(Sum("cents"), BigIntegerField()),
            b=Cast(Sum("bit"), BigIntegerField()),
            m=Cast(Sum("met_bit"), BigIntegerField()),
        )
        .values_list("org_id", "star_index", "c", "b", "m")
        .order_by()
    )
    sql, params = query.query.sql_with_params()
    empty = [(0, 0, 0)] * len(rb.rulebook.stars)
    totals: dict[int, list[engine.StarTotals]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(10_000):
            for org_id, star, cents, bits, met in chunk:
                per_org = totals.get(org_id)
                if per_org is None:
                    per_org = totals[org_id] = empty.copy()
                per_org[star] = (cents, bits, met)
    return totals


class UnmetValues:
    """The values of required indicators that are not met, {org: {code: value}}, read in one query the
    first time any reason text needs one ("当前 18 万元"). Ratings that are only counted never run it.

    The rows are read as the database gives them, and each distinct (indicator, stored value) is
    converted once — through the ORM's own converters, then to the engine's typed value — so a
    province's tens of thousands of rows cost a dictionary look-up each."""

    def __init__(self, rb: RulebookVersion, org_ids_qs: QuerySet[Any] | None):
        self._rb = rb
        self._ids = org_ids_qs
        self._data: dict[int, dict[str, Any]] | None = None

    def _load(self) -> dict[int, dict[str, Any]]:
        if self._data is None:
            qs = Score.objects.filter(scored_with=self._rb, required=True, met_bit=0)
            if self._ids is not None:
                qs = qs.filter(org_id__in=self._ids)
            compiler = qs.values_list("org_id", "indicator_code", "value").query.get_compiler(using=qs.db)
            chunks = compiler.execute_sql(MULTI, chunk_size=10_000)
            converters = compiler.get_converters([col for col, _sql, _alias in compiler.select])
            book = self._rb.rulebook
            data: dict[int, dict[str, Any]] = {}
            typed: dict[tuple[str, type, Any], Any] = {}  # few distinct values: convert each once
            for chunk in chunks:
                for org_id, code, raw in chunk:
                    key = (code, type(raw), raw)  # 18 and 18.0 stay apart, as the converters see them
                    value = typed.get(key, typed)
                    if value is typed:
                        [(_org, _code, stored)] = compiler.apply_converters([(org_id, code, raw)], converters)
                        value = typed[key] = typed_value(book, code, stored)
                    per_org = data.get(org_id)
                    if per_org is None:
                        per_org = data[org_id] = {}
                    per_org[code] = value
            self._data = data
        return self._data

    def get(self, org: int, default: Any = None) -> _OrgUnmet:
        return _OrgUnmet(self, org)


_NOTHING: dict[str, Any] = {}


class _OrgUnmet:
    __slots__ = ("_org", "_parent")

    def __init__(self, parent: UnmetValues, org: int):
        self._parent = parent
        self._org = org

    def __bool__(self) -> bool:
        return True

    def get(self, code: str, default: Any = None) -> Any:
        data = self._parent._data
        if data is None:
            data = self._parent._load()
        return data.get(self._org, _NOTHING).get(code, default)


@dataclass(slots=True)
class RatingRow:
    org_id: int
    org_code: str
    org_name: str
    street: str
    street_code: str
    kind: str
    kind_label: str
    is_demo: bool
    rulebook: RulebookVersion
    result: engine.OrgResult

    @property
    def level(self) -> int:
        return self.result.level

    @property
    def gaps(self) -> list[str]:
        return engine.gap_list(self.result)

    @property
    def source(self) -> str:
        """ "named" (the year's official record) or "live" (the engine on today's values)."""
        return official.source_of(self.result)

    @property
    def source_label(self) -> str:
        return official.SOURCE_LABELS[self.source]

    def as_json(self) -> dict[str, Any]:
        return {
            "org_id": self.org_id,
            "org_code": self.org_code,
            "org_name": self.org_name,
            "street": self.street,
            "street_code": self.street_code,
            "kind": self.kind,
            "year": self.result.year,
            "rulebook_version": self.rulebook.version,
            "placeholder_rules": self.result.placeholder,
            "level": self.result.level,
            "stars": list(self.result.stars),
            "points": {code: str(p) for code, p in self.result.points.items()},
            "gaps": self.gaps,
            "source": self.source,
        }


@per_request
def active_versions(year: int) -> dict[str, RulebookVersion]:
    return {rb.kind: rb for rb in RulebookVersion.objects.filter(year=year, is_active=True)}


def year_versions(year: int) -> dict[str, RulebookVersion]:
    """The version each kind's result of the year follows: the one the year was named on for a named
    kind (its official record), the active one for a kind still under review (§46)."""
    return {**active_versions(year), **official.named_versions(year)}


def rate(
    user: Any,
    year: int,
    *,
    street: OrgUnit | None = None,
    kind: str | None = None,
    org_ids: Iterable[int] | None = None,
    live: bool = False,
) -> list[RatingRow]:
    """The year's result of every organisation the user can see (optionally one street / kind / set of
    ids): the official record for a kind whose year is named, the engine's rating otherwise (§46).
    `live=True` rates with the engine whatever the year (naming itself, comparisons).

    Organisations of a kind whose year has no active rulebook are left out (the page says so).
    """
    branches = visible_orgs(user).filter(level=Level.BRANCH)
    narrowed = org_filter(user) is not None
    if street is not None:
        branches = branches.filter(path__startswith=street.path)
        narrowed = True
    if org_ids is not None:
        wanted = list(org_ids)
        if not wanted:
            return []  # nothing asked for (the set-based loader would build an empty IN ())
        branches = branches.filter(pk__in=_ids(wanted))
        narrowed = True
    street_qs = OrgUnit.objects.streets()
    if narrowed:  # a street's or one organisation's: only its streets' names, not the province's
        branches = branches.order_by()
        step = 2 * OrgUnit.steplen
        street_qs = street_qs.filter(path__in=branches.annotate(p=Substr("path", 1, step)).values("p"))
    streets = {path: (name, code) for path, name, code in street_qs.values_list("path", "name", "code")}
    rows: list[RatingRow] = []
    collecting = gc.isenabled()
    gc.disable()  # tens of thousands of small acyclic objects: collecting while building them is waste
    named = {} if live else official.named_versions(year)
    try:
        for area_kind, rb in sorted({**active_versions(year), **named}.items()):
            if kind is None or area_kind == kind:
                subset = branches.filter(area_kind=area_kind).order_by()
                if area_kind in named:
                    rows.extend(_named_kind(rb, year, subset, narrowed, streets))
                else:
                    rows.extend(_rate_kind(rb, subset, narrowed, streets))
    finally:
        if collecting:
            gc.enable()
    rows.sort(key=lambda r: (r.street_code, r.org_code))
    return rows


def _ids(ids: list[int]) -> Any:
    """An id list for `pk__in`: on PostgreSQL one array parameter (`IN (SELECT unnest(%s))`) instead of one
    placeholder per id — the narrowed queries repeat the list in every subquery, and thousands of
    placeholders (the goals' candidates: 7,000 at province size) cost more to convert and parse than the
    rows cost to read."""
    if connection.vendor == "postgresql" and len(ids) > 100:
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return ids


def _rate_kind(
    rb: RulebookVersion, subset: QuerySet[OrgUnit], narrowed: bool, streets: dict[str, tuple[str, str]]
) -> list[RatingRow]:
    book = rb.rulebook
    ids_qs = subset.values("pk") if narrowed else None  # the whole district needs no IN (…)
    totals = load_totals(rb, ids_qs)
    vetoes = load_vetoes(ids_qs, rb.year, book)
    sql, params = subset.values_list("pk", "code", "name", "is_demo", "path").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        info = cursor.fetchall()
    nothing = [(0, 0, 0)] * len(book.stars)
    wanted: dict[int, list[engine.StarTotals]] = {pk: totals.get(pk, nothing) for pk, *_ in info}
    wanted_vetoes = {pk: v for pk, v in vetoes.items() if pk in wanted}
    results = engine.rate_totals(book, wanted, wanted_vetoes, UnmetValues(rb, ids_qs))
    label = str(dict(AreaKind.choices)[rb.kind])
    step = 2 * OrgUnit.steplen
    out = []
    for pk, code, name, is_demo, path in info:
        street_name, street_code = streets.get(path[:step], ("", ""))
        out.append(
            RatingRow(
                pk, code, name, street_name, street_code, rb.kind, label, bool(is_demo), rb, results[pk]
            )
        )
    return out


def _named_kind(
    rb: RulebookVersion,
    year: int,
    subset: QuerySet[OrgUnit],
    narrowed: bool,
    streets: dict[str, tuple[str, str]],
) -> list[RatingRow]:
    """The named results of a kind, as rating rows. Organisations registered after naming have no
    official result for the year and are left out, like organisations without a rulebook."""
    book = rb.rulebook
    results = official.named_results(year, rb.kind, subset.values("pk") if narrowed else None)
    label = str(dict(AreaKind.choices)[rb.kind])
    step = 2 * OrgUnit.steplen
    out = []
    for pk, code, name, is_demo, path in subset.values_list("pk", "code", "name", "is_demo", "path"):
        named = results.get(pk)
        if named is None:
            continue
        street_name, street_code = streets.get(path[:step], ("", ""))
        result = official.NamedOrgResult(pk, book, named)
        out.append(
            RatingRow(pk, code, name, street_name, street_code, rb.kind, label, bool(is_demo), rb, result)  # type: ignore[arg-type]
        )
    return out


def explain(rows: Iterable[RatingRow]) -> None:
    """Build the gap lists of many rows at once (what the exports and the `rate` command show), with the
    cyclic garbage collector paused: they are many small acyclic objects, and collecting while they
    appear costs about half the time (docs/decisions.md §25). The gap lists come straight from the
    totals, their texts shared between organisations (§42); the star results (cards, the API's detail)
    are still built on first use."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        for row in rows:
            row.result.gaps  # noqa: B018  (built and kept on first use)
    finally:
        if collecting:
            gc.enable()


def distribution(rows: Iterable[RatingRow]) -> dict[int, int]:
    counts = dict.fromkeys(range(6), 0)
    for row in rows:
        counts[row.level] += 1
    return counts


def org_values(org: OrgUnit, year: int, book: Rulebook) -> dict[str, Any]:
    return load_values(OrgUnit.objects.filter(pk=org.pk).values("pk"), year, book).get(org.pk, {})


def scores_with_evidence(org: OrgUnit, year: int) -> QuerySet[Score]:
    return (
        Score.objects.filter(org=org, year=year)
        .select_related("entered_by", "rulebook", "org")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.select_related("uploaded_by")))
    )
