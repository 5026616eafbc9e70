"""Read side of funds: scoped, set-based — a fixed number of queries whatever the number of organisations.

Where a year's stars come from (docs/decisions.md §54), per organisation kind and year:
- a year with a review cycle of that kind: `wuxing.reviews.queries.year_results` — the named record of a
  named year, the live rating otherwise (star removals already applied);
- a year without one, for which earlier years' levels were imported: the imported rows (HistoricLevel);
- otherwise the live rating (year_results again).
Every line says which source it read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from wuxing.core.scoping import scope, visible_orgs
from wuxing.funds import engine
from wuxing.funds.models import ClaimState, CreationClaim, FundParameters, HistoricLevel, PayoutLedger
from wuxing.funds.parameters import DEFAULTS, as_params
from wuxing.orgs.models import Level, OrgUnit, Post, PostRole


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

    @property
    def lines(self) -> list[engine.Line]:
        return self.outcome.lines

    @property
    def total(self) -> Any:
        return sum((line.amount for line in self.lines), engine.yuan(engine.Decimal(0)))

    def street_totals(self) -> list[tuple[str, str, Any]]:
        return engine.street_totals(self.lines)

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


def entitlements(
    user: Any, year: int, *, street: OrgUnit | None = None, item: str | None = None
) -> Entitlements:
    from wuxing.reviews.models import ReviewCycle
    from wuxing.reviews.queries import year_results

    params_row, saved = parameters_for(year)
    params = as_params(params_row)
    run = list(range(year - params.run_years + 1, year + 1))
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
        return Entitlements(year, params_row, saved, engine.Outcome())
    kinds = {o.kind for o in orgs}
    ids = {o.id for o in orgs}

    records: dict[tuple[int, int], engine.Record] = {}
    secretaries: dict[tuple[int, int], engine.Secretary] = {}
    cycles = set(ReviewCycle.objects.filter(year__in=run).values_list("year", "kind"))
    imported: set[tuple[int, str]] = set()
    hist = HistoricLevel.objects.filter(year__in=run, org__in=branches).values_list(
        "org_id", "org__area_kind", "year", "level", "star_removed", "secretary",
        "secretary_on_street_leadership", "source",
    )  # fmt: skip
    for org_id, kind, y, level, removed, sec, on_leadership, source in hist:
        if (y, kind) in cycles:
            continue  # a platform year: the review's record wins
        imported.add((y, kind))
        records[(org_id, y)] = engine.Record(level, source, removed)
        if sec:
            secretaries[(org_id, y)] = engine.Secretary(sec, None, on_leadership)
    wanted = list(ids) if street is not None else None
    for y in run:
        platform = {k for k in kinds if (y, k) in cycles or (y, k) not in imported}
        if not platform:
            continue
        for r in year_results(user, y, org_ids=wanted):
            if r.kind in platform and r.org_id in ids:
                records[(r.org_id, y)] = engine.Record(r.level, r.source, bool(r.removed))

    # Secretaries in post at the end of each year of the run (registry posts win over imported names).
    first_end, last_end = dt.date(run[0], 12, 31), dt.date(run[-1], 12, 31)
    posts = scope(Post.objects.filter(org__in=branches), user, "org").filter(
        Q(end_date__isnull=True) | Q(end_date__gte=first_end), start_date__lte=last_end
    )
    year_end = dt.date(year, 12, 31)
    members: dict[int, list[engine.Member]] = {}
    labels = dict(PostRole.choices)
    for org_id, person_id, name, role, start, end, on_leadership in posts.order_by(
        "org_id", "start_date", "pk"
    ).values_list(
        "org_id", "person_id", "person__name", "role", "start_date", "end_date", "on_street_leadership"
    ):
        for y in run:
            day = dt.date(y, 12, 31)
            if start <= day and (end is None or end >= day) and role == PostRole.SECRETARY:
                secretaries[(org_id, y)] = engine.Secretary(name, person_id, on_leadership)
        if start <= year_end and (end is None or end >= year_end):
            same = [m for m in members.get(org_id, []) if m.person_id == person_id]
            if not same:
                members.setdefault(org_id, []).append(engine.Member(person_id, name, str(labels[role])))

    spending: dict[int, tuple[Decimal, int]] = {}
    approved = CreationClaim.objects.filter(org__in=branches, year=year, state=ClaimState.APPROVED)
    for org_id, total, count in (
        approved.values_list("org_id").annotate(Sum("amount"), Count("pk")).order_by()
    ):
        spending[org_id] = (total, count)
    outcome = engine.compute(params, orgs, records, secretaries, members, spending)
    if item:
        outcome.lines = [line for line in outcome.lines if line.item == item]
    sources: dict[int, dict[str, int]] = {}
    for (_org, y), rec in records.items():
        per = sources.setdefault(y, {})
        per[rec.source] = per.get(rec.source, 0) + 1
    return Entitlements(year, params_row, saved, outcome, sources)


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
    codes = set(visible_orgs(user).filter(level=Level.BRANCH).values_list("code", flat=True))
    before = {
        line_key(x): x
        for x in ledger.lines
        if x["org_code"] in codes
        and (not street_code or x["street_code"] == street_code)
        and (not item or x["item"] == item)
    }
    now = {line_key(x): x for x in (stored_line(line) for line in result.lines)}
    out: list[Difference] = []
    for key in sorted(set(before) | set(now), key=lambda k: tuple(str(p) for p in k)):
        old, new = before.get(key), now.get(key)
        row = new or old
        assert row is not None
        label = engine.ITEM_LABELS[row["item"]]
        if old is None:
            out.append(
                Difference(
                    "新增", row["org"], label, row["person"] or "", None, Decimal(row["amount"]), row["rule"]
                )
            )
        elif new is None:
            out.append(
                Difference(
                    "取消", row["org"], label, row["person"] or "", Decimal(row["amount"]), None, row["rule"]
                )
            )
        elif old["amount"] != new["amount"] or old["rule"] != new["rule"]:
            out.append(
                Difference(
                    "变化",
                    row["org"],
                    label,
                    row["person"] or "",
                    Decimal(old["amount"]),
                    Decimal(new["amount"]),
                    new["rule"],
                )
            )
    return out
