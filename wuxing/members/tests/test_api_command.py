"""The API and the command record steps with the same rules as the pages (a refusal names the rule and
changes nothing), answer a stale version with 409, and read only what the caller may see."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from wuxing.members import services
from wuxing.members.models import Applicant, StepEvent
from wuxing.members.tests.conftest import db_state
from wuxing.members.tests.helpers import new_applicant

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def applied(world: Any) -> Applicant:
    a = new_applicant(world.users["admin"], world.village_a)
    services.record_step(world.users["admin"], a, 1, D(2024, 1, 31))
    return Applicant.objects.get(pk=a.pk)


def test_recording_a_step_over_the_api(world: Any, applied: Applicant, bearer: Any) -> None:
    api = bearer("secretary_a")
    before = db_state()
    late = api.post(
        f"/api/v1/members/{applied.pk}/steps",
        {"step": 2, "done_on": "2024-03-01", "lock_version": applied.lock_version},
        content_type="application/json",
    )
    assert late.status_code == 400 and "【一个月内谈话】" in late.json()["detail"]
    assert db_state() == before
    override = api.post(
        f"/api/v1/members/{applied.pk}/steps",
        {"step": 2, "done_on": "2024-03-01", "lock_version": applied.lock_version, "override_reason": "说明"},
        content_type="application/json",
    )
    assert override.status_code == 403 and db_state() == before
    stale = api.post(
        f"/api/v1/members/{applied.pk}/steps",
        {"step": 2, "done_on": "2024-02-29", "lock_version": applied.lock_version + 5},
        content_type="application/json",
    )
    assert stale.status_code == 409 and db_state() == before
    ok = api.post(
        f"/api/v1/members/{applied.pk}/steps",
        {"step": 2, "done_on": "2024-02-29", "lock_version": applied.lock_version, "decision": "谈话"},
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert ok.json()["last_step"] == 2 and ok.json()["standing"] == "入党申请人"


def test_the_api_reads_within_scope(world: Any, applied: Applicant, bearer: Any) -> None:
    assert bearer("street_b").get("/api/v1/members").json() == []
    assert bearer("street_b").get(f"/api/v1/members/{applied.pk}").status_code == 404
    one = bearer("leader").get(f"/api/v1/members/{applied.pk}").json()
    assert [e["step"] for e in one["events"]] == [1]
    assert bearer("leader").get("/api/v1/members?stage=2").json() == []


def test_the_command_records_and_refuses_like_the_page(world: Any, applied: Applicant) -> None:
    before = db_state()
    with pytest.raises(CommandError, match="一个月内谈话"):
        call_command("members", "step", str(applied.pk), "2", "2024-03-01", stdout=io.StringIO())
    with pytest.raises(CommandError, match="找不到"):
        call_command(
            "members", "step", str(applied.pk), "2", "2024-02-01", "--user", "street_b", stdout=io.StringIO()
        )
    assert db_state() == before
    out = io.StringIO()
    call_command("members", "step", str(applied.pk), "2", "2024-02-01", "--decision", "谈话", stdout=out)
    assert "已记录" in out.getvalue()
    assert StepEvent.objects.filter(applicant=applied, step=2).exists()
    listed = io.StringIO()
    call_command("members", "register", "--format", "json", acting_user="secretary_a", stdout=listed)
    assert [p["last_step"] for p in json.loads(listed.getvalue())] == [2]
    table = io.StringIO()
    call_command("members", "register", stdout=table)
    assert "入党申请人" in table.getvalue()


def test_the_command_writes_the_register_to_excel(world: Any, applied: Applicant, tmp_path: Any) -> None:
    target = tmp_path / "名册.xlsx"
    call_command("members", "register", "--format", "xlsx", "--output", str(target), stderr=io.StringIO())
    assert target.read_bytes()[:2] == b"PK"
    assert applied.id_number.encode() not in target.read_bytes()
