"""Read side of the star ratings: a set-based loader that feeds the pure engine.

One query packs every organisation's values into one string per organisation (GROUP BY org), one
query reads the veto events, one reads the organisations; the engine then rates them in memory. The
number of queries does not depend on the number of organisations.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Aggregate, CharField, F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat, Substr

from wuxing.core.scoping import scope, visible_orgs
from wuxing.orgs.models import AreaKind, Level, OrgUnit
from wuxing.rules import engine
from wuxing.rules.models import RulebookVersion, Score, VetoEvent
from wuxing.rules.schema import Rulebook

SEP_ITEM = ";"
SEP_KV = "="


class PackValues(Aggregate):
    """GROUP_CONCAT on SQLite, string_agg on PostgreSQL: packs "code=value;code=value" per group."""

    function = "GROUP_CONCAT"
    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, function="GROUP_CONCAT", template="%(function)s(%(expressions)s, ';')"
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, function="STRING_AGG", template="%(function)s(%(expressions)s, ';')"
        )


def _converters(book: Rulebook) -> dict[str, Callable[[str], Any]]:
    """Stored text → the typed value the engine expects, per indicator code."""
    result: dict[str, Callable[[str], Any]] = {}
    for _star, ind in book.iter_indicators():
        if ind.form == "yes_no":
            result[ind.code] = lambda s: Decimal(s) != 0
        elif ind.counts:
            result[ind.code] = lambda s: int(Decimal(s))
        else:
            result[ind.code] = Decimal
    return result


def load_values(org_ids_qs: QuerySet[Any], year: int, book: Rulebook) -> dict[int, dict[str, Any]]:
    """{org_id: {indicator_code: typed value}} for the given organisations, in one query."""
    convert = _converters(book)
    packed = (
        Score.objects.filter(year=year, org_id__in=org_ids_qs)
        .values("org_id")
        .annotate(
            packed=PackValues(
                Concat(
                    F("indicator_code"), Value(SEP_KV), Cast("value", CharField()), output_field=CharField()
                )
            )
        )
        .values_list("org_id", "packed")
        .order_by()
    )
    values: dict[int, dict[str, Any]] = {}
    for org_id, text in packed:
        row: dict[str, Any] = {}
        for item in text.split(SEP_ITEM):
            code, _sep, raw = item.partition(SEP_KV)
            fn = convert.get(code)
            if fn is not None:  # values of indicators this version does not have are ignored
                row[code] = fn(raw)
        values[org_id] = row
    return values


def load_vetoes(org_ids_qs: QuerySet[Any], year: int, book: Rulebook) -> dict[int, set[str]]:
    known = {v.code for s in book.stars for v in s.vetoes}
    result: dict[int, set[str]] = {}
    for org_id, code in VetoEvent.objects.filter(
        year=year, org_id__in=org_ids_qs, revoked_at__isnull=True, veto_code__in=known
    ).values_list("org_id", "veto_code"):
        result.setdefault(org_id, set()).add(code)
    return result


@dataclass
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
        }


def active_versions(year: int) -> dict[str, RulebookVersion]:
    return {rb.kind: rb for rb in RulebookVersion.objects.filter(year=year, is_active=True)}


def _org_rows(qs: QuerySet[OrgUnit]) -> Iterable[tuple[Any, ...]]:
    street = OrgUnit.objects.filter(path=Substr(OuterRef("path"), 1, 2 * OrgUnit.steplen))
    return qs.annotate(
        street_name=Subquery(street.values("name")[:1]), street_code=Subquery(street.values("code")[:1])
    ).values_list("pk", "code", "name", "street_name", "street_code", "area_kind", "is_demo", "path")


def rate(
    user: Any,
    year: int,
    *,
    street: OrgUnit | None = None,
    kind: str | None = None,
    org_ids: Iterable[int] | None = None,
    detail: bool = False,
) -> list[RatingRow]:
    """Rate every organisation the user can see (optionally one street / kind / set of ids).

    Organisations of a kind whose year has no active rulebook are left out (the page says so).
    """
    versions = active_versions(year)
    branches = visible_orgs(user).filter(level=Level.BRANCH)
    if street is not None:
        branches = branches.filter(path__startswith=street.path)
    if org_ids is not None:
        branches = branches.filter(pk__in=list(org_ids))
    rows: list[RatingRow] = []
    labels = dict(AreaKind.choices)
    for area_kind, rb in sorted(versions.items()):
        if kind and area_kind != kind:
            continue
        book = rb.rulebook
        subset = branches.filter(area_kind=area_kind).order_by()
        ids_qs = subset.values("pk")
        values = load_values(ids_qs, year, book)
        vetoes = load_vetoes(ids_qs, year, book)
        info = list(_org_rows(subset))
        scores: dict[Hashable, dict[str, Any]] = {pk: values.get(pk, {}) for pk, *_ in info}
        results = engine.rate_all(book, scores, vetoes, detail=detail)
        for pk, code, name, street_name, street_code, akind, is_demo, _path in info:
            rows.append(
                RatingRow(
                    pk,
                    code,
                    name,
                    street_name or "",
                    street_code or "",
                    akind,
                    str(labels[akind]),
                    is_demo,
                    rb,
                    results[pk],
                )
            )
    rows.sort(key=lambda r: (r.street_code, r.org_code))
    return rows


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
        .select_related("entered_by", "rulebook")
        .prefetch_related("evidence")
    )


__all__ = ["rate", "scope"]
