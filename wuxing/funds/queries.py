"""Read side of funds: scoped, set-based — a fixed number of queries whatever the number of organisations.

Where a year's stars come from (docs/decisions.md §54), per organisation kind and year:
- a year with a review cycle of that kind: `wuxing.reviews.queries.year_results` — the named record of a
  named year, the live rating otherwise (star removals already applied);
- a year without one, for which earlier years' levels were imported: the imported rows (HistoricLevel);
- otherwise the live rating (year_results again);
- a year under review (a cycle of that kind not named yet): the estimate 预估（未命名）, the official level
  of the year before carried forward (§76) — shown, never approved.
Every line says which source it read.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from wuxing.core.scoping import scope, visible_orgs
from wuxing.funds import engine
from wuxing.funds.models import ClaimState, CreationClaim, FundParameters, HistoricLevel, PayoutLedger
from wuxing.funds.parameters import DEFAULTS, as_params
from wuxing.orgs.models import Level, OrgUnit, Post, PostRole


@contextmanager
def _bulk() -> Iterator[None]:
    """Hundreds of thousands of small objects are made and none refers back to another: the cyclic garbage
    collector would only rescan them again and again (a third of the time at province size), so it pauses
    meanwhile; reference counting still frees everything (docs/decisions.md §78)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def parameters_for(year: int) -> tuple[FundParameters, bool]:
    """The year's parameters and whether the district saved them (False: the documented defaults)."""
    row = FundParameters.objects.filter(year=year).first()
    if row is not None:
        return row, True
    return FundParameters(year=year, **DEFAULTS), False


@dataclass
class Entitlements:
    year: int
    params: FundParameters
    saved: bool
    outcome: engine.Outcome
    sources: dict[int, dict[str, int]] = field(default_factory=dict)  # year → source → organisations
    reviewing: set[tuple[int, str]] = field(default_factory=set)  # (year, kind) of the run under review

    @property
    def lines(self) -> list[engine.Line]:
        return self.outcome.lines

    @property
    def total(self) -> Decimal:
        """The sum of the lines (kept as sums by the engine, also when the lines are not explained)."""
        return self.outcome.total

    def street_totals(self) -> list[tuple[str, str, Decimal]]:
        return self.outcome.street_totals()

    @property
    def provisional(self) -> bool:
        """A year of the run is under review (its stars an estimate, or none yet): never approvable (§76)."""
        return bool(self.reviewing) or any(engine.ESTIMATE in per for per in self.sources.values())

    def source_text(self) -> list[str]:
        return [
            f"{y}年："
            + "，".join(f"{engine.SOURCE_LABELS.get(s, s)} {n} 个组织" for s, n in sorted(c.items()))
            for y, c in sorted(self.sources.items())
        ]


def _streets() -> dict[str, tuple[str, str]]:
    return {p: (n, c) for p, n, c in OrgUnit.objects.streets().values_list("path", "name", "code")}


def street_by_code(user: Any, code: str) -> OrgUnit | None:
    return visible_orgs(user).filter(level=Level.STREET, code__iexact=code).first() if code else None


@dataclass
class Rows:
    """What the entitlements read from the registry and the imported levels, for one or more years: the
    budget reads them once for the year and the year before, each year then keeps the rows it needs
    (the same rows each year would have read on its own)."""

    branches: Any  # the organisations' queryset (scoped; the claims and live ratings are read per year)
    orgs: list[engine.Org]
    # year → (org id, record, imported secretary's name, on leadership)
    hist: dict[int, list[tuple[int, engine.Record, str, bool]]]
    # (org id, person id, start, end, the Secretary for a secretary's post, the Member), ordered
    posts: list[tuple[int, int, dt.date, dt.date | None, engine.Secretary | None, engine.Member]]


def read_rows(user: Any, street: OrgUnit | None, first: int, last: int) -> Rows:
    """The rows for the entitlements of the years whose runs lie in `first`+1..`last` (`first`: the year
    before the earliest run, read for an estimate): the organisations, their imported levels of
    `first`..`last`, and the posts in force at the end of some year from `first`+1 to `last`."""
    branches = visible_orgs(user).filter(level=Level.BRANCH)
    if street is not None:
        branches = branches.filter(path__startswith=street.path)
    step = 2 * OrgUnit.steplen
    streets = _streets()
    orgs: list[engine.Org] = []
    for pk, code, name, kind, path in branches.values_list("pk", "code", "name", "area_kind", "path"):
        s_name, s_code = streets.get(path[:step], ("", ""))
        orgs.append(engine.Org(pk, code, name, kind, s_code, s_name))
    if not orgs:
        return Rows(branches, [], {}, [])
    hist = HistoricLevel.objects.filter(year__gte=first, year__lte=last, org__in=branches).values_list(
        "org_id", "year", "level", "star_removed", "secretary", "secretary_on_street_leadership", "source"
    )
    # posts in force at the end of some year from the second of the span (the first is read for estimates)
    posts = scope(Post.objects.filter(org__in=branches), user, "org").filter(
        Q(end_date__isnull=True) | Q(end_date__gte=dt.date(first + 1, 12, 31)),
        start_date__lte=dt.date(last, 12, 31),
    )
    post_rows = posts.order_by("org_id", "start_date", "pk").values_list(
        "org_id", "person_id", "person__name", "role", "start_date", "end_date", "on_street_leadership"
    )
    # small immutable values, made once here rather than once per row and year: one record per distinct
    # (level, source, removal); a post's secretary and member
    same_record: dict[tuple[int, str, bool], engine.Record] = {}
    by_year: dict[int, list[tuple[int, engine.Record, str, bool]]] = {}
    for org_id, y, level, removed, sec, on_leadership, source in hist:
        rec = same_record.get((level, source, removed))
        if rec is None:
            rec = same_record[(level, source, removed)] = engine.Record(level, source, removed)
        by_year.setdefault(y, []).append((org_id, rec, sec, on_leadership))
    labels = {value: str(label) for value, label in PostRole.choices}  # translated once, not per post
    kept = [
        (org_id, person_id, start, end,
         engine.Secretary(name, person_id, on_leadership) if role == PostRole.SECRETARY else None,
         engine.Member(person_id, name, labels[role]))
        for org_id, person_id, name, role, start, end, on_leadership in post_rows
    ]  # fmt: skip
    return Rows(branches, orgs, by_year, kept)


def entitlements(
    user: Any,
    year: int,
    *,
    street: OrgUnit | None = None,
    item: str | None = None,
    explain: bool = True,
    rows: Rows | None = None,
) -> Entitlements:
    """The year's entitlements within what `user` sees. `explain=False` (the budget): the same amounts kept
    only as sums per street and item — no lines, no explanations (docs/decisions.md §78). `rows`: read
    beforehand by `read_rows` for this year among others (same user and street)."""
    with _bulk():
        return _entitlements(user, year, street=street, item=item, explain=explain, rows=rows)


def _entitlements(
    user: Any, year: int, *, street: OrgUnit | None, item: str | None, explain: bool, rows: Rows | None
) -> Entitlements:
    from wuxing.reviews.models import CycleStatus, ReviewCycle
    from wuxing.reviews.queries import year_results

    params_row, saved = parameters_for(year)
    params = as_params(params_row)
    run = list(range(year - params.run_years + 1, year + 1))
    if rows is None:
        rows = read_rows(user, street, run[0] - 1, year)
    branches, orgs = rows.branches, rows.orgs
    if not orgs:
        return Entitlements(year, params_row, saved, engine.Outcome(explain=explain))
    kinds = {o.kind for o in orgs}
    ids = {o.id for o in orgs}
    kind_of = {o.id: o.kind for o in orgs}

    records: dict[tuple[int, int], engine.Record] = {}
    secretaries: dict[tuple[int, int], engine.Secretary] = {}
    cycle_rows = ReviewCycle.objects.filter(year__in=[run[0] - 1, *run]).values_list("year", "kind", "status")
    named = {(y, k) for y, k, status in cycle_rows if status == CycleStatus.NAMED}
    cycles = {(y, k) for y, k, _status in cycle_rows}
    # a year under review (a cycle of the kind, not named yet): estimated from the year before (§76)
    reviewing = {(y, k) for y, k in cycles - named if y in run}
    loaded = sorted({*run, *(y - 1 for y, _k in reviewing)})
    imported: set[tuple[int, str]] = set()
    for y in loaded:
        reviewed = {k for cy, k in cycles if cy == y}  # a platform year: the review's record wins
        seen: set[str] = set()  # the kinds imported in y
        for org_id, rec, sec, on_leadership in rows.hist.get(y, ()):
            if reviewed or len(seen) < len(kinds):
                kind = kind_of[org_id]
                if kind in reviewed:
                    continue
                seen.add(kind)
            records[(org_id, y)] = rec
            if sec:
                secretaries[(org_id, y)] = engine.Secretary(sec, None, on_leadership)
        imported |= {(y, k) for k in seen}
    wanted = list(ids) if street is not None else None
    for y in loaded:
        platform = {
            k for k in kinds if (y, k) not in reviewing and ((y, k) in cycles or (y, k) not in imported)
        }
        if not platform:
            continue
        for r in year_results(user, y, org_ids=wanted):
            if r.kind in platform and r.org_id in ids:
                records[(r.org_id, y)] = engine.Record(r.level, r.source, bool(r.removed))
    for y, k in sorted(reviewing):
        for o in orgs:
            before = records.get((o.id, y - 1))
            if o.kind == k and before is not None and before.source != engine.ESTIMATE:
                records[(o.id, y)] = engine.Record(before.level, engine.ESTIMATE)
    if not set(loaded) <= set(run):
        for key in [key for key in records if key[1] not in run]:
            del records[key]

    # Secretaries in post at the end of each year of the run (registry posts win over imported names).
    year_end = dt.date(year, 12, 31)
    members: dict[int, list[engine.Member]] = {}
    ends = [(y, dt.date(y, 12, 31)) for y in run]
    already: set[tuple[int, int]] = set()  # (organisation, person) already a member
    for org_id, person_id, start, end, secretary, member in rows.posts:
        if secretary is not None:
            for y, day in ends:
                if start <= day and (end is None or end >= day):
                    secretaries[(org_id, y)] = secretary
        if start <= year_end and (end is None or end >= year_end) and (org_id, person_id) not in already:
            already.add((org_id, person_id))
            members.setdefault(org_id, []).append(member)

    spending: dict[int, tuple[Decimal, int]] = {}
    approved = CreationClaim.objects.filter(org__in=branches, year=year, state=ClaimState.APPROVED)
    for org_id, total, count in (
        approved.values_list("org_id").annotate(Sum("amount"), Count("pk")).order_by()
    ):
        spending[org_id] = (total, count)
    outcome = engine.compute(params, orgs, records, secretaries, members, spending, explain=explain)
    if item:
        outcome.keep_item(item)
    sources: dict[int, dict[str, int]] = {}
    for (y, source), n in Counter((y, rec.source) for (_org, y), rec in records.items()).items():
        sources.setdefault(y, {})[source] = n
    return Entitlements(
        year, params_row, saved, outcome, sources, {(y, k) for y, k in reviewing if k in kinds}
    )


def visible_claims(user: Any) -> Any:
    return scope(CreationClaim.objects.select_related("org"), user, "org")


def historic_levels(user: Any) -> Any:
    return scope(HistoricLevel.objects.select_related("org"), user, "org")


# --- approved ledgers ---------------------------------------------------------------------------------------


def stored_line(line: engine.Line) -> dict[str, Any]:
    """A line as an approved ledger keeps it (plain JSON; the amount as a decimal string)."""
    return {
        "street_code": line.org.street_code, "street": line.org.street_name, "org_code": line.org.code,
        "org": line.org.name, "item": line.item, "person_id": line.person_id, "person": line.person_name,
        "amount": f"{line.amount:.2f}", "rule": line.rule, "source": line.source,
    }  # fmt: skip


def line_key(line: dict[str, Any]) -> tuple[Any, ...]:
    return (line["org_code"], line["item"], line["person_id"], line["person"])


@dataclass
class Difference:
    kind: str  # 新增 | 取消 | 变化
    org: str
    item: str
    person: str
    before: Decimal | None
    after: Decimal | None
    rule: str


def latest_ledger(year: int) -> PayoutLedger | None:
    return PayoutLedger.objects.filter(year=year).select_related("approved_by").order_by("-version").first()


def differences(
    user: Any, ledger: PayoutLedger, result: Entitlements, *, street_code: str = "", item: str = ""
) -> list[Difference]:
    """What differs line by line between an approved version and the ledger as computed now, within what
    the user sees (an approved version's lines are filtered to the organisations they can see)."""
    codes = visible_codes(user)
    before = [
        x
        for x in ledger.lines
        if x["org_code"] in codes
        and (not street_code or x["street_code"] == street_code)
        and (not item or x["item"] == item)
    ]
    return stored_differences(before, [stored_line(line) for line in result.lines])


def stored_differences(
    before_lines: list[dict[str, Any]], after_lines: list[dict[str, Any]]
) -> list[Difference]:
    """Line by line (keyed by organisation, item and person): what was added, cancelled or changed from
    `before_lines` to `after_lines` (both as an approved ledger keeps them)."""
    before = {line_key(x): x for x in before_lines}
    now = {line_key(x): x for x in after_lines}
    out: list[Difference] = []
    for key in sorted(set(before) | set(now), key=lambda k: tuple(str(p) for p in k)):
        old, new = before.get(key), now.get(key)
        row = new or old
        assert row is not None
        label = engine.ITEM_LABELS[row["item"]]
        person = row["person"] or ""
        if old is None:
            out.append(
                Difference("新增", row["org"], label, person, None, Decimal(row["amount"]), row["rule"])
            )
        elif new is None:
            out.append(
                Difference("取消", row["org"], label, person, Decimal(row["amount"]), None, row["rule"])
            )
        elif old["amount"] != new["amount"] or old["rule"] != new["rule"]:
            out.append(
                Difference(
                    "变化",
                    row["org"],
                    label,
                    person,
                    Decimal(old["amount"]),
                    Decimal(new["amount"]),
                    new["rule"],
                )
            )
    return out


# --- creation spending claims: versions -----------------------------------------------------------------------


@dataclass
class ClaimVersion:
    at: Any
    by: str
    amount: Decimal
    description: str
    receipt_name: str
    state: str
    why: str


def claim_versions(claim: CreationClaim) -> list[ClaimVersion]:
    """Every saved version of a claim, newest first (who, when, why; the amount and receipt of each)."""
    labels = dict(ClaimState.choices)
    rows = claim.history.select_related("history_user").order_by("-history_date", "-history_id")
    return [
        ClaimVersion(
            h.history_date, str(h.history_user or "系统"), h.amount, h.description, h.receipt_name,
            str(labels.get(h.state, h.state)), h.history_change_reason or "",
        )
        for h in rows[:100]
    ]  # fmt: skip


# --- approved ledger versions ---------------------------------------------------------------------------------


def visible_codes(user: Any) -> set[str]:
    return set(visible_orgs(user).filter(level=Level.BRANCH).values_list("code", flat=True))


def ledger_versions(year: int) -> Any:
    """The approved versions of a year, newest first, without their lines (who, when, why, total)."""
    return (
        PayoutLedger.objects.filter(year=year)
        .select_related("approved_by")
        .defer("lines")
        .order_by("-version")
    )


def ledger_lines(user: Any, ledger: PayoutLedger, *, street_code: str = "") -> list[dict[str, Any]]:
    """An approved version's lines within what the user sees (a street its own, a secretary their
    organisation's), optionally one street's."""
    codes = visible_codes(user)
    return [
        x
        for x in ledger.lines
        if x["org_code"] in codes and (not street_code or x["street_code"] == street_code)
    ]


def lines_street_totals(lines: list[dict[str, Any]]) -> list[tuple[str, str, Decimal]]:
    totals: dict[tuple[str, str], Decimal] = {}
    for x in lines:
        key = (x["street_code"], x["street"])
        totals[key] = totals.get(key, Decimal("0.00")) + Decimal(x["amount"])
    return [(code, name, total) for (code, name), total in sorted(totals.items())]


# --- the district budget ---------------------------------------------------------------------------------------


@dataclass
class BudgetRow:
    code: str
    name: str
    amounts: list[Decimal]  # per item, in engine.ITEMS order
    total: Decimal
    previous: Decimal | None


@dataclass
class Budget:
    year: int
    result: Entitlements
    rows: list[BudgetRow]
    totals: list[Decimal]  # per item
    total: Decimal
    previous_total: Decimal | None
    previous_items: list[Decimal] | None
    previous_label: str  # where the previous year's figures come from ("" when there are none)


def _matrix(pairs: Iterable[tuple[str, str, str, Decimal]]) -> dict[tuple[str, str], list[Decimal]]:
    """(street code, street name, item, amount) → per street the sums per item."""
    index = {item: i for i, item in enumerate(engine.ITEMS)}
    out: dict[tuple[str, str], list[Decimal]] = {}
    for code, name, item, amount in pairs:
        out.setdefault((code, name), [Decimal("0.00")] * len(engine.ITEMS))[index[item]] += amount
    return out


def budget(user: Any, year: int, *, street: OrgUnit | None = None) -> Budget:
    """The year's budget by street and item, the sums of the entitlement lines (so the totals by street
    equal the sum of their lines; computed without the lines' explanations, `explain=False`), beside the
    previous year: its latest approved ledger where there is one, its computed entitlements otherwise (the
    label says which; then both years are computed from rows read once)."""
    with _bulk():
        return _budget(user, year, street)


def _budget(user: Any, year: int, street: OrgUnit | None) -> Budget:
    prev_ledger = latest_ledger(year - 1)
    # without an approved ledger of the year before, both years are computed from rows read once
    first = year - as_params(parameters_for(year)[0]).run_years
    if prev_ledger is None:
        first = min(first, year - 1 - as_params(parameters_for(year - 1)[0]).run_years)
    read = read_rows(user, street, first, year)
    result = entitlements(user, year, street=street, explain=False, rows=read)
    now = _matrix((code, name, item, amount) for (code, name, item), amount in result.outcome.totals.items())
    previous: dict[tuple[str, str], list[Decimal]] = {}
    if prev_ledger is not None:
        lines = ledger_lines(user, prev_ledger, street_code=street.code if street else "")
        previous = _matrix([(x["street_code"], x["street"], x["item"], Decimal(x["amount"])) for x in lines])
        label = f"{year - 1}年度已批准发放台账第{prev_ledger.version}版"
    else:
        before = entitlements(user, year - 1, street=street, explain=False, rows=read)
        previous = _matrix(
            (code, name, item, amount) for (code, name, item), amount in before.outcome.totals.items()
        )
        sources = "；".join(before.source_text()) or "无星级记录"
        label = f"{year - 1}年度尚无已批准台账，为按现在参数和记录的计算（{sources}）" if previous else ""
    rows = []
    for (code, name), amounts in sorted(now.items()):
        prev = previous.get((code, name))
        rows.append(
            BudgetRow(
                code,
                name,
                amounts,
                sum(amounts, Decimal("0.00")),
                sum(prev, Decimal("0.00")) if prev else None,
            )
        )
    for (code, name), prev in sorted(previous.items()):
        if (code, name) not in now:
            rows.append(
                BudgetRow(
                    code,
                    name,
                    [Decimal("0.00")] * len(engine.ITEMS),
                    Decimal("0.00"),
                    sum(prev, Decimal("0.00")),
                )
            )
    totals = [sum((r.amounts[i] for r in rows), Decimal("0.00")) for i in range(len(engine.ITEMS))]
    prev_items = (
        [sum((p[i] for p in previous.values()), Decimal("0.00")) for i in range(len(engine.ITEMS))]
        if previous
        else None
    )
    return Budget(
        year, result, rows, totals, sum(totals, Decimal("0.00")),
        sum(prev_items, Decimal("0.00")) if prev_items else None, prev_items, label,
    )  # fmt: skip
