"""The Beiguan demo's funds: in 2023 (named) some organisations earn each reward and some narrowly miss,
every line explained, the totals by street the sums of their lines; loading again changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from wuxing.core.management.base import system_user
from wuxing.funds import engine, queries
from wuxing.funds.models import HistoricLevel


@pytest.fixture(scope="module")
def _demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    from wuxing.demo.services import load_registry
    from wuxing.funds.demo import load_demo_funds
    from wuxing.reviews.demo import load_demo_reviews
    from wuxing.rules.demo import load_demo_scores

    with django_db_blocker.unblock(), transaction.atomic():
        load_registry()
        load_demo_scores()
        load_demo_reviews()
        assert load_demo_funds() is not None
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(_demo: Any, db: Any) -> None:
    return None


def test_2023_has_every_reward_and_near_misses(demo: Any) -> None:
    result = queries.entitlements(system_user(), 2023)
    items = {line.item for line in result.lines}
    assert {engine.OPERATING, engine.CREATION, engine.THREE_STAR, engine.UPLIFT, engine.LIVING} <= items
    assert any("不予奖补" in n for n in result.outcome.notes)
    living = [line for line in result.lines if line.item == engine.LIVING]
    assert any("正科级标准 96,000.00 元" in line.rule for line in living)
    assert any("2022年四星" in line.rule and "副科级标准 84,000.00 元" in line.rule for line in living)
    assert any("未连续3年四星及以上" in n for n in result.outcome.notes)
    assert any("被摘星" in n for n in result.outcome.notes)
    assert not result.outcome.missing
    assert {"demo", "named"} <= {line.source for line in living} | {
        s for per in result.sources.values() for s in per
    }
    assert (
        sum(t for _c, _n, t in result.street_totals()) == result.total == sum(x.amount for x in result.lines)
    )
    assert result.total > Decimal("0")


def test_loading_again_changes_nothing(demo: Any) -> None:
    from wuxing.funds.demo import load_demo_funds

    count = HistoricLevel.objects.count()
    assert load_demo_funds() is None
    assert HistoricLevel.objects.count() == count
    assert set(HistoricLevel.objects.values_list("source", flat=True)) == {"demo"}


def test_2024_is_an_estimate_with_every_rule_and_near_misses_never_approved(demo: Any) -> None:
    from django.core.exceptions import ValidationError

    from wuxing.funds import services
    from wuxing.funds.models import PayoutLedger

    result = queries.entitlements(system_user(), 2024)
    assert result.provisional and engine.ESTIMATE in result.sources[2024]
    assert set(result.sources[2023]) == {"named"}  # the estimate carries the named 2023 record forward
    items = {line.item for line in result.lines}
    assert {engine.OPERATING, engine.CREATION, engine.THREE_STAR, engine.UPLIFT, engine.LIVING} <= items
    living = [line for line in result.lines if line.item == engine.LIVING]
    assert any("正科级标准" in line.rule for line in living)
    assert any("副科级标准" in line.rule for line in living)
    assert all("预估（未命名）" in line.rule for line in living)
    assert any("未连续3年四星及以上" in n for n in result.outcome.notes)  # 3, 4, 4
    assert any("2022年被摘星" in n for n in result.outcome.notes)
    assert any("不予奖补" in n for n in result.outcome.notes)
    assert sum(t for _c, _n, t in result.street_totals()) == result.total
    versions = PayoutLedger.objects.filter(year=2024).count()
    with pytest.raises(ValidationError, match="预估"):
        services.approve_ledger(system_user(), 2024, "试批", expected_version=0)
    assert PayoutLedger.objects.filter(year=2024).count() == versions == 0


def test_2023_ledger_versions_show_the_reopened_claim(demo: Any) -> None:
    from wuxing.funds.models import PayoutLedger

    first, second = PayoutLedger.objects.filter(year=2023).order_by("version")
    (diff,) = queries.stored_differences(first.lines, second.lines)
    assert (diff.kind, diff.item, diff.before, diff.after) == (
        "取消",
        "创建经费奖补",
        Decimal("60550.00"),
        None,
    )  # 86,500.00 × 70% taken back with the reopened claim
    budget = queries.budget(system_user(), 2024)
    assert budget.previous_label.startswith("2023年度已批准发放台账第2版")
    assert budget.previous_total == second.total
    assert sum(r.total for r in budget.rows) == budget.total == budget.result.total


@pytest.mark.parametrize("year", [2022, 2023, 2024])
def test_the_budgets_sums_equal_the_sums_of_the_explained_lines(demo: Any, year: int) -> None:
    user = system_user()
    b = queries.budget(user, year)
    full = queries.entitlements(user, year)
    assert not b.result.lines and full.lines
    for row in b.rows:
        for i, item in enumerate(engine.ITEMS):
            assert row.amounts[i] == sum(
                (x.amount for x in full.lines if x.org.street_code == row.code and x.item == item),
                Decimal("0.00"),
            )
    assert b.total == full.total == sum(x.amount for x in full.lines)
    assert b.result.sources == full.sources and b.result.provisional == full.provisional
