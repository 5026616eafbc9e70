"""The task life cycle and the evidence rule, creating tasks from the gap list (idempotent), the coverage
report at its boundary, and who may do what (a refusal changes nothing)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from wuxing.boards import queries, services
from wuxing.boards.models import FocusArea, HelpVisit, Task, TaskStatus
from wuxing.boards.tests.conftest import db_state, pdf
from wuxing.core.locking import EditConflict
from wuxing.core.management.base import system_user
from wuxing.core.models import DecisionLog
from wuxing.rules import services as rule_services
from wuxing.rules.tests.helpers import CYXW_AT_18, STJY_FULL, YEAR, ZBGY_FULL

pytestmark = pytest.mark.django_db


def new_task(org: Any, **kw: Any) -> Task:
    defaults = {"year": YEAR, "title": "整治背街小巷", "deadline": dt.date(YEAR, 6, 30)}
    return services.create_task(system_user(), org, **{**defaults, **kw})


# --- life cycle and the evidence rule ------------------------------------------------------------------


def test_closing_without_evidence_is_refused_and_changes_nothing(world):
    task = new_task(world.village_a)
    services.add_note(world.users["secretary_a"], task, "已召开协调会")  # a note without a file
    before = db_state()
    with pytest.raises(ValidationError, match="佐证材料"):
        services.close_task(world.users["secretary_a"], task, "已完成")
    assert db_state() == before
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_one_evidence_file_among_the_notes_is_enough_to_close(world):
    task = new_task(world.village_a)
    services.add_note(world.users["secretary_a"], task, "现场照片", pdf())
    closed = services.close_task(world.users["secretary_a"], task, "已完成", on=dt.date(YEAR, 6, 1))
    closed.refresh_from_db()
    assert (closed.status, closed.closed_on) == (TaskStatus.DONE, dt.date(YEAR, 6, 1))
    assert closed.notes.count() == 2
    log = DecisionLog.objects.filter(object_id=str(task.pk), action="task_closed").get()
    assert (log.from_state, log.to_state, log.actor) == ("open", "done", world.users["secretary_a"])
    assert Task.history.filter(id=task.pk).first().history_user == world.users["secretary_a"]


def test_evidence_sent_with_the_closing_note_is_enough(world):
    task = new_task(world.village_a)
    services.close_task(world.users["street_a"], task, "已完成", pdf())
    assert task.notes.exclude(evidence="").count() == 1


def test_a_file_that_is_not_evidence_is_refused(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    task = new_task(world.village_a)
    before = db_state()
    with pytest.raises(ValidationError):
        services.close_task(
            world.users["secretary_a"], task, "已完成", SimpleUploadedFile("a.jpg", b"MZ\x90")
        )
    assert db_state() == before


def test_a_closed_task_is_not_edited_any_more(world):
    task = new_task(world.village_a)
    services.close_task(system_user(), task, "完成", pdf())
    for act in (
        lambda: services.add_note(system_user(), task, "再补一句"),
        lambda: services.cancel_task(system_user(), task, "不需要"),
        lambda: services.update_task(system_user(), task, {"owner": "李四"}),
    ):
        before = db_state()
        with pytest.raises(ValidationError, match="已完成"):
            act()
        assert db_state() == before


def test_a_stale_close_is_refused(world):
    task = new_task(world.village_a)
    seen = task.lock_version
    services.update_task(world.users["street_a"], Task.objects.get(pk=task.pk), {"owner": "王五"})
    before = db_state()
    with pytest.raises(EditConflict):
        services.close_task(
            world.users["secretary_a"], Task.objects.get(pk=task.pk), "完成", pdf(), expected_version=seen
        )
    assert db_state() == before


def test_cancel_needs_a_reason(world):
    task = new_task(world.village_a)
    with pytest.raises(ValidationError):
        services.cancel_task(world.users["street_a"], task, "  ")
    services.cancel_task(world.users["street_a"], task, "并入其他任务")
    assert Task.objects.get(pk=task.pk).status == TaskStatus.CANCELLED


def test_focus_area_must_fit_the_organisation(world):
    community_only = FocusArea.objects.get(code="elderly_care")
    with pytest.raises(ValidationError, match="不适用"):
        new_task(world.village_a, focus_area=community_only)
    both = FocusArea.objects.get(code="services_down")
    assert new_task(world.village_a, focus_area=both).focus_area == both
    assert new_task(world.community_a, focus_area=community_only).focus_area == community_only


def test_the_focus_areas_are_seeded_from_the_data_file():
    assert FocusArea.objects.filter(area_kind="rural").count() == 4
    assert FocusArea.objects.filter(area_kind="community").count() == 4
    assert FocusArea.objects.filter(area_kind="").count() == 1  # 政务服务事项下沉: both


# --- from the gap list ----------------------------------------------------------------------------------


def test_tasks_from_the_gap_list_one_per_item_and_a_second_click_adds_nothing(world, rulebooks):
    actor = system_user()
    rule_services.save_scores(actor, world.village_a, YEAR, {**ZBGY_FULL, **CYXW_AT_18, **STJY_FULL})
    created = services.create_from_gaps(world.users["street_a"], world.village_a, YEAR)
    keys = {(t.star_code, t.indicator_code) for t in created}
    # 产业兴旺星 at exactly 80 points but 村集体经济收入 18 < 20 万元: one task for that indicator
    assert ("cyxw", "cyxw.income") in keys
    income = next(t for t in created if t.indicator_code == "cyxw.income")
    assert "村集体经济收入" in income.title and income.deadline == dt.date(YEAR, 12, 31)
    # tagged with the focus area the rulebook names for the indicator (2023-rural.yaml)
    assert income.focus_area is not None and income.focus_area.name == "农村集体经济增收"
    # 生态宜居星 is awarded, 支部过硬星 only waits for the other stars (须先获得): no task for either
    assert not {k for k in keys if k[0] in ("zbgy", "stjy")}
    assert len(keys) == len(created)
    again = services.create_from_gaps(world.users["street_a"], world.village_a, YEAR)
    assert again == []
    assert Task.objects.filter(org=world.village_a).count() == len(created)
    # closing one lets a gap that is still there get a new task
    services.close_task(actor, income, "已完成", pdf())
    third = services.create_from_gaps(world.users["street_a"], world.village_a, YEAR)
    assert [(t.star_code, t.indicator_code) for t in third] == [("cyxw", "cyxw.income")]


def test_the_database_refuses_a_second_open_task_for_one_gap(world):
    new_task(world.village_a, star_code="cyxw", indicator_code="cyxw.income")
    with pytest.raises(ValidationError):
        new_task(world.village_a, star_code="cyxw", indicator_code="cyxw.income")


# --- authority ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["secretary_a", "leader", "unit", "street_b"])
def test_who_may_not_create_tasks_from_the_gap_list(world, rulebooks, who):
    before = db_state()
    with pytest.raises(PermissionDenied):
        services.create_from_gaps(world.users[who], world.village_a, YEAR)
    assert db_state() == before


def test_who_may_not_create_tasks_by_hand(world):
    for who in ("secretary_a", "leader", "unit", "street_b"):
        before = db_state()
        with pytest.raises(PermissionDenied):
            services.create_task(
                world.users[who], world.village_a, year=YEAR, title="x", deadline=dt.date(YEAR, 6, 30)
            )
        assert db_state() == before


@pytest.mark.parametrize("who", ["leader", "unit", "street_b"])
def test_who_may_not_progress_or_close(world, who):
    task = new_task(world.village_a)
    services.add_note(system_user(), task, "照片", pdf())
    before = db_state()
    with pytest.raises(PermissionDenied):
        services.add_note(world.users[who], task, "进展")
    with pytest.raises(PermissionDenied):
        services.close_task(world.users[who], task, "完成")
    assert db_state() == before


def test_a_secretary_progresses_only_her_own_tasks_and_never_cancels(world):
    own, other = new_task(world.village_a), new_task(world.village_b)
    secretary = world.users["secretary_a"]
    before = db_state()
    with pytest.raises(PermissionDenied):
        services.add_note(secretary, other, "进展")
    with pytest.raises(PermissionDenied):
        services.cancel_task(secretary, own, "不做了")
    assert db_state() == before
    services.add_note(secretary, own, "进展")


def test_scoped_reads(world):
    a, b = new_task(world.village_a), new_task(world.village_b)
    seen = {
        who: set(queries.visible_tasks(world.users[who]).values_list("pk", flat=True))
        for who in ("admin", "leader", "street_a", "secretary_a", "unit")
    }
    assert seen["admin"] >= {a.pk, b.pk} and seen["leader"] >= {a.pk, b.pk}
    assert a.pk in seen["street_a"] and b.pk not in seen["street_a"]
    assert a.pk in seen["secretary_a"] and b.pk not in seen["secretary_a"]
    assert a.pk in seen["unit"] and b.pk not in seen["unit"]  # the unit helps village A only


# --- dispatched units ---------------------------------------------------------------------------------------


def test_a_unit_logs_visits_only_to_its_organisations(world):
    unit = world.users["unit"]
    visit = services.log_visit(
        unit, world.village_a, visited_on=dt.date(2024, 3, 1), money=Decimal("5000.00")
    )
    assert (visit.unit_id, visit.money) == (world.unit.pk, Decimal("5000.00"))
    before = db_state()
    with pytest.raises(PermissionDenied):
        services.log_visit(unit, world.village_b, visited_on=dt.date(2024, 3, 1))
    with pytest.raises(PermissionDenied):
        services.log_visit(world.users["street_a"], world.village_a, visited_on=dt.date(2024, 3, 1))
    with pytest.raises(ValidationError):  # no unit assigned to 阳光社区
        services.log_visit(system_user(), world.community_a, visited_on=dt.date(2024, 3, 1))
    assert db_state() == before


@pytest.mark.parametrize(("days_before", "behind"), [(89, False), (90, False), (91, True)])
def test_a_visit_exactly_at_the_period_start_still_counts(world, days_before, behind):
    on = dt.date(2024, 6, 30)
    HelpVisit.objects.create(
        unit=world.unit, org=world.village_a, visited_on=on - dt.timedelta(days=days_before)
    )
    report = queries.coverage(world.users["admin"], 90, on)
    line = next(u for u in report.units if u.unit.pk == world.unit.pk)
    assert line.behind is behind
    assert line.visits == (0 if behind else 1)


def test_coverage_lists_organisations_without_a_unit(world):
    report = queries.coverage(world.users["admin"], 90, dt.date(2024, 6, 30))
    assert world.community_a.pk in {o.pk for o in report.orgs_without_unit}
    assert world.village_a.pk not in {o.pk for o in report.orgs_without_unit}
    street = queries.coverage(world.users["street_a"], 90, dt.date(2024, 6, 30))
    assert world.village_b.pk not in {o.pk for o in street.orgs_without_unit}


# --- what is due ------------------------------------------------------------------------------------------


def test_due_items_count_overdue_and_soon_at_the_boundaries(world):
    on = dt.date(2024, 6, 10)
    new_task(world.village_a, year=2024, deadline=on - dt.timedelta(days=1))  # overdue
    new_task(world.village_a, year=2024, deadline=on)  # due today: not overdue
    new_task(world.village_a, year=2024, deadline=on + dt.timedelta(days=7))  # within 7 days
    new_task(world.village_a, year=2024, deadline=on + dt.timedelta(days=8))  # not yet
    new_task(world.village_b, year=2024, deadline=on - dt.timedelta(days=1))  # another street
    due = {d.label: d.count for d in queries.due_for(world.users["secretary_a"], on) if "任务" in d.label}
    assert due == {"短板任务已逾期": 1, "短板任务 7 天内到期": 2}
    admin = {d.label: d.count for d in queries.due_for(world.users["admin"], on)}
    assert admin["短板任务已逾期"] == 2


def test_a_secretary_short_of_central_trainings_sees_how_many_are_missing(world):
    from wuxing.boards import training
    from wuxing.orgs.models import Person

    on = dt.date(2024, 6, 10)
    labels = [d for d in queries.due_for(world.users["secretary_a"], on) if "培训" in d.label]
    assert [(d.label, d.count) for d in labels] == [
        ("2024 年区集中培训尚缺次数（已参加 0 次，要求 2 次）", 2)
    ]
    person = Person.objects.get(pk=world.secretary_a.pk)
    for day in (dt.date(2024, 3, 1), dt.date(2024, 5, 1)):
        s = training.create_session(system_user(), topic="培训", kind="central", held_on=day)
        training.add_attendance(system_user(), s, [(person, world.village_a)])
    assert not [d for d in queries.due_for(world.users["secretary_a"], on) if "培训" in d.label]


def test_the_district_sees_how_many_units_are_behind(world):
    on = dt.date(2024, 6, 30)
    assert queries.units_behind_count(90, on) == 2  # both units have a village and no visit
    HelpVisit.objects.create(unit=world.unit, org=world.village_a, visited_on=on - dt.timedelta(days=90))
    assert queries.units_behind_count(90, on) == 1
    due = {d.label: d.count for d in queries.due_for(world.users["admin"], on)}
    assert due["区直单位 90 天内未走访"] == 1
    assert "区直单位 90 天内未走访" not in {d.label for d in queries.due_for(world.users["street_a"], on)}


def test_nothing_waits_for_a_leader(world):
    on = dt.date(2024, 6, 10)
    new_task(world.village_a, year=2024, deadline=on - dt.timedelta(days=1))
    assert queries.due_for(world.users["leader"], on) == []
    assert queries.due_for(world.users["admin"], on)
