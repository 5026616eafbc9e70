"""The Beiguan demo's 补齐短板: tasks from the 2023 gap lists (some closed with evidence, some overdue),
unit visits with units behind, two central trainings where a few secretaries fall short, a working
group per star; loading again adds nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from wuxing.boards import queries, training
from wuxing.boards.models import HelpVisit, Task, TaskNote, TaskStatus, TrainingSession, WorkingGroup
from wuxing.core.management.base import system_user
from wuxing.core.workdays import today


@pytest.fixture(scope="module")
def _demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Any]:
    from wuxing.boards.demo import load_demo_boards
    from wuxing.demo.services import load_registry
    from wuxing.reviews.demo import load_demo_reviews
    from wuxing.rules.demo import load_demo_scores

    with django_db_blocker.unblock(), transaction.atomic():
        load_registry()
        assert load_demo_scores() is not None
        assert load_demo_reviews() is not None
        message = load_demo_boards()
        yield message
        transaction.set_rollback(True)


@pytest.fixture
def demo(_demo: Any, db: Any) -> Any:
    return _demo


def test_tasks_from_the_gap_lists_some_closed_some_overdue(demo: Any) -> None:
    assert demo is not None and "短板任务" in demo
    done = Task.objects.filter(status=TaskStatus.DONE)
    assert done.exists() and Task.objects.filter(status=TaskStatus.OPEN, deadline__lt=today()).exists()
    assert Task.objects.exclude(star_code="").filter(year=2023).exists()
    # every closed task has evidence
    with_evidence = set(TaskNote.objects.exclude(evidence="").values_list("task_id", flat=True))
    assert set(done.values_list("pk", flat=True)) <= with_evidence
    assert Task.objects.exclude(focus_area=None).exists()


def test_units_visits_and_coverage(demo: Any) -> None:
    assert HelpVisit.objects.exists()
    report = queries.coverage(system_user())
    assert report.units_behind and any(not u.behind for u in report.units)


def test_two_central_trainings_where_a_few_fall_short(demo: Any) -> None:
    central = TrainingSession.objects.filter(kind="central")
    assert central.count() == 2
    year = central.first().held_on.year  # type: ignore[union-attr]
    lines = training.compliance(system_user(), year)
    assert sum(1 for x in lines if x.short) == 5
    assert sum(1 for x in lines if not x.short) > 50


def test_a_group_per_star_and_loading_again_adds_nothing(demo: Any) -> None:
    from wuxing.boards.demo import load_demo_boards

    assert WorkingGroup.objects.count() >= 5
    before = Task.objects.count()
    assert load_demo_boards() is None
    assert Task.objects.count() == before
