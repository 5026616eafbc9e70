"""The demo: 柏庄镇's pipeline with people at every stage, an overdue approval, an extended probation;
invented people flagged 演示 with valid identity numbers; loading twice adds nothing."""

from __future__ import annotations

from typing import Any

import pytest

from wuxing.core.management.base import system_user
from wuxing.members import idcard, queries, steps
from wuxing.members.demo import load_demo_members
from wuxing.members.models import Applicant, Quota, StepEvent

pytestmark = pytest.mark.django_db


def test_the_demo_covers_every_stage(world: Any) -> None:
    assert load_demo_members()
    people = list(queries.register(system_user()))
    lasts = [a.last_step for a in people]  # type: ignore[attr-defined]
    assert {steps.stage_of(n) for n in lasts} == {1, 2, 3, 4, 5}
    assert {steps.standing(n) for n in lasts} >= {
        "入党申请人",
        "入党积极分子",
        "发展对象",
        "预备党员",
        "正式党员",
    }
    assert all(a.is_demo and a.org.code.startswith("BZ") for a in people)
    assert all(idcard.problems(a.id_number, birth_date=a.birth_date, sex=a.sex) == [] for a in people)
    assert StepEvent.objects.filter(kind="extension").count() == 1
    due = queries.reminders(system_user())
    assert any(r.kind == "approval" and r.overdue for r in due)
    assert Quota.objects.exists()
    assert load_demo_members() is None
    assert Applicant.objects.count() == len(people)
