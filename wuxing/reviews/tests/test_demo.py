"""The Beiguan demo's reviews: 2023 named (its official record is exactly the demo's 2023 rating), 2024
open in self-assessment for every organisation, and loading again changes nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from wuxing.core.management.base import system_user
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
