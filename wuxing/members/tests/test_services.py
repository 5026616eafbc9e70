"""The services: a whole path to full membership, refusals that change nothing, the district's override
with its reason, who records which step, quotas, optimistic locking, identity checks, rule versions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from wuxing.core.locking import EditConflict
from wuxing.core.models import DecisionLog
from wuxing.members import checks, idcard, services, steps
from wuxing.members.limits import ParamBook
from wuxing.members.models import Applicant, StepEvent
from wuxing.members.tests.conftest import db_state
from wuxing.members.tests.helpers import new_applicant, walk

pytestmark = pytest.mark.django_db
D = dt.date


def test_a_whole_path_from_application_to_full_membership(world: Any) -> None:
    admin = world.users["admin"]
    a = new_applicant(admin, world.village_a)
    walk(admin, a, D(2021, 3, 1))
    file = checks.PersonFile.of(a)
    assert file.last_step == 25
    assert steps.standing(file.last_step) == "正式党员"
    assert not StepEvent.objects.filter(applicant=a).exclude(overridden="").exists()
    assert set(file.documents) == {"r1", "r2", "r3", "r4", "a1", "a2", "a3", "n1", "n2"}
    log = DecisionLog.objects.filter(object_id=str(a.pk), action="members.step")
    assert log.filter(to_state="预备党员").exists() and log.filter(to_state="正式党员").exists()


@pytest.mark.parametrize(
    ("until", "standing"), [(2, "入党申请人"), (6, "入党积极分子"), (14, "发展对象"), (20, "预备党员")]
)
def test_the_standing_follows_the_events(world: Any, until: int, standing: str) -> None:
    a = new_applicant(world.users["admin"], world.village_a)
    walk(world.users["admin"], a, D(2021, 3, 1), until)
    assert steps.standing(checks.PersonFile.of(a).last_step) == standing


def test_a_refused_step_changes_nothing_and_names_the_rule(world: Any) -> None:
    admin = world.users["admin"]
    a = new_applicant(admin, world.village_a)
    services.record_step(admin, a, 1, D(2024, 1, 31))
    before = db_state()
    with pytest.raises(ValidationError) as exc:
        services.record_step(admin, a, 2, D(2024, 3, 1))
    assert "【一个月内谈话】" in exc.value.messages[0] and "2024-02-29" in exc.value.messages[0]
    assert db_state() == before


def test_only_the_district_sets_a_rule_aside_and_only_with_a_reason(world: Any) -> None:
    admin, street = world.users["admin"], world.users["street_a"]
    a = new_applicant(admin, world.village_a)
    services.record_step(admin, a, 1, D(2024, 1, 31))
    before = db_state()
    with pytest.raises(PermissionDenied):
        services.record_step(street, a, 2, D(2024, 3, 1), override_reason="书记外出学习")
    with pytest.raises(ValidationError):
        services.record_step(admin, a, 2, D(2024, 3, 1), override_reason="  ")
    assert db_state() == before
    done = services.record_step(admin, a, 2, D(2024, 3, 1), override_reason="书记外出学习，经区委组织部同意")
    assert done.event is not None and "一个月内谈话" in done.event.overridden
    assert done.event.override_reason == "书记外出学习，经区委组织部同意"
    log = DecisionLog.objects.get(object_id=str(a.pk), action="members.step_override")
    assert "书记外出学习" in log.comment and log.actor == admin


def test_the_secretary_records_the_branch_steps_not_the_committees(world: Any) -> None:
    secretary, admin = world.users["secretary_a"], world.users["admin"]
    a = new_applicant(admin, world.village_a)
    walk(admin, a, D(2021, 3, 1), 12)
    b = new_applicant(admin, world.village_b)
    before = db_state()
    with pytest.raises(PermissionDenied):
        services.add_document(secretary, a, "a1", D(2022, 10, 1))  # an approval is the committee's
    with pytest.raises(PermissionDenied):
        services.record_step(secretary, a, 13, D(2022, 10, 1))
    with pytest.raises(PermissionDenied):
        services.record_step(secretary, b, 1, D(2022, 10, 1))
    with pytest.raises(PermissionDenied):
        services.record_step(world.users["street_a"], b, 1, D(2022, 10, 1))
    with pytest.raises(PermissionDenied):
        services.record_step(world.users["leader"], a, 13, D(2022, 10, 1))
    assert db_state() == before
    fresh = new_applicant(admin, world.village_a, name="秦雨")
    assert services.record_step(secretary, fresh, 1, D(2022, 10, 1)).event is not None


def test_a_quota_about_to_be_exceeded_warns(world: Any) -> None:
    admin = world.users["admin"]
    first, second = (new_applicant(admin, world.village_a, name=n) for n in ("甲", "乙"))
    d0 = D(2021, 3, 1)
    start = walk(admin, first, d0, 14)
    assert start == []
    services.set_quota(admin, world.village_a, 2022, 1, "年度计划")
    warnings = walk(admin, first, d0, 15)
    walk(admin, second, d0, 14)
    assert warnings == []
    with_first = walk(admin, second, d0, 15)
    assert len(with_first) == 1 and "控总量" in with_first[0] and "计划 1 名" in with_first[0]


def test_quotas_are_the_districts(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.set_quota(world.users["street_a"], world.village_a, 2024, 3)
    with pytest.raises(ValidationError):
        services.set_quota(world.users["admin"], world.street_a, 2024, 3)
    q = services.set_quota(world.users["admin"], world.village_a, 2024, 3, "计划")
    assert services.set_quota(world.users["admin"], world.village_a, 2024, 4).pk == q.pk


def test_a_step_on_a_stale_page_is_a_conflict(world: Any) -> None:
    admin = world.users["admin"]
    a = new_applicant(admin, world.village_a)
    seen = a.lock_version
    services.record_step(admin, Applicant.objects.get(pk=a.pk), 1, D(2024, 1, 3))
    before = db_state()
    with pytest.raises(EditConflict):
        services.record_step(admin, a, 2, D(2024, 1, 10), expected_version=seen)
    assert db_state() == before


def test_identity_numbers_are_checked_when_a_file_is_opened(world: Any) -> None:
    admin = world.users["admin"]
    born = D(1996, 2, 29)
    good = idcard.make("130104", born, 3, "F")
    base = {"name": "测", "sex": "F", "birth_date": born, "education": "college"}
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    before = db_state()
    for number, data, words in (
        (bad_check, {}, "校验码"),
        (good, {"birth_date": D(1996, 3, 1)}, "出生日期"),
        (good, {"sex": "M"}, "性别"),
        (good[:15], {}, "18 位"),
    ):
        with pytest.raises(ValidationError) as exc:
            services.create_applicant(admin, world.village_a, {**base, **data, "id_number": number})
        assert words in str(exc.value)
    assert db_state() == before
    services.create_applicant(admin, world.village_a, {**base, "id_number": good.lower()})
    with pytest.raises(ValidationError, match="已建档"):
        services.create_applicant(admin, world.village_a, {**base, "id_number": good})
    with pytest.raises(ValidationError):
        services.create_applicant(
            admin, world.street_a, {**base, "id_number": idcard.make("130104", born, 4, "F")}
        )


def test_a_rule_version_applies_from_its_date(world: Any) -> None:
    admin = world.users["admin"]
    with pytest.raises(PermissionDenied):
        services.save_rule_version(world.users["street_a"], D(2024, 1, 1), {"notice_workdays": 7}, "通知")
    with pytest.raises(ValidationError):
        services.save_rule_version(admin, D(2024, 1, 1), {"notice_workdays": 0}, "通知")
    with pytest.raises(ValidationError):
        services.save_rule_version(admin, D(2024, 1, 1), {"extension_max_months": 3}, "通知")
    services.save_rule_version(admin, D(2024, 1, 1), {"notice_workdays": 7}, "区委组织部通知")
    book = ParamBook()
    assert book.on(D(2023, 12, 31))["notice_workdays"] == 5
    assert book.on(D(2024, 1, 1))["notice_workdays"] == 7
    assert "区委组织部通知" in book.on(D(2024, 1, 1)).source
