"""The Beiguan demo's reviews: 2023 named (its official record is exactly the demo's 2023 rating), 2024
open in self-assessment for every organisation with deadlines counted from the day of loading (never
overdue on that day), and loading again changes nothing."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from wuxing.core.management.base import system_user
from wuxing.core.workdays import today
from wuxing.orgs.models import OrgUnit
from wuxing.reviews import queries
from wuxing.reviews.models import Assessment, NamedResult, ReviewCycle, Stage
from wuxing.rules import queries as rule_queries


@pytest.fixture(scope="module")
def _demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Any]:
    from wuxing.demo.services import load_registry
    from wuxing.reviews.demo import load_demo_reviews
    from wuxing.rules.demo import load_demo_scores

    with django_db_blocker.unblock(), transaction.atomic():
        load_registry()
        assert load_demo_scores() is not None
        live = {r.org_id: (r.level, list(r.result.stars)) for r in rule_queries.rate(system_user(), 2023)}
        started = time.perf_counter()
        assert load_demo_reviews() is not None
        took = time.perf_counter() - started
        yield live, took
        transaction.set_rollback(True)


@pytest.fixture
def demo(_demo: Any, db: Any) -> Any:
    return _demo


def test_2023_is_named_with_the_demo_ratings(demo: Any) -> None:
    live, took = demo
    assert took < 20  # seconds, on the shared 2-core machine: the demo still loads quickly
    assert set(ReviewCycle.objects.filter(year=2023).values_list("kind", "status")) == {
        ("rural", "named"),
        ("community", "named"),
    }
    named = {r.org_id: (r.level, r.stars) for r in NamedResult.objects.filter(year=2023)}
    assert len(named) == OrgUnit.objects.branches().count() == 112
    assert named == live
    results = queries.year_results(system_user(), 2023)
    assert {r.source for r in results} == {"named"}


def test_2024_is_open_in_self_assessment_for_everybody(demo: Any) -> None:
    cycles = ReviewCycle.objects.filter(year=2024)
    assert set(cycles.values_list("status", flat=True)) == {"open"}
    states = set(Assessment.objects.filter(cycle__in=cycles).values_list("state", flat=True))
    assert states == {Stage.DRAFT}
    assert Assessment.objects.filter(cycle__in=cycles).count() == 112
    assert {r.source for r in queries.year_results(system_user(), 2024)} == {"live"}


def test_loading_again_changes_nothing(demo: Any) -> None:
    from wuxing.reviews.demo import load_demo_reviews

    before = (ReviewCycle.objects.count(), Assessment.objects.count(), NamedResult.objects.count())
    assert load_demo_reviews() is None
    assert (ReviewCycle.objects.count(), Assessment.objects.count(), NamedResult.objects.count()) == before


def test_the_open_cycle_runs_from_the_day_the_demo_is_loaded(demo: Any) -> None:
    from wuxing.accounts.models import Role, User
    from wuxing.reviews.demo import NAMED_DEADLINES, open_deadlines

    day = today()
    expected = open_deadlines(day)
    for cycle in ReviewCycle.objects.filter(year=2024):
        assert cycle.opened_on == day
        assert {k: getattr(cycle, k) for k in expected} == expected
        assert day < cycle.self_deadline <= cycle.street_deadline <= cycle.district_deadline
    for cycle in ReviewCycle.objects.filter(year=2023):  # history keeps its dates
        assert {k: getattr(cycle, k) for k in NAMED_DEADLINES} == NAMED_DEADLINES
    branch = OrgUnit.objects.branches().filter(area_kind="rural").first()
    secretary = User.objects.create_user("demo_secretary_probe", role=Role.SECRETARY, scope_org=branch)
    (due,) = queries.due_for(secretary)
    assert (due.cycle.year, due.deadline, due.overdue) == (2024, expected["self_deadline"], False)


def test_open_deadlines_count_working_days_or_fall_back_to_calendar_days(db: Any) -> None:
    from wuxing.core.services import save_holiday_year
    from wuxing.core.workdays import PACKAGE_LAST_YEAR, WorkCalendar
    from wuxing.reviews import services
    from wuxing.reviews.demo import FALLBACK_DAYS, open_deadlines

    march = dt.date(2024, 3, 1)  # the calendar knows 2024: official working days
    defaults = services.default_deadlines(march, WorkCalendar())
    assert open_deadlines(march) == {k: defaults[k] for k in FALLBACK_DAYS}
    assert open_deadlines(march)["self_deadline"] == dt.date(2024, 3, 22)  # Fri + 15 working days
    # loaded late in the last year the calendar knows: the deadlines reach an unknown year
    late = dt.date(PACKAGE_LAST_YEAR, 12, 20)
    fallback = {k: late + dt.timedelta(days=n) for k, n in FALLBACK_DAYS.items()}
    assert open_deadlines(late) == fallback
    assert open_deadlines(dt.date(2099, 3, 2)) == {
        k: dt.date(2099, 3, 2) + dt.timedelta(days=n) for k, n in FALLBACK_DAYS.items()
    }
    # once the district enters the next year, working days again
    save_holiday_year(
        system_user(), PACKAGE_LAST_YEAR + 1, f"{PACKAGE_LAST_YEAR + 1}-01-01 元旦 放假", "测试通知"
    )
    counted = open_deadlines(late)
    assert counted != fallback
    assert counted == {
        k: v for k, v in services.default_deadlines(late, WorkCalendar()).items() if k in FALLBACK_DAYS
    }
