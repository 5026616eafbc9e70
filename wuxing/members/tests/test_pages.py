"""The pages: the dossier and its forms (a refusal shown with the rule, nothing written), the PDF, the
structure statistics with their chart data and Excel, quotas, the rules page, the register import (all
or nothing) and the reminders on the first page (a fixed number of queries)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from wuxing.core import workdays
from wuxing.core.excel import Sheet, build_workbook
from wuxing.members import idcard, queries, register, services
from wuxing.members.models import Applicant, RuleVersion, StepEvent
from wuxing.members.tests.conftest import db_state
from wuxing.members.tests.helpers import new_applicant, walk

pytestmark = pytest.mark.django_db
D = dt.date


def client(role: str) -> Client:
    from wuxing.accounts.models import User

    c = Client()
    c.force_login(User.objects.get(username=role))
    return c


def test_add_a_person_and_record_the_first_steps(world: Any) -> None:
    c = client("secretary_a")
    number = idcard.make("130104", D(2000, 1, 2), 5, "M")
    form = {
        "org": world.village_a.pk,
        "name": "程远",
        "id_number": number,
        "sex": "M",
        "birth_date": "2000-01-02",
        "education": "college",
    }
    wrong = c.post("/members/new/", {**form, "sex": "F"})
    assert wrong.status_code == 200 and "性别不一致" in wrong.content.decode()
    assert not Applicant.objects.exists()
    response = c.post("/members/new/", form)
    a = Applicant.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/members/{a.pk}/"
    ok = c.post(
        f"/members/{a.pk}/steps/", {"step": 1, "done_on": "2024-03-01", "lock_version": a.lock_version}
    )
    assert ok.status_code == 302
    a.refresh_from_db()
    before = db_state()
    late = c.post(
        f"/members/{a.pk}/steps/", {"step": 2, "done_on": "2024-04-02", "lock_version": a.lock_version}
    )
    assert late.status_code == 200
    body = late.content.decode()
    assert "【一个月内谈话】" in body and "2024-03-31" in body
    assert db_state() == before
    stale = c.post(
        f"/members/{a.pk}/steps/", {"step": 2, "done_on": "2024-03-05", "lock_version": a.lock_version - 1}
    )
    assert stale.status_code == 200 and db_state() == before
    page = c.get(f"/members/{a.pk}/").content.decode()
    assert "入党申请人" in page and "越过规则的理由" not in page  # the override field is the district's


def test_the_district_overrides_on_the_page(world: Any) -> None:
    a = new_applicant(world.users["admin"], world.village_a)
    services.record_step(world.users["admin"], a, 1, D(2024, 3, 1))
    a.refresh_from_db()
    c = client("admin")
    assert "越过规则的理由" in c.get(f"/members/{a.pk}/").content.decode()
    data = {
        "step": 2,
        "done_on": "2024-04-02",
        "lock_version": a.lock_version,
        "override_reason": "谈话人因公外出",
    }
    assert c.post(f"/members/{a.pk}/steps/", data).status_code == 302
    page = c.get(f"/members/{a.pk}/").content.decode()
    assert "越过规则" in page and "谈话人因公外出" in page


def test_documents_and_an_extension_on_the_page(world: Any) -> None:
    admin = world.users["admin"]
    a = new_applicant(admin, world.village_a)
    walk(admin, a, D(2021, 3, 1), 20)
    a.refresh_from_db()
    c = client("street_a")
    response = c.post(
        f"/members/{a.pk}/extend/", {"done_on": "2022-12-01", "months": 4, "lock_version": a.lock_version}
    )
    assert response.status_code == 200 and "延长期限须为 6–12 个月" in response.content.decode()
    response = c.post(
        f"/members/{a.pk}/extend/", {"done_on": "2022-12-01", "months": 6, "lock_version": a.lock_version}
    )
    assert response.status_code == 302
    assert StepEvent.objects.filter(applicant=a, kind="extension").count() == 1
    assert "已延长" in c.get(f"/members/{a.pk}/").content.decode()
    again = c.post(
        f"/members/{a.pk}/documents/",
        {"kind": "a3", "dated": "2022-12-05", "lock_version": a.lock_version + 1},
    )
    assert "四请示三批复" in again.content.decode()


def test_the_dossier_as_pdf(world: Any) -> None:
    a = new_applicant(world.users["admin"], world.village_a)
    walk(world.users["admin"], a, D(2021, 3, 1), 25)
    response = client("secretary_a").get(f"/members/{a.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_structure_page_and_its_export(world: Any) -> None:
    admin = world.users["admin"]
    for name, sex in (("甲", "F"), ("乙", "M")):
        walk(admin, new_applicant(admin, world.village_a, name=name, sex=sex), D(2021, 3, 1), 15)
    services.set_quota(admin, world.village_a, 2022, 1)
    _rows, streets, total = queries.structure(admin, 2022)
    assert total.admitted == 2 and total.counts["women"] == 1 and total.percent("women") == 50.0
    assert streets[0].over_quota
    page = client("admin").get("/members/structure/?year=2022").content.decode()
    assert "chart-structure" in page and "超出计划" in page
    assert client("street_b").get("/members/structure/?year=2022").content.decode().count("超出计划") == 0
    xlsx = client("admin").get("/members/structure/?year=2022&format=xlsx")
    assert xlsx.status_code == 200


def test_quotas_and_rules_pages(world: Any) -> None:
    c = client("admin")
    assert (
        c.post("/members/quotas/", {"org": world.village_a.pk, "year": 2025, "count": 4}).status_code == 302
    )
    assert "4" in c.get("/members/quotas/?year=2025").content.decode()
    assert (
        client("street_a")
        .post("/members/quotas/", {"org": world.village_a.pk, "year": 2025, "count": 9})
        .status_code
        == 403
    )
    page = client("leader").get("/members/rules/").content.decode()
    assert "默认（非官方）" in page and "公示最少工作日" in page
    bad = c.post(
        "/members/rules/", {"effective_from": "2025-01-01", "source": "通知", "notice_workdays": "0"}
    )
    assert bad.status_code == 200 and not RuleVersion.objects.exists()
    assert (
        c.post(
            "/members/rules/", {"effective_from": "2025-01-01", "source": "通知", "notice_workdays": "7"}
        ).status_code
        == 302
    )
    assert RuleVersion.objects.get().values == {"notice_workdays": 7}


def _workbook(rows: list[list[Any]]) -> SimpleUploadedFile:
    return SimpleUploadedFile("名册.xlsx", build_workbook([Sheet(register.SHEET, register.COLUMNS, rows)]))


def _row(code: str, serial: int, last: Any, *dates: Any) -> list[Any]:
    number = idcard.make("130104", D(1990, 4, 5), serial, "M")
    key_dates = list(dates) + [None] * (len(register.KEY_STEPS) - len(dates))
    return [code, "", f"导入{serial}", number, "男", "本科", "", "是", "否", last, "", *key_dates]


def test_the_register_import_is_all_or_nothing(world: Any) -> None:
    c = client("admin")
    good = [_row("ZB001", 1, 7, "2021-01-05", "2021-08-01", "2022-09-01"), _row("BZ001", 2, 2, "2023-01-05")]
    bad = [*good, _row("ZB001", 3, 9, "2021-01-05", "2020-08-01")]
    before = db_state()
    response = c.post("/members/import/", {"file": _workbook(bad)})
    body = response.content.decode()
    assert response.status_code == 200 and "第4行" in body and "早于步骤 1" in body
    assert db_state() == before
    assert c.post("/members/import/", {"file": _workbook(good)}).status_code == 302
    first = Applicant.objects.get(name="导入1")
    events = list(first.events.order_by("step").values_list("step", "done_on"))
    assert (
        events[0] == (1, D(2021, 1, 5))
        and events[2] == (3, D(2021, 8, 1))
        and events[-1] == (7, D(2022, 9, 1))
    )
    assert len(events) == 7 and all(e.comment == register.IMPORTED for e in first.events.all())
    again = c.post("/members/import/", {"file": _workbook(good)})
    assert "已建档" in again.content.decode()
    assert client("street_a").get("/members/import/").status_code == 403


def test_the_export_reads_back_as_a_template(world: Any) -> None:
    from openpyxl import load_workbook

    walk(world.users["admin"], new_applicant(world.users["admin"], world.village_a), D(2021, 3, 1), 7)
    response = client("admin").get("/members/?format=xlsx")
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    header = [c.value for c in next(wb.active.iter_rows())]
    assert header == [col.header for col in register.COLUMNS]


def test_reminders_on_the_first_page_with_a_fixed_number_of_queries(world: Any) -> None:
    admin = world.users["admin"]
    today = workdays.today()
    a = new_applicant(admin, world.village_a, name="待批复")
    walk(admin, a, today - dt.timedelta(days=800), 12)  # the pre-review request, unanswered
    page = client("admin").get("/").content.decode()
    assert "发展党员提醒" in page and "待批复：发展对象预审的请示" in page
    assert "待批复" in client("secretary_a").get("/").content.decode()
    assert "发展党员提醒" not in client("street_b").get("/").content.decode()

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            queries.due_for(admin)
        return len(ctx.captured_queries)

    few = count()
    for i in range(4):
        walk(admin, new_applicant(admin, world.village_b, name=f"多{i}"), today - dt.timedelta(days=800), 12)
    assert count() == few
