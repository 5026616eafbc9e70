"""Kept ratings: each organisation's decided rating per year in `models.Rating`, so that a page of the
ratings list, its star distribution and its level filter cost a page's worth of work, not a province's
(docs/decisions.md §24).

Writers call `invalidate` inside their transaction (values, veto events, rescoring). Readers call
`refresh` for their scope first: rows that are missing, stale or rated under another version than the
one the year follows (the active one, or for a named year the one it was named on) are decided again — set-based, the same GROUP BY and engine as `queries.rate` — and written
back only where `generation` still holds the value read before deciding, so a write that commits while
a reader decides is never hidden behind an older result. For a kind whose year is named the rows hold
the official record (rules/official.py, §46), not the engine's decision. `listing` then counts, filters, orders and
pages in SQL and explains only the page's organisations with `queries.rate`.

When the rows cannot be written back (SQLite busy beyond its timeout), `refresh` answers False and the
callers rate the scope in memory as before: slower, never wrong.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q, QuerySet, Subquery

from wuxing.core.request_cache import per_request
from wuxing.core.scoping import org_filter, visible_orgs
from wuxing.core.workdays import today
from wuxing.orgs.models import Level, OrgUnit
from wuxing.rules import engine, official
from wuxing.rules.models import Evidence, Rating, RatingCheck, RegistryStamp, RulebookVersion, Score
from wuxing.rules.queries import RatingRow, explain, load_totals, load_vetoes, rate, year_versions

log = logging.getLogger(__name__)

WRITE_BATCH = 1000

ORDERS: dict[str, tuple[str, ...]] = {
    "street": ("street_code", "org_code"),
    "level": ("-level", "street_code", "org_code"),
    "-level": ("level", "street_code", "org_code"),
    "name": ("org__name", "org_code"),
    "total": ("-total_cents", "street_code", "org_code"),
}


def _stars_mask(book: Any, stars: tuple[str, ...]) -> int:
    index = {s.code: i for i, s in enumerate(book.stars)}
    mask = 0
    for code in stars:
        mask |= 1 << index[code]
    return mask


def refresh(branches: QuerySet[OrgUnit], year: int, *, whole: bool = False) -> bool:
    """Decide the missing and stale kept ratings of these branches for the year. False when they could
    not be stored (the caller then rates in memory).

    `whole`: the branches are every branch (a whole-district user without a street filter). Then, while
    no organisation has changed since the last full check (the registry stamp, counted up by a trigger)
    and the active versions are the same, only the rows marked stale are looked at (a partial index)."""
    named = official.named_versions(year)
    versions = year_versions(year)
    try:
        if whole:
            stamp = RegistryStamp.objects.filter(pk=1).values_list("n", flat=True).first()
            key = ",".join(str(rb.pk) for _k, rb in sorted(versions.items()))
            check = (
                RatingCheck.objects.filter(year=year, stamp=stamp, versions=key).first()
                if stamp is not None
                else None
            )
            if check is not None and Rating.objects.filter(year=year).count() == check.rows:
                stale = Rating.objects.filter(year=year, fresh=False).values("org_id")
                if not stale.exists():
                    return True
                branches = branches.filter(pk__in=stale)
            elif stamp is not None:
                for kind, rb in sorted(versions.items()):
                    _refresh_kind(rb, branches.filter(area_kind=kind).order_by(), year, kind in named)
                rows = Rating.objects.filter(year=year).count()
                RatingCheck.objects.update_or_create(
                    year=year, defaults={"stamp": stamp, "versions": key, "rows": rows}
                )
                return True
        for kind, rb in sorted(versions.items()):
            _refresh_kind(rb, branches.filter(area_kind=kind).order_by(), year, kind in named)
    except DatabaseError:
        log.warning("kept ratings for %s could not be stored; rating in memory", year, exc_info=True)
        return False
    return True


@per_request
def refresh_scope(user: Any, year: int, *, street: OrgUnit | None = None) -> bool:
    """`refresh` for what the user sees (of one street): every kind, the whole-district fast path when
    it applies. Once per page: a first page's star table and its goals panel both ask (§85)."""
    whole = street is None and org_filter(user) is None
    return refresh(scope_branches(user, street=street), year, whole=whole)


def _refresh_kind(rb: RulebookVersion, subset: QuerySet[OrgUnit], year: int, named: bool = False) -> None:
    # One pass over the organisations, each joined to its kept row of the year: missing, marked stale,
    # rated under another version, or rated when the organisation had another code or place.
    # The kept row's columns are annotations, so that the negations stay plain comparisons on the one
    # join (a negated lookup through the relation becomes a NOT EXISTS subquery per organisation).
    checked = (
        subset.annotate(kr=FilteredRelation("kept_ratings", condition=Q(kept_ratings__year=year)))
        .annotate(kr_rulebook=F("kr__rulebook_id"), kr_code=F("kr__org_code"), kr_path=F("kr__org_path"))
        .filter(
            Q(kr__id__isnull=True)
            | Q(kr__fresh=False)
            | ~Q(kr_rulebook=rb.pk)
            | ~Q(kr_code=F("code"))
            | ~Q(kr_path=F("path"))
        )
    )
    found = list(checked.values_list("pk", "kr__generation", "path", "code"))
    if not found:
        return
    missing = [pk for pk, generation, _path, _code in found if generation is None]
    if missing:
        with transaction.atomic():
            Rating.objects.bulk_create(
                [Rating(org_id=pk, year=year) for pk in missing], ignore_conflicts=True, batch_size=2000
            )
    generations = {pk: generation or 0 for pk, generation, _path, _code in found}
    # a few organisations by id; many (a first read, a rescore) by the same check as a subquery
    ids: Any = [pk for pk, *_rest in found] if len(found) <= 2000 else checked.values("pk")
    decided = _named(rb, year, ids, generations) if named else _rated(rb, year, ids, generations)
    entry = entry_counts(rb, ids)
    step = 2 * OrgUnit.steplen
    street_codes = dict(OrgUnit.objects.streets().order_by().values_list("path", "code"))
    rows = [
        (
            pk,
            generations[pk],
            *decided.get(pk, (0, 0, 0, None)),
            *entry.get(pk, (0, 0)),
            path,
            code,
            street_codes.get(path[:step], ""),
        )
        for pk, _generation, path, code in found
    ]
    with transaction.atomic():
        _write_back(rows, year)


def evidence_codes(rb: RulebookVersion) -> list[str]:
    """Indicators whose rulebook item names the evidence expected ("会议记录、照片")."""
    return [ind.code for star in rb.rulebook.stars for ind in star.indicators if ind.evidence.strip()]


def entry_counts(rb: RulebookVersion, ids: Any) -> dict[int, tuple[int, int]]:
    """Per organisation: values scored under rb, and those of them that expect evidence and have none
    (one GROUP BY)."""
    no_file = ~Exists(Evidence.objects.filter(score=OuterRef("pk")))
    lacking = Q(indicator_code__in=evidence_codes(rb)) & no_file
    counts = (
        Score.objects.filter(scored_with=rb, org_id__in=ids)
        .values_list("org_id")
        .annotate(n=Count("pk"), lacking=Count("pk", filter=lacking))
        .order_by()
    )
    return {org_id: (n, missing) for org_id, n, missing in counts}


def _rated(rb: RulebookVersion, year: int, ids: Any, wanted_ids: Any) -> dict[int, tuple[Any, ...]]:
    """(level, stars mask, total cents, version) of each organisation, decided by the engine."""
    book = rb.rulebook
    totals = load_totals(rb, ids)
    vetoes = load_vetoes(ids, year, book)
    nothing = [(0, 0, 0)] * len(book.stars)
    wanted = {pk: totals.get(pk, nothing) for pk in wanted_ids}
    results = engine.rate_totals(book, wanted, {pk: v for pk, v in vetoes.items() if pk in wanted})
    return {
        pk: (r.level, _stars_mask(book, r.stars), sum(t[0] for t in wanted[pk]), rb.pk)
        for pk, r in results.items()
    }


def _named(rb: RulebookVersion, year: int, ids: Any, wanted_ids: Any) -> dict[int, tuple[Any, ...]]:
    """The same from the year's official record (a named kind, §46). An organisation registered after
    naming has none: its row is kept without a version, so that no list of the year shows it."""
    book = rb.rulebook
    out = {}
    for pk, named in official.named_results(year, rb.kind, ids).items():
        if pk in wanted_ids:
            result = official.NamedOrgResult(pk, book, named)
            out[pk] = (result.level, _stars_mask(book, result.stars), result.total_cents, rb.pk)
    return out


def _write_back(rows: list[tuple[Any, ...]], year: int) -> None:
    """(org, generation read, level, stars, total cents, rulebook, filled, lacking, path, code, street
    code) → the row, only where the generation is still the one read (one UPDATE … FROM (VALUES …) per
    WRITE_BATCH rows)."""
    quote = connection.ops.quote_name
    table = quote(Rating._meta.db_table)
    true = "TRUE" if connection.vendor == "postgresql" else "1"
    text = "varchar" if connection.vendor == "postgresql" else "text"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), WRITE_BATCH):
            chunk = rows[start : start + WRITE_BATCH]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
            params: list[Any] = [x for row in chunk for x in row]
            cursor.execute(
                f"WITH v (o, g, l, s, t, r, f, m, p, c, sc) AS (VALUES {values}) "
                f"UPDATE {table} SET level = CAST(v.l AS smallint), stars = CAST(v.s AS smallint), "
                f"total_cents = CAST(v.t AS bigint), rulebook_id = CAST(v.r AS bigint), fresh = {true}, "
                f"filled = CAST(v.f AS integer), lacking = CAST(v.m AS integer), "
                f"org_path = CAST(v.p AS {text}), org_code = CAST(v.c AS {text}), "
                f"street_code = CAST(v.sc AS {text}) "
                f"FROM v WHERE {table}.org_id = CAST(v.o AS bigint) AND {table}.year = %s "
                f"AND {table}.generation = CAST(v.g AS bigint)",
                [*params, year],
            )


@dataclass
class Listing:
    """One page of a scope's ratings and the scope's numbers."""

    rows: list[RatingRow]  # the page, in the order asked for
    count: int  # organisations that match every filter
    distribution: dict[int, int]  # level → organisations of the scope (street/kind, not level/q)


def scope_branches(user: Any, *, street: OrgUnit | None = None, kind: str | None = None) -> QuerySet[OrgUnit]:
    branches = visible_orgs(user).filter(level=Level.BRANCH)
    if street is not None:
        branches = branches.filter(path__startswith=street.path)
    if kind:
        branches = branches.filter(area_kind=kind)
    return branches.order_by()


def kept_ratings(
    user: Any, year: int, *, street: OrgUnit | None = None, kind: str | None = None
) -> QuerySet[Rating]:
    """The user's kept rows of the year under its active versions (call `refresh` first). Filtered on
    the row's own columns where it can be (whole district, a street's path), so that counting, ordering
    and paging run on the table's indexes."""
    active = [rb.pk for k, rb in year_versions(year).items() if not kind or k == kind]
    qs = Rating.objects.filter(year=year, rulebook_id__in=active)
    if org_filter(user) is not None:
        qs = qs.filter(_own_columns(user))
    if street is not None:
        qs = qs.filter(org_path__startswith=street.path)
    return qs


@per_request
def level_counts(user: Any, year: int, *, street: OrgUnit | None = None) -> list[tuple[str, int, int]]:
    """(street code, level, organisations) of the user's kept rows of the year (call `refresh_scope`
    first): one GROUP BY, once per page (the first page's star table and its goals panel both count)."""
    grouped = kept_ratings(user, year, street=street).values_list("street_code", "level")
    return list(grouped.annotate(n=Count("pk")).order_by())


def _own_columns(user: Any) -> Q:
    """The user's scope on the kept row's own columns where there is one (a street's path, a secretary's
    organisation), so that the planner reads the (year, path) index instead of joining the registry; a
    unit's organisations through the registry. Kept rows carry the path they were rated under and are
    rewritten when it changes (`_refresh_kind`), so after a refresh the path is the organisation's."""
    if user.role == "street_staff" and user.scope_org_id and not user.is_superuser:
        return Q(org_path__startswith=user.scope_org.path)
    if user.role == "secretary" and user.scope_org_id and not user.is_superuser:
        return Q(org_id=user.scope_org_id)
    return Q(org__in=visible_orgs(user).filter(level=Level.BRANCH).values("pk"))


def distribution(kept: QuerySet[Rating]) -> dict[int, int]:
    counts = dict.fromkeys(range(6), 0)
    for level, n in kept.order_by().values_list("level").annotate(n=Count("pk")):
        counts[level] = n
    return counts


def filtered(kept: QuerySet[Rating], level: int | None = None, q: str = "") -> QuerySet[Rating]:
    if level is not None:
        kept = kept.filter(level=level)
    if q:
        kept = kept.filter(Q(org__name__contains=q) | Q(org_code__contains=q))
    return kept


def page_rows(
    user: Any, year: int, kept: QuerySet[Rating], sort: str, offset: int, limit: int
) -> list[RatingRow]:
    """The page's organisations, rated with their explanations (≤ limit organisations decided)."""
    ids = list(
        kept.order_by(*ORDERS.get(sort, ORDERS["street"])).values_list("org_id", flat=True)[
            offset : offset + limit
        ]
    )
    if not ids:
        return []
    by_id = {r.org_id: r for r in rate(user, year, org_ids=ids)}
    return [by_id[pk] for pk in ids if pk in by_id]


def listing(
    user: Any,
    year: int,
    *,
    street: OrgUnit | None = None,
    kind: str | None = None,
    level: int | None = None,
    q: str = "",
    sort: str = "street",
    offset: int = 0,
    limit: int = 50,
) -> Listing | None:
    """A page of ratings from the kept table, or None when it could not be brought up to date."""
    if not refresh_scope(user, year, street=street):
        return None
    kept = kept_ratings(user, year, street=street, kind=kind)
    chosen = filtered(kept, level, q)
    return Listing(
        rows=page_rows(user, year, chosen, sort, offset, limit),
        count=chosen.count(),
        distribution=distribution(kept),
    )


def iter_rows(
    user: Any,
    year: int,
    *,
    street: OrgUnit | None = None,
    kind: str | None = None,
    level: int | None = None,
    q: str = "",
    sort: str = "street",
    batch: int = 2000,
) -> Iterator[RatingRow]:
    """Every matching organisation's rating with its explanations, in the order asked for, decided
    `batch` organisations at a time: exports and the `rate` command hold one batch in memory, not the
    province (§25). Without a writable kept table: the scope rated in memory, then filtered and sorted."""
    if not refresh_scope(user, year, street=street):
        rows = rate(user, year, street=street, kind=kind)
        if level is not None:
            rows = [r for r in rows if r.level == level]
        if q:
            rows = [r for r in rows if q in r.org_name or q in r.org_code]
        rows.sort(key=PYTHON_ORDERS[sort if sort in PYTHON_ORDERS else "street"])
        explain(rows)
        yield from rows
        return
    chosen = filtered(kept_ratings(user, year, street=street, kind=kind), level, q)
    ids = list(chosen.order_by(*ORDERS.get(sort, ORDERS["street"])).values_list("org_id", flat=True))
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        batch_rows = rate(user, year, org_ids=chunk)
        explain(batch_rows)
        by_id = {r.org_id: r for r in batch_rows}
        yield from (by_id[pk] for pk in chunk if pk in by_id)
        del by_id, batch_rows


PYTHON_ORDERS: dict[str, Callable[[RatingRow], Any]] = {
    "level": lambda r: (-r.level, r.street_code, r.org_code),
    "-level": lambda r: (r.level, r.street_code, r.org_code),
    "name": lambda r: (r.org_name, r.org_code),
    "street": lambda r: (r.street_code, r.org_code),
    "total": lambda r: (-sum(r.result.points.values()), r.street_code, r.org_code),
}


def export_versions(
    user: Any, year: int, *, street: OrgUnit | None = None, kind: str | None = None
) -> dict[str, RulebookVersion]:
    """The year's active versions of the kinds that have organisations in the scope (a sheet each)."""
    present = set(
        scope_branches(user, street=street, kind=kind).values_list("area_kind", flat=True).distinct()
    )
    return {k: rb for k, rb in year_versions(year).items() if k in present}


@per_request
def rating_years() -> list[int]:
    """Years with an active rulebook, the current rating year first: the latest year that has values
    (a year just cloned for next season stays selectable but is not the default while it is empty)."""
    years = sorted(
        set(RulebookVersion.objects.filter(is_active=True).values_list("year", flat=True)), reverse=True
    )
    if not years:
        return [today().year]
    latest = Score.objects.filter(year__in=years).order_by("-year").values_list("year", flat=True).first()
    if latest is not None and latest != years[0]:
        years.remove(latest)
        years.insert(0, latest)
    return years


def with_level(qs: QuerySet[OrgUnit], year: int) -> QuerySet[OrgUnit]:
    """Annotate organisations with `star_level`, their kept level in the year (None: no active rulebook
    for their kind). One correlated subquery: no query per row. Call `refresh` for them first."""
    versions = [rb.pk for rb in year_versions(year).values()]
    level = Rating.objects.filter(org=OuterRef("pk"), year=year, rulebook__in=versions).values("level")[:1]
    return qs.annotate(star_level=Subquery(level))


def levels_by_year(org: OrgUnit, years: list[int]) -> list[tuple[int, int | None]]:
    """An organisation's level in each year (None: not rated that year), newest first."""
    one = OrgUnit.objects.filter(pk=org.pk)
    out = []
    for year in sorted(years, reverse=True):
        refresh(one, year)
        annotated: Any = with_level(one, year).first()
        out.append((year, annotated.star_level if annotated is not None else None))
    return out


def street_summary(user: Any, street: OrgUnit, years: list[int]) -> list[dict[str, Any]]:
    """Per year, newest first: how many of the street's visible organisations have each level and the
    三星及以上 share (from the kept ratings, one GROUP BY per year)."""
    branches = scope_branches(user, street=street)
    out = []
    for year in sorted(years, reverse=True):
        refresh(branches, year)
        dist = distribution(kept_ratings(user, year, street=street))
        total = sum(dist.values())
        three = sum(n for level, n in dist.items() if level >= 3)
        out.append(
            {
                "year": year,
                "distribution": sorted(dist.items(), reverse=True),
                "total": total,
                "three_plus": three,
                "three_plus_pct": round(100 * three / total, 1) if total else 0,
            }
        )
    return out
