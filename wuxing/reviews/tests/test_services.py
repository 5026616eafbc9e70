"""The review's services: every role × transition, allowed and refused (a refusal changes nothing), the
guard on values, locking, and naming."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from wuxing.core.locking import EditConflict
from wuxing.core.management.base import system_user
from wuxing.core.models import DecisionLog
from wuxing.reviews import queries, services
from wuxing.reviews.models import Assessment, NamedResult, Stage, ValueChange
from wuxing.reviews.tests.conftest import db_state
from wuxing.rules import services as rule_services
from wuxing.rules.tests.helpers import CYXW_AT_18, CYXW_FULL, STJY_FULL, ZBGY_FULL

pytestmark = pytest.mark.django_db

NOTICE_DAY = dt.date(2024, 1, 15)  # a Monday: 5 working days to Friday 2024-01-19, long over
ROLES = ("admin", "leader", "street_a", "street_b", "secretary_a", "unit")


def assessment(cycle: Any, org: Any) -> Assessment:
    return Assessment.objects.select_related("cycle", "org").get(cycle=cycle, org=org)


def put_in(a: Assessment, state: str, target: int | None = 3) -> Assessment:
    Assessment.objects.filter(pk=a.pk).update(state=state, target_level=target)
    return Assessment.objects.select_related("cycle", "org").get(pk=a.pk)


def test_opening_creates_a_draft_per_organisation_of_the_kind(cycle: Any, world: Any) -> None:
    orgs = set(Assessment.objects.filter(cycle=cycle).values_list("org_id", flat=True))
    assert orgs == {world.village_a.pk, world.village_b.pk}  # the rural ones; 阳光社区 is a community
    assert cycle.rulebook.is_active and cycle.rulebook.year == 2023
    assert DecisionLog.objects.filter(action="review_opened", object_id=str(cycle.pk)).count() == 1


def test_only_the_district_opens_and_only_once(rulebooks: Any, world: Any) -> None:
    for role in ("leader", "street_a", "secretary_a", "unit"):
        with pytest.raises(PermissionDenied):
            services.open_cycle(world.users[role], 2023, "rural")
    services.open_cycle(world.users["admin"], 2023, "community", opened_on=dt.date(2023, 12, 1))
    with pytest.raises(ValidationError, match="已经启动"):
        services.open_cycle(world.users["admin"], 2023, "community", opened_on=dt.date(2023, 12, 1))
    with pytest.raises(ValidationError, match="尚未启用"):
        services.open_cycle(world.users["admin"], 2019, "rural")


def test_default_deadlines_count_official_working_days(rulebooks: Any, world: Any) -> None:
    # opened Friday 2024-01-26: 15 working days cross the Spring Festival (2024-02-10…17 off, 02-04 and
    # 02-18 are make-up Sundays, 02-09 除夕 is a working day): 01-29…02-02 (5), 02-04 (6), 02-05…02-09 (11),
    # 02-18 (12), 02-19…02-21 (15)
    days = services.default_deadlines(dt.date(2024, 1, 26))
    assert days["self_deadline"] == dt.date(2024, 2, 21)
    assert days["notice_workdays"] == 5
    with pytest.raises(ValidationError, match="2027"):
        services.default_deadlines(dt.date(2026, 12, 10))


# --- every role × transition ----------------------------------------------------------------------------

# (action, state it starts from, roles that succeed on village A — street A's village)
CASES = [
    ("submit", Stage.DRAFT, {"admin", "secretary_a"}),
    ("forward", Stage.SUBMITTED, {"admin", "street_a"}),
    ("return", Stage.SUBMITTED, {"admin", "street_a"}),
    ("approve", Stage.STREET_REVIEWED, {"admin"}),
]


@pytest.mark.parametrize(("action", "start", "allowed"), CASES)
@pytest.mark.parametrize("role", ROLES)
def test_role_and_transition(
    cycle: Any, world: Any, action: str, start: str, allowed: set[str], role: str
) -> None:
    a = put_in(assessment(cycle, world.village_a), start)
    before = db_state()
    user = world.users[role]
    if role in allowed:
        services.transition(user, a, action, "意见", expected_version=a.lock_version)
        a.refresh_from_db()
        assert a.state == services.TO_STATE[action]
        log = DecisionLog.objects.get(object_id=str(a.pk), action=f"review_{action}")
        assert (log.from_state, log.to_state, log.actor, log.comment) == (start, a.state, user, "意见")
        assert log.actor_role == user.role
    else:
        with pytest.raises(PermissionDenied):
            services.transition(user, a, action, "意见", expected_version=a.lock_version)
        assert db_state() == before


@pytest.mark.parametrize(
    ("action", "wrong_state"),
    [
        ("submit", Stage.SUBMITTED),
        ("forward", Stage.DRAFT),
        ("forward", Stage.STREET_REVIEWED),
        ("approve", Stage.SUBMITTED),
        ("return", Stage.DRAFT),
    ],
)
def test_a_transition_at_the_wrong_stage_is_refused_in_chinese(
    cycle: Any, world: Any, action: str, wrong_state: str
) -> None:
    a = put_in(assessment(cycle, world.village_a), wrong_state)
    before = db_state()
    with pytest.raises(ValidationError, match="当前环节"):
        services.transition(world.users["admin"], a, action, "意见")
    assert db_state() == before


def test_the_street_acts_only_at_its_stage_and_returns_need_a_comment(cycle: Any, world: Any) -> None:
    a = put_in(assessment(cycle, world.village_a), Stage.STREET_REVIEWED)
    before = db_state()
    with pytest.raises(ValidationError, match="当前环节"):
        services.transition(world.users["street_a"], a, "return", "再看看")
    a = put_in(a, Stage.SUBMITTED)
    before = db_state()
    with pytest.raises(ValidationError, match="退回必须填写意见"):
        services.transition(world.users["street_a"], a, "return", "  ")
    assert db_state() == before
    # the district returns at its own stage too
    a = put_in(a, Stage.STREET_REVIEWED)
    services.transition(world.users["admin"], a, "return", "佐证不足")
    a.refresh_from_db()
    assert (a.state, a.comment) == (Stage.DRAFT, "佐证不足")


def test_the_other_street_and_a_foreign_secretary_are_refused(cycle: Any, world: Any) -> None:
    b = put_in(assessment(cycle, world.village_b), Stage.DRAFT)
    before = db_state()
    with pytest.raises(PermissionDenied):
        services.transition(world.users["secretary_a"], b, "submit")
    b = put_in(b, Stage.SUBMITTED)
    before = db_state()
    with pytest.raises(PermissionDenied):
        services.transition(world.users["street_a"], b, "forward")
    assert db_state() == before


def test_submitting_needs_a_target_level_set_only_in_draft(cycle: Any, world: Any) -> None:
    a = put_in(assessment(cycle, world.village_a), Stage.DRAFT, target=None)
    with pytest.raises(ValidationError, match="目标星级"):
        services.transition(world.users["secretary_a"], a, "submit")
    a = services.save_target(world.users["secretary_a"], a, 4, expected_version=a.lock_version)
    services.transition(world.users["secretary_a"], a, "submit", expected_version=a.lock_version)
    a.refresh_from_db()
    before = db_state()
    with pytest.raises(ValidationError, match="已提交，待街道退回后才能修改"):
        services.save_target(world.users["secretary_a"], a, 5, expected_version=a.lock_version)
    with pytest.raises(PermissionDenied):
        services.save_target(world.users["street_a"], a, 5)
    assert db_state() == before


# --- locking -----------------------------------------------------------------------------------------------


def test_two_reviewers_the_second_is_told_what_the_first_did(cycle: Any, world: Any) -> None:
    a = assessment(cycle, world.village_a)
    a = services.save_target(world.users["secretary_a"], a, 3, expected_version=a.lock_version)
    a = services.transition(world.users["secretary_a"], a, "submit", expected_version=a.lock_version)
    seen = a.lock_version  # both reviewers open the submitted assessment
    services.transition(world.users["street_a"], a, "return", "缺少佐证", expected_version=seen)
    before = db_state()
    with pytest.raises(EditConflict) as exc:
        services.transition(world.users["admin"], a, "forward", expected_version=seen)
    message = exc.value.messages[0]
    assert "已被他人修改" in message and "环节" in message and "缺少佐证" in message
    assert db_state() == before


# --- values: the guard and the reviewer's changes ----------------------------------------------------------


def test_the_guard_on_values(cycle: Any, world: Any) -> None:
    secretary, street, admin = world.users["secretary_a"], world.users["street_a"], world.users["admin"]
    rule_services.save_scores(secretary, world.village_a, 2023, {"cyxw.income": "18"})  # draft: fine
    a = put_in(assessment(cycle, world.village_a), Stage.SUBMITTED)
    before = db_state()
    with pytest.raises(ValidationError, match="已提交，待街道退回后才能修改"):
        rule_services.save_scores(secretary, world.village_a, 2023, {"cyxw.income": "25"})
    with pytest.raises(ValidationError, match="评审期间请在"):
        rule_services.save_scores(street, world.village_a, 2023, {"cyxw.income": "25"})
    assert db_state() == before
    # another year, and another organisation, are not under review
    rule_services.save_scores(admin, world.village_b, 2023, {"cyxw.income": "25"})
    # back to draft: the secretary may change values again
    services.transition(street, a, "return", "请补充")
    rule_services.save_scores(secretary, world.village_a, 2023, {"cyxw.income": "21"})
    # after naming nobody may
    put_in(a, Stage.DISTRICT_APPROVED)
    put_in(assessment(cycle, world.village_b), Stage.DISTRICT_APPROVED)
    services.start_notice(admin, cycle, NOTICE_DAY)
    services.name_cycle(admin, cycle)
    for user in (secretary, street, admin, system_user()):
        with pytest.raises(ValidationError, match="该年度已命名，数值不能再修改"):
            rule_services.save_scores(user, world.village_a, 2023, {"cyxw.income": "30"})


def test_a_reviewer_changes_a_value_with_a_reason(cycle: Any, world: Any) -> None:
    street = world.users["street_a"]
    rule_services.save_scores(world.users["secretary_a"], world.village_a, 2023, {"cyxw.income": "85"})
    a = put_in(assessment(cycle, world.village_a), Stage.SUBMITTED)
    before = db_state()
    with pytest.raises(ValidationError, match="必须填写理由"):
        services.change_value(street, a, "cyxw.income", "80", " ", shown="85")
    for role in ("secretary_a", "leader", "unit", "street_b"):
        with pytest.raises(PermissionDenied):
            services.change_value(world.users[role], a, "cyxw.income", "80", "核减", shown="85")
    assert db_state() == before
    change = services.change_value(street, a, "cyxw.income", "80", "台账只能证明80万元", shown="85")
    assert (change.from_value, change.to_value, change.stage, change.by) == (85, 80, Stage.SUBMITTED, street)
    assert world.village_a.scores.get(year=2023, indicator_code="cyxw.income").value == 80
    log = DecisionLog.objects.get(action="review_value_changed")
    assert (log.from_state, log.to_state) == ("85", "80")
    # a second reviewer working from the page that showed 85 is told, and nothing is written
    before = db_state()
    with pytest.raises(ValidationError, match="已被他人修改"):
        services.change_value(world.users["admin"], a, "cyxw.income", "70", "再核减", shown="85")
    assert db_state() == before
    # once forwarded, the street's stage is over; the district may still change values
    a = put_in(a, Stage.STREET_REVIEWED)
    with pytest.raises(ValidationError, match="当前环节"):
        services.change_value(street, a, "cyxw.income", "70", "再核减", shown="80")
    services.change_value(world.users["admin"], a, "cyxw.income", "75", "区级复核", shown="80")
    assert ValueChange.objects.count() == 2


# --- bulk approval and naming --------------------------------------------------------------------------------


def test_bulk_approval_all_forwarded_or_the_selected(cycle: Any, world: Any) -> None:
    admin = world.users["admin"]
    a = put_in(assessment(cycle, world.village_a), Stage.STREET_REVIEWED)
    b = put_in(assessment(cycle, world.village_b), Stage.SUBMITTED)
    before = db_state()
    with pytest.raises(ValidationError, match="后万金村"):
        services.approve_bulk(admin, cycle, [a.pk, b.pk])
    with pytest.raises(PermissionDenied):
        services.approve_bulk(world.users["street_a"], cycle)
    assert db_state() == before
    assert services.approve_bulk(admin, cycle, comment="集体研究") == 1
    a.refresh_from_db()
    assert a.state == Stage.DISTRICT_APPROVED and a.lock_version == 1
    assert DecisionLog.objects.filter(action="review_approve", object_id=str(a.pk)).count() == 1
    assert a.history.count() == 2  # opened, approved


def test_naming_freezes_the_result_and_a_later_rulebook_never_changes_it(
    cycle: Any, world: Any, rulebooks: Any
) -> None:
    admin = world.users["admin"]
    rule_services.save_scores(admin, world.village_a, 2023, {**ZBGY_FULL, **CYXW_FULL, **STJY_FULL})
    rule_services.save_scores(admin, world.village_b, 2023, {**ZBGY_FULL, **CYXW_AT_18})
    a = put_in(assessment(cycle, world.village_a), Stage.STREET_REVIEWED)
    services.approve_bulk(admin, cycle, [a.pk])
    put_in(assessment(cycle, world.village_b), Stage.DISTRICT_APPROVED)
    with pytest.raises(PermissionDenied):
        services.name_cycle(world.users["leader"], cycle)
    live = {r.org_id: r for r in queries.year_results(admin, 2023) if r.kind == "rural"}
    assert {r.source for r in live.values()} == {"live"}
    with pytest.raises(ValidationError, match="请先发布公示"):
        services.name_cycle(admin, cycle)
    services.start_notice(admin, cycle, NOTICE_DAY)
    assert services.name_cycle(admin, cycle, "经公示无异议") == 2
    named = {r.org_id: r for r in queries.year_results(admin, 2023) if r.kind == "rural"}
    assert {r.source for r in named.values()} == {"named"}
    assert {k: (r.level, r.stars, r.points) for k, r in named.items()} == {
        k: (r.level, r.stars, r.points) for k, r in live.items()
    }
    assert named[world.village_a.pk].level >= 2
    # a stricter rulebook activated afterwards changes the live rating but not the named record
    strict = rule_services.tune_version(admin, rulebooks["rural"], {("cyxw.income", "target"): 30})
    assert strict.is_active
    from wuxing.rules import queries as rule_queries

    relived = {r.org_id: r for r in rule_queries.rate(admin, 2023, kind="rural", live=True)}
    assert relived[world.village_a.pk].level < named[world.village_a.pk].level
    after = {r.org_id: r for r in queries.year_results(admin, 2023) if r.kind == "rural"}
    assert {k: (r.level, r.stars, r.points, r.rulebook_version) for k, r in after.items()} == {
        k: (r.level, r.stars, r.points, r.rulebook_version) for k, r in named.items()
    }
    assert NamedResult.objects.filter(year=2023, rulebook=rulebooks["rural"]).count() == 2
    # after naming nothing changes
    a.refresh_from_db()
    assert a.state == Stage.NAMED
    for action in ("return", "approve"):
        with pytest.raises(ValidationError, match="已命名"):
            services.transition(admin, a, action, "改")
    with pytest.raises(ValidationError, match="已经命名"):
        services.name_cycle(admin, cycle)


def test_a_secretary_sees_only_their_own_results_and_history(cycle: Any, world: Any) -> None:
    put_in(assessment(cycle, world.village_a), Stage.DISTRICT_APPROVED)
    put_in(assessment(cycle, world.village_b), Stage.DISTRICT_APPROVED)
    services.start_notice(world.users["admin"], cycle, NOTICE_DAY)
    services.name_cycle(world.users["admin"], cycle)
    rows = queries.year_results(world.users["secretary_a"], 2023)
    assert {r.org_id for r in rows} == {world.village_a.pk}
    history = queries.star_history(world.users["secretary_a"], world.village_a)
    assert [(h.year, h.source) for h in history] == [(2023, "named")]


# --- public notice and objections ----------------------------------------------------------------------------


def approve_all(cycle: Any) -> None:
    Assessment.objects.filter(cycle=cycle).update(state=Stage.DISTRICT_APPROVED, target_level=3)


@pytest.mark.parametrize(
    ("start", "first", "last"),
    [
        # 2024 Spring Festival: 02-10…02-17 off, Sunday 02-04 and Sunday 02-18 make-up working days
        (dt.date(2024, 2, 7), dt.date(2024, 2, 7), dt.date(2024, 2, 19)),  # 7, 8, 9, (holiday), 18, 19
        (dt.date(2024, 2, 4), dt.date(2024, 2, 4), dt.date(2024, 2, 8)),  # starts on the make-up Sunday
        (dt.date(2024, 2, 10), dt.date(2024, 2, 18), dt.date(2024, 2, 22)),  # opened in the holiday
        (dt.date(2024, 1, 13), dt.date(2024, 1, 15), dt.date(2024, 1, 19)),  # a plain Saturday
    ],
)
def test_the_notice_period_counts_official_working_days(
    start: dt.date, first: dt.date, last: dt.date
) -> None:
    assert services.notice_period(start, 5) == (first, last)


def test_the_notice_period_in_2027_needs_the_entered_schedule(world: Any) -> None:
    from wuxing.core.services import save_holiday_year

    with pytest.raises(ValidationError, match="2027"):
        services.notice_period(dt.date(2027, 2, 3), 5)
    save_holiday_year(
        world.users["admin"],
        2027,
        "2027-02-06 至 2027-02-13 春节 放假\n2027-02-14 春节 上班",
        "国办发明电〔2026〕测试号",
    )
    # Wed 02-03, Thu 02-04, Fri 02-05, (02-06…02-13 off), Sun 02-14 make-up, Mon 02-15
    assert services.notice_period(dt.date(2027, 2, 3), 5) == (dt.date(2027, 2, 3), dt.date(2027, 2, 15))


def test_notice_objections_and_naming(cycle: Any, world: Any) -> None:
    admin, street = world.users["admin"], world.users["street_a"]
    a = put_in(assessment(cycle, world.village_a), Stage.STREET_REVIEWED)
    with pytest.raises(ValidationError, match="还有 2 个组织未经区级审核通过"):
        services.start_notice(admin, cycle, NOTICE_DAY)
    approve_all(cycle)
    with pytest.raises(PermissionDenied):
        services.start_notice(street, cycle, NOTICE_DAY)
    with pytest.raises(ValidationError, match="不在公示期"):
        services.record_objection(admin, cycle, world.village_a, NOTICE_DAY, "有信访")
    cycle = services.start_notice(admin, cycle, NOTICE_DAY)
    assert (cycle.notice_start, cycle.notice_end, cycle.status) == (
        NOTICE_DAY,
        dt.date(2024, 1, 19),
        "notice",
    )
    before = db_state()
    with pytest.raises(ValidationError, match="公示期内"):
        services.record_objection(admin, cycle, world.village_a, dt.date(2024, 1, 22), "有信访")
    for role in ("street_b", "secretary_a", "leader", "unit"):
        with pytest.raises(PermissionDenied):
            services.record_objection(world.users[role], cycle, world.village_a, NOTICE_DAY, "有信访")
    assert db_state() == before
    objection = services.record_objection(
        street, cycle, world.village_a, dt.date(2024, 1, 17), "群众反映集体收入不实"
    )
    with pytest.raises(ValidationError, match="1 条异议未处理"):
        services.name_cycle(admin, cycle)
    with pytest.raises(PermissionDenied):
        services.resolve_objection(street, objection, "核实")
    with pytest.raises(ValidationError, match="处理结果"):
        services.resolve_objection(admin, objection, " ")
    services.resolve_objection(admin, objection, "经核实，收入有审计报告为证，维持")
    assert services.name_cycle(admin, cycle) == 2
    a.refresh_from_db()
    assert a.state == Stage.NAMED
    actions = list(DecisionLog.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-6:] == ["review_notice", "objection_recorded", "objection_resolved"] + [
        "review_name"
    ] * 2 + ["review_named"]


def test_naming_waits_for_the_end_of_the_notice(cycle: Any, world: Any, monkeypatch: Any) -> None:
    approve_all(cycle)
    cycle = services.start_notice(world.users["admin"], cycle, NOTICE_DAY)
    monkeypatch.setattr(services, "today", lambda: dt.date(2024, 1, 19))  # its last day
    with pytest.raises(ValidationError, match="2024-01-19 结束"):
        services.name_cycle(world.users["admin"], cycle)
    monkeypatch.setattr(services, "today", lambda: dt.date(2024, 1, 20))
    assert services.name_cycle(world.users["admin"], cycle) == 2


# --- star removal ------------------------------------------------------------------------------------------------


def test_star_removal_keeps_both_states_and_says_why(cycle: Any, world: Any, monkeypatch: Any) -> None:
    admin = world.users["admin"]
    rule_services.save_scores(admin, world.village_a, 2023, {**ZBGY_FULL, **CYXW_FULL, **STJY_FULL})
    approve_all(cycle)
    services.start_notice(admin, cycle, NOTICE_DAY)
    services.name_cycle(admin, cycle)
    result = NamedResult.objects.get(org=world.village_a, year=2023)
    assert "cyxw" in result.stars
    veto = rule_services.record_veto(
        admin, world.village_a, 2023, "pafz.petition", dt.date(2023, 11, 2), "越级上访"
    )
    before = db_state()
    for role in ("street_a", "leader", "secretary_a"):
        with pytest.raises(PermissionDenied):
            services.remove_star(world.users[role], result, "cyxw", dt.date(2027, 6, 1), "刑事案件")
    with pytest.raises(ValidationError, match="必须填写原因"):
        services.remove_star(admin, result, "cyxw", dt.date(2027, 6, 1), " ")
    with pytest.raises(ValidationError, match="命名时没有这颗星"):
        services.remove_star(admin, result, "pafz", dt.date(2027, 6, 1), "刑事案件")
    NamedResult.objects.filter(pk=result.pk).update(named_at=dt.datetime(2024, 1, 25, 2, tzinfo=dt.UTC))
    with pytest.raises(ValidationError, match="摘星日期"):
        services.remove_star(admin, result, "cyxw", dt.date(2024, 1, 24), "刑事案件")  # before naming
    with pytest.raises(ValidationError, match="摘星日期"):
        services.remove_star(admin, result, "cyxw", dt.date(2027, 6, 1), "刑事案件")  # in the future
    assert db_state() == before
    monkeypatch.setattr(services, "today", lambda: dt.date(2027, 6, 30))
    services.remove_star(admin, result, "cyxw", dt.date(2027, 6, 1), "村干部涉刑事案件，“三零”未达标", veto)
    with pytest.raises(ValidationError, match="已经摘除"):
        services.remove_star(admin, result, "cyxw", dt.date(2027, 6, 2), "重复")
    result.refresh_from_db()
    assert "cyxw" in result.stars  # the named state is kept
    row = next(r for r in queries.year_results(admin, 2023) if r.org_id == world.village_a.pk)
    assert row.source == "named" and "cyxw" not in row.stars
    assert (row.level, row.named_level) == (result.level - 1, result.level)
    assert [(x.star_code, x.reason, x.veto_event) for x in row.removed] == [
        ("cyxw", "村干部涉刑事案件，“三零”未达标", veto)
    ]
    log = DecisionLog.objects.get(action="star_removed")
    assert (log.from_state, log.to_state) == (f"{result.level}星", f"{result.level - 1}星")
    assert "产业兴旺星" in log.comment


def test_a_branch_created_after_opening_gets_a_draft_and_holds_the_notice_back(
    cycle: Any, world: Any
) -> None:
    from wuxing.orgs import services as org_services

    admin = world.users["admin"]
    approve_all(cycle)
    late = org_services.create_branch(
        admin,
        world.street_a,
        {
            "code": "ZB009",
            "name": "新建村",
            "area_kind": "rural",
            "branch_type": "branch",
            "member_count": 20,
        },
    )
    assert assessment(cycle, late).state == Stage.DRAFT  # registered through the service: a draft at once
    Assessment.objects.filter(cycle=cycle, org=late).delete()  # as after a bulk registry import
    with pytest.raises(ValidationError, match="还有 1 个组织未经区级审核通过"):
        services.start_notice(admin, cycle, NOTICE_DAY)
    assert assessment(cycle, late).state == Stage.DRAFT  # caught up, and kept
