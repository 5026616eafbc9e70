"""The budget's sums come from the same code path as the explained lines (docs/decisions.md §78): computed
without the explanations (`explain=False`) they equal, per street and item, the sums of the full lines — for
generated worlds through the engine (every rule and parameter reading varied) and through the queries."""

from __future__ import annotations

import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest

from wuxing.funds import engine, queries, services
from wuxing.funds.engine import Member, Org, Record, Secretary
from wuxing.funds.models import HistoricLevel
from wuxing.funds.parameters import DEFAULTS, parse_levels

YEAR = 2024


def generated(seed: int, n: int = 300) -> tuple[Any, ...]:
    """A random world: every level, removals, changing secretaries (registry people and imported names),
    street leaders, members, approved spending, and the parameters' readings varied (missing standards too)."""
    rng = random.Random(seed)
    values: dict[str, Any] = {
        k: v
        for k, v in DEFAULTS.items()
        if k not in ("village_operating_before", "community_operating_before")
    }
    values.update(
        zhengke_salary=rng.choice([None, Decimal("96000.00"), Decimal("84000.005")]),
        fuke_salary=rng.choice([None, Decimal("84000.00")]),
        base_allowance=rng.choice([None, Decimal("24000.00"), Decimal("1234.565")]),
        subsidy_rate=rng.choice([Decimal("0.7"), Decimal("0.333")]),
        secretary_rule=rng.choice(["through_all", "current"]),
        removal_breaks_run=rng.random() < 0.5,
        mixed_run_counts=rng.random() < 0.5,
        three_star_levels=parse_levels(rng.choice(["3", "3,4,5"])),
        allowance_levels=parse_levels(rng.choice(["3", "3,4"])),
    )
    params = engine.Params(year=YEAR, **values)
    orgs, records, secretaries, members, spending = [], {}, {}, {}, {}
    for i in range(1, n + 1):
        s = rng.randint(1, 7)
        orgs.append(Org(i, f"B{i:04d}", f"组织{i}", rng.choice(["rural", "community"]), f"S{s}", f"街道{s}"))
        people = [
            Secretary(f"书记{i}-{k}", rng.choice([i * 10 + k, None]), rng.random() < 0.05) for k in range(2)
        ]
        for y in range(YEAR - 3, YEAR + 1):
            if rng.random() < 0.9:
                records[(i, y)] = Record(
                    rng.choice([2, 3, 4, 4, 5, 5]),
                    rng.choice(["named", "import", "live"]),
                    rng.random() < 0.05,
                )
            if rng.random() < 0.9:
                secretaries[(i, y)] = people[0] if rng.random() < 0.85 else people[1]
        members[i] = [Member(i * 10 + k, f"成员{i}-{k}", "委员") for k in range(rng.randint(0, 3))]
        if rng.random() < 0.3:
            spending[i] = (Decimal(rng.randint(1, 900000)) / 100, rng.randint(1, 3))
    return params, orgs, records, secretaries, members, spending


def by_street_and_item(lines: list[engine.Line]) -> dict[tuple[str, str, str], Decimal]:
    out: dict[tuple[str, str, str], Decimal] = defaultdict(lambda: Decimal("0.00"))
    for line in lines:
        out[(line.org.street_code, line.org.street_name, line.item)] += line.amount
    return dict(out)


@pytest.mark.parametrize("seed", range(25))
def test_sums_without_explanations_equal_the_sums_of_the_explained_lines(seed: int) -> None:
    world = generated(seed)
    full = engine.compute(*world)
    sums = engine.compute(*world, explain=False)
    assert full.lines and not sums.lines and not sums.notes  # no text is built without `explain`
    assert sums.totals == full.totals == by_street_and_item(full.lines)
    assert sums.missing == full.missing  # what is missing for want of a parameter is said in both
    assert sums.total == full.total == sum(x.amount for x in full.lines)
    assert sums.street_totals() == engine.street_totals(full.lines)


def test_one_item_keeps_its_lines_and_its_sums() -> None:
    full = engine.compute(*generated(1))
    full.keep_item(engine.UPLIFT)
    assert {x.item for x in full.lines} == {engine.UPLIFT}
    assert full.totals == by_street_and_item(full.lines)


@pytest.mark.django_db
def test_budget_sums_equal_the_sums_of_the_lines_through_the_queries(world: Any) -> None:
    admin = world.users["admin"]
    for org, levels in ((world.village_a, (4, 5, 4, 3)), (world.village_b, (5, 5, 5, 5))):
        for year, level in zip(range(YEAR - 3, YEAR + 1), levels, strict=True):
            HistoricLevel.objects.create(org=org, year=year, level=level)
    for year in (YEAR - 1, YEAR):
        services.save_parameters(
            admin,
            year,
            {"base_allowance": "20000.05", "zhengke_salary": "96000", "fuke_salary": "84000"},
            "录入",
        )
    for year in (YEAR - 1, YEAR):
        b = queries.budget(admin, year)
        full, before = queries.entitlements(admin, year), queries.entitlements(admin, year - 1)
        assert not b.result.lines  # the budget builds no explained lines
        now, prev = by_street_and_item(full.lines), by_street_and_item(before.lines)
        assert {x.item for x in full.lines} > {engine.OPERATING}
        for row in b.rows:
            for i, item in enumerate(engine.ITEMS):
                assert row.amounts[i] == now.get((row.code, row.name, item), Decimal("0"))
            assert row.previous == sum(v for (c, _n, _i), v in prev.items() if c == row.code)
        assert b.total == full.total == sum(x.amount for x in full.lines) == b.result.total
        assert b.previous_total == sum(x.amount for x in before.lines)
        assert [(r.code, r.total) for r in b.rows] == [(c, t) for c, _n, t in full.street_totals()]


@pytest.mark.django_db
def test_the_garbage_collector_is_paused_only_while_building(world: Any) -> None:
    import gc

    admin = world.users["admin"]
    assert gc.isenabled()
    queries.budget(admin, YEAR)
    assert gc.isenabled()  # re-enabled afterwards
    gc.disable()
    try:
        queries.entitlements(admin, YEAR)
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
