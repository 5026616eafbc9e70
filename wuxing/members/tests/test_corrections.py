"""Correcting mistakes (decisions §80): a person's details edited with the creation's checks, a reason and
the version the editor saw; the latest step event or a document nothing rests on withdrawn (kept, struck
through, no longer read) and recorded again; who may do it; every refusal changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from wuxing.core.locking import CONFLICT_MESSAGE
from wuxing.core.models import DecisionLog
from wuxing.members import checks, idcard, queries, services, steps
from wuxing.members.models import Applicant, Document, StepEvent
from wuxing.members.tests.conftest import db_state
from wuxing.members.tests.helpers import new_applicant, walk

pytestmark = pytest.mark.django_db
D = dt.date
BORN = D(1995, 5, 5)


def client(role: str) -> Client:
    from wuxing.accounts.models import User

    c = Client()
    c.force_login(User.objects.get(username=role))
    return c


def edit_form(a: Applicant, **changes: Any) -> dict[str, Any]:
    return {
        "org": a.org_id,
        "name": a.name,
        "id_number": "",
        "sex": a.sex,
        "birth_date": f"{a.birth_date:%Y-%m-%d}",
        "education": a.education,
        "occupation": a.occupation,
        "reason": "录入有误",
        "lock_version": a.lock_version,
        **changes,
    }


def test_the_secretary_corrects_a_name_with_a_reason(world: Any) -> None:
    a = new_applicant(world.users["admin"], world.village_a, born=BORN)
    c = client("secretary_a")
    page = c.get(f"/members/{a.pk}/edit/").content.decode()
    assert idcard.mask_id(a.id_number) in page and a.id_number not in page  # masked on the page
    r = c.post(f"/members/{a.pk}/edit/", edit_form(a, name="林晓雨", education="graduate"))
    assert r.status_code == 302
    a.refresh_from_db()
    assert (a.name, a.education, a.lock_version) == ("林晓雨", "graduate", 1)
    log = DecisionLog.objects.get(object_id=str(a.pk), action="members.edit")
    assert "姓名" in log.comment and "学历" in log.comment and "录入有误" in log.comment
    assert a.history.first().history_change_reason == "录入有误"
    assert "修改信息" in c.get(f"/members/{a.pk}/").content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reason": ""}, "这个字段是必填项"),
        ({"id_number": "130104199505050019"}, "校验"),
        ({"birth_date": "1995-05-06"}, "出生日期"),
        ({"sex": "M"}, "性别"),
        ({"lock_version": 7}, CONFLICT_MESSAGE),
    ],
)
def test_each_refused_edit_changes_nothing(world: Any, changes: dict[str, Any], message: str) -> None:
    a = new_applicant(world.users["admin"], world.village_a, born=BORN, sex="F")
    before = db_state()
    r = client("street_a").post(f"/members/{a.pk}/edit/", edit_form(a, name="改名", **changes))
    assert r.status_code == 200
    assert message in r.content.decode()
    assert db_state() == before


def test_a_stale_form_is_the_conflict_message(world: Any) -> None:
    admin = world.users["admin"]
    a = new_applicant(admin, world.village_a, born=BORN)
    seen = a.lock_version
    services.update_applicant(admin, Applicant.objects.get(pk=a.pk), a.org, {"name": "甲"}, "更正")
    before = db_state()
    r = client("secretary_a").post(f"/members/{a.pk}/edit/", edit_form(a, name="乙", lock_version=seen))
    assert CONFLICT_MESSAGE in r.content.decode() and "您的修改没有保存" in r.content.decode()
    assert db_state() == before and Applicant.objects.get(pk=a.pk).name == "甲"


def test_a_new_identity_number_is_checked_like_at_creation(world: Any) -> None:
    admin = world.users["admin"]
    a = new_applicant(admin, world.village_a, born=BORN, sex="F")
    other = new_applicant(admin, world.village_a, born=D(1996, 1, 1), sex="M")
    before = db_state()
    with pytest.raises(ValidationError) as exc:  # already somebody's file
        services.update_applicant(
            admin, a, a.org, {"id_number": other.id_number, "birth_date": D(1996, 1, 1), "sex": "M"}, "更正"
        )
    assert "一人一档" in str(exc.value)
    with pytest.raises(ValidationError):  # the number says 1996-01-01, male
        services.update_applicant(
            admin, a, a.org, {"id_number": idcard.make("130104", D(1996, 1, 1), 9, "M")}, "更正"
        )
    assert db_state() == before
    new = idcard.make("130104", D(1996, 1, 1), 9, "M")
    services.update_applicant(
        admin, a, a.org, {"id_number": new, "birth_date": D(1996, 1, 1), "sex": "M"}, "身份证号录错"
    )
    a.refresh_from_db()
    assert (a.id_number, a.birth_date, a.sex) == (new, D(1996, 1, 1), "M")


def test_who_may_edit(world: Any) -> None:
    a = new_applicant(world.users["admin"], world.village_a, born=BORN)
    before = db_state()
    assert client("street_b").get(f"/members/{a.pk}/edit/").status_code == 404
    assert client("street_b").post(f"/members/{a.pk}/edit/", edit_form(a, name="x")).status_code == 404
    for role in ("leader", "unit"):
        assert client(role).get(f"/members/{a.pk}/edit/").status_code == 403
        assert client(role).post(f"/members/{a.pk}/edit/", edit_form(a, name="x")).status_code == 403
        assert f"/members/{a.pk}/edit/" not in client(role).get(f"/members/{a.pk}/").content.decode()
    with pytest.raises(PermissionDenied):  # not into an organisation the editor may not open files for
        services.update_applicant(world.users["street_a"], a, world.village_b, {}, "调动")
    assert db_state() == before


# --- withdrawing ------------------------------------------------------------------------------------------


def test_withdrawing_the_latest_step_takes_the_stage_back_and_it_can_be_recorded_again(world: Any) -> None:
    admin = world.users["admin"]
    a = new_applicant(admin, world.village_a)
    walk(admin, a, D(2021, 3, 1), 3)  # activist, and the request to confirm (r1)
    r1 = Document.objects.get(applicant=a, kind="r1")
    third = StepEvent.objects.get(applicant=a, step=3)
    before = db_state()
    with pytest.raises(ValidationError) as exc:  # the request rests on the step
        services.withdraw_event(admin, third, "录错")
    assert "请先撤回该文书" in exc.value.messages[0]
    assert db_state() == before
    c = client("admin")
    a.refresh_from_db()
    assert (
        c.post(
            f"/members/{a.pk}/documents/{r1.pk}/withdraw/",
            {"reason": "文号有误", "lock_version": a.lock_version},
        ).status_code
        == 302
    )
    a.refresh_from_db()
    r = c.post(
        f"/members/{a.pk}/steps/{third.pk}/withdraw/", {"reason": "会议未开", "lock_version": a.lock_version}
    )
    assert r.status_code == 302
    third.refresh_from_db()
    assert (
        third.withdrawn_at is not None and third.withdrawn_by == admin and third.withdraw_reason == "会议未开"
    )
    file = checks.PersonFile.of(a)
    assert file.last_step == 2 and steps.standing(file.last_step) == "入党申请人"
    listed: Any = queries.register(admin).get(pk=a.pk)  # annotated with last_step
    assert listed.last_step == 2
    log = DecisionLog.objects.get(object_id=str(a.pk), action="members.withdraw_step")
    assert (log.from_state, log.to_state) == ("入党积极分子", "入党申请人") and "会议未开" in log.comment
    page = c.get(f"/members/{a.pk}/").content.decode()
    assert "<s>3. 推荐和确定入党积极分子</s>" in page and "会议未开" in page and "文号有误" in page
    services.record_step(admin, a, 3, third.done_on, decision="支委会确定")  # recorded again
    assert checks.PersonFile.of(a).last_step == 3
    assert StepEvent.objects.filter(applicant=a, step=3).count() == 2


def test_only_the_latest_step_may_be_withdrawn(world: Any) -> None:
    admin = world.users["admin"]
    a = new_applicant(admin, world.village_a)
    walk(admin, a, D(2021, 3, 1), 2)
    first = StepEvent.objects.get(applicant=a, step=1)
    before = db_state()
    with pytest.raises(ValidationError) as exc:
        services.withdraw_event(admin, first, "录错")
    assert "只能撤回最后一条步骤记录" in exc.value.messages[0]
    r = client("admin").post(
        f"/members/{a.pk}/steps/{first.pk}/withdraw/", {"reason": "x", "lock_version": 2}
    )
    assert r.status_code == 302
    assert db_state() == before
    with pytest.raises(ValidationError):  # a reason is required
        services.withdraw_event(admin, StepEvent.objects.get(applicant=a, step=2), "  ")
    assert db_state() == before


def test_a_rejected_approval_is_withdrawn_and_the_real_one_recorded(world: Any) -> None:
    admin = world.users["admin"]
    a = new_applicant(admin, world.village_a)
    walk(admin, a, D(2021, 3, 1), 12)  # the branch's review and its request for the pre-examination (r2)
    r2 = Document.objects.get(applicant=a, kind="r2")
    wrong = services.add_document(
        admin, a, "a1", r2.dated + dt.timedelta(days=3), number="错号", comment="不同意"
    ).document
    assert wrong is not None
    before = db_state()
    with pytest.raises(ValidationError) as exc:  # the approval answers the request
        services.withdraw_document(admin, r2, "录错")
    assert "请先撤回该批复" in exc.value.messages[0]
    with pytest.raises(ValidationError):  # one live document of a kind
        services.add_document(admin, a, "a1", r2.dated + dt.timedelta(days=5))
    assert db_state() == before
    services.withdraw_document(admin, wrong, "批复录错")
    right = services.add_document(admin, a, "a1", r2.dated + dt.timedelta(days=5), number="正确号").document
    assert right is not None
    assert checks.PersonFile.of(a).documents["a1"].pk == right.pk
    assert Document.objects.filter(applicant=a, kind="a1").count() == 2
    with pytest.raises(ValidationError):  # withdrawn once is enough
        services.withdraw_document(admin, Document.objects.get(pk=wrong.pk), "again")
    services.record_step(admin, a, 13, r2.dated + dt.timedelta(days=6), decision="同意")
    before = db_state()
    with pytest.raises(ValidationError) as exc:  # step 13 rests on the approval
        services.withdraw_document(admin, Document.objects.get(pk=right.pk), "录错")
    assert "请先撤回该步骤" in exc.value.messages[0]
    assert db_state() == before


def test_who_recorded_it_or_the_district_withdraws(world: Any) -> None:
    admin, secretary, street = world.users["admin"], world.users["secretary_a"], world.users["street_a"]
    a = new_applicant(admin, world.village_a)
    services.record_step(secretary, a, 1, D(2024, 1, 31))
    event = StepEvent.objects.get(applicant=a, step=1)
    before = db_state()
    with pytest.raises(PermissionDenied):
        services.withdraw_event(street, event, "不是我录的")
    url = f"/members/{a.pk}/steps/{event.pk}/withdraw/"
    data = {"reason": "录错", "lock_version": 1}
    assert client("street_a").post(url, data).status_code == 403
    assert client("leader").post(url, data).status_code == 403
    assert client("unit").post(url, data).status_code == 403
    assert client("street_b").post(url, data).status_code == 404
    assert "撤回理由" not in client("street_a").get(f"/members/{a.pk}/").content.decode()
    assert db_state() == before
    assert "撤回理由" in client("secretary_a").get(f"/members/{a.pk}/").content.decode()
    assert client("secretary_a").post(url, data).status_code == 302
    assert StepEvent.objects.get(pk=event.pk).withdrawn_at is not None
    assert checks.PersonFile.of(a).last_step is None
