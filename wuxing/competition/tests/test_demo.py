"""The Beiguan demo's 动态竞争: twelve months of 2023 scores for the branches at three stars or more in
2022, 解放路街道's 21 February tour and a district quarterly observation, exactly one last-place warning
(one street), the five reserve candidates of beiguan.md; loading again adds nothing; the first pages with
the panel stay fast."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from wuxing.competition import queries
from wuxing.competition.models import CaseKind, MonthlyScore, ObservationEvent, PolicyCase, ReserveCandidate
from wuxing.core.management.base import system_user


@pytest.fixture(scope="module")
def _demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Any]:
    from wuxing.competition.demo import load_demo_competition
    from wuxing.demo.services import load_registry
    from wuxing.funds.demo import load_demo_funds
    from wuxing.reviews.demo import load_demo_reviews
    from wuxing.rules.demo import load_demo_scores

    with django_db_blocker.unblock(), transaction.atomic():
        load_registry()
        assert load_demo_scores() is not None
        assert load_demo_reviews() is not None
        assert load_demo_funds() is not None
        message = load_demo_competition()
        yield message
        transaction.set_rollback(True)


@pytest.fixture
def demo(_demo: Any, db: Any) -> Any:
    return _demo


def test_twelve_months_for_the_branches_taking_part(demo: Any) -> None:
    from wuxing.competition.demo import load_demo_competition

    assert demo and "演示" in demo
    taking_part = queries.eligible(system_user(), 2023)
    assert len(taking_part) > 10 and all(level >= 3 for _i, level, _s in taking_part)
    assert MonthlyScore.objects.filter(year=2023).count() == 12 * len(taking_part)
    assert load_demo_competition() is None


def test_two_observation_events_including_jiefanglu(demo: Any) -> None:
    events = list(ObservationEvent.objects.order_by("held_on"))
    assert len(events) == 2
    jfl = events[0]
    assert (
        jfl.held_on == dt.date(2023, 2, 21)
        and jfl.organiser is not None
        and jfl.organiser.name == "解放路街道"
    )
    assert events[1].organiser is None and len(events[1].observers) == 7
    means = queries.observation_means([events[1]], 5)[events[1].pk]
    assert all(counted == 5 and given == 7 for _v, counted, given in means.values())  # outliers dropped


def test_one_street_with_a_last_place_warning(demo: Any) -> None:
    cases = list(PolicyCase.objects.all())
    assert len(cases) == 1 and cases[0].kind == CaseKind.WARNING and cases[0].periods == [10, 11]


def test_the_five_reserve_candidates(demo: Any) -> None:
    names = set(ReserveCandidate.objects.filter(year=2023).values_list("org__name", flat=True))
    assert names == {"西漳涧村", "西苏度村", "北花村", "盘庚中社区", "光辉路社区"}


def test_the_first_pages_with_the_panel_are_fast(demo: Any, client: Any) -> None:
    from wuxing.accounts.models import Role, User
    from wuxing.orgs.models import OrgUnit

    admin = User.objects.create_user("demo_admin_t", role=Role.DISTRICT_ADMIN)
    street = User.objects.create_user(
        "demo_street_t", role=Role.STREET_STAFF, scope_org=OrgUnit.objects.get(name="灯塔路街道")
    )
    for user in (admin, street):
        client.force_login(user)
        client.get("/?year=2023")  # warm (kept ratings stored, caches)
        best = min(_timed(client) for _ in range(3))
        assert best < 0.5  # server time; the benchmark (bench/competition.py) records the figures
    body = client.get("/?year=2023").content.decode()
    assert "春晖社区" in body and "末位预警" in body


def _timed(client: Any) -> float:
    start = time.perf_counter()
    response = client.get("/?year=2023")
    assert response.status_code == 200
    return time.perf_counter() - start
