"""The 补齐短板 pages: the list, its Excel export and the API with a query count that does not grow with
the number of tasks; the all-or-nothing import; the gap-list button; evidence served after the scope
check; the first page's due items."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wuxing.boards import services
from wuxing.boards.imports import COLUMNS, SHEET
from wuxing.boards.models import HelpVisit, Task, TaskStatus
from wuxing.boards.tests.conftest import db_state, pdf
from wuxing.core.excel import Sheet, build_workbook
from wuxing.core.management.base import system_user
from wuxing.core.tests.xlsxutil import read_rows, upload
from wuxing.core.workdays import today
from wuxing.orgs import services as org_services
from wuxing.rules import services as rule_services
from wuxing.rules.tests.helpers import CYXW_AT_18, YEAR

pytestmark = pytest.mark.django_db

URLS = ["/boards/", "/boards/?overdue=1", "/boards/?format=xlsx", "/api/v1/boards/tasks", "/boards/units/"]


def add_tasks(world: Any, start: int, count: int) -> None:
    actor = system_user()
    for i in range(start, start + count):
        street, prefix = (world.street_a, "ZB") if i % 2 else (world.street_b, "BZ")
        org = org_services.create_branch(
            actor,
            street,
            {
                "code": f"{prefix}7{i:02d}",
                "name": f"测试村{i:02d}",
                "area_kind": "rural",
                "branch_type": "branch",
                "member_count": 30,
                "assigned_unit": world.unit if i % 3 else world.other_unit,
            },
        )
        task = services.create_task(
            actor, org, year=YEAR, title=f"任务{i:02d}", deadline=dt.date(YEAR, 6, 30), owner="张三"
        )
        services.add_note(actor, task, "照片", pdf())
        unit = world.unit if i % 3 else world.other_unit
        HelpVisit.objects.create(unit=unit, org=org, visited_on=dt.date(2024, 1, 1))


def count(client: Any, url: str) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url) if not url.startswith("/api/") else client.get(url, HTTP_AUTHORIZATION="")
    assert response.status_code == 200, (url, response.content[:300])
    return len(ctx), response


@pytest.mark.parametrize("role", ["admin", "street_a"])
def test_list_export_api_and_units_do_not_grow_with_tasks(world, client_for, role):
    client = client_for(role)
    for url in URLS:
        client.get(url)
    add_tasks(world, 0, 4)
    few = {url: count(client, url)[0] for url in URLS}
    add_tasks(world, 4, 30)
    many: dict[str, int] = {}
    for url in URLS:
        many[url], response = count(client, url)
        if "format=xlsx" in url:
            rows = read_rows(response.getvalue())
            assert len(rows) - 1 == (34 if role == "admin" else 17)
            assert rows[1][COLUMNS.index(next(c for c in COLUMNS if c.key == "evidence"))] == 1
        elif url == "/boards/":
            body = response.content.decode()
            assert "任务33" in body or "任务31" in body or "第 1/" in body
    assert many == few


def test_the_list_is_scoped(world, client_for):
    services.create_task(
        system_user(), world.village_b, year=YEAR, title="柏庄任务", deadline=dt.date(YEAR, 6, 30)
    )
    services.create_task(
        system_user(), world.village_a, year=YEAR, title="西漳涧任务", deadline=dt.date(YEAR, 6, 30)
    )
    body = client_for("secretary_a").get("/boards/").content.decode()
    assert "西漳涧任务" in body and "柏庄任务" not in body
    api = client_for("unit").get("/api/v1/boards/tasks").json()
    assert [t["title"] for t in api] == ["西漳涧任务"]


def test_overdue_per_street(world, client_for):
    past = today() - dt.timedelta(days=1)
    services.create_task(system_user(), world.village_a, year=past.year, title="逾期任务", deadline=past)
    services.create_task(system_user(), world.village_b, year=past.year, title="未到期", deadline=today())
    body = client_for("admin").get("/boards/?overdue=1").content.decode()
    assert "逾期任务" in body and "未到期" not in body
    table = body[body.index('id="per-street"') : body.index("</table>", body.index('id="per-street"'))]
    assert "彰北街道" in table and "柏庄镇" in table


# --- import ---------------------------------------------------------------------------------------------------


def workbook(*rows: dict[str, Any]) -> Any:
    data = []
    for r in rows:
        row = dict.fromkeys((c.key for c in COLUMNS), "")
        row.update(r)
        data.append([row[c.key] for c in COLUMNS])
    return upload(build_workbook([Sheet(SHEET, COLUMNS, data)]))


def test_import_is_all_or_nothing_with_cell_messages(world, client_for):
    client = client_for("street_a")
    good = {
        "org_code": "ZB001",
        "year": 2024,
        "title": "整治背街小巷",
        "deadline": "2024-06-30",
        "focus": "背街小巷治理",
    }
    bad = {"org_code": "BZ001", "year": 2024, "title": "别的街道", "deadline": "2024-06-30"}  # street B
    before = db_state()
    response = client.post("/boards/import/", {"file": workbook(good, bad)})
    assert response.status_code == 200
    body = response.content.decode()
    assert "第3行 第3列（组织编码）" in body and "不在您的范围内" in body
    assert db_state() == before
    response = client.post("/boards/import/", {"file": workbook(good)})
    assert response.status_code == 302
    task = Task.objects.get(title="整治背街小巷")
    assert task.focus_area is not None
    assert (task.org_id, task.focus_area.name, task.created_by) == (
        world.village_a.pk,
        "背街小巷治理",
        world.users["street_a"],
    )


def test_an_exported_file_imports_again_and_updates_by_task_number(world, client_for):
    client = client_for("admin")
    task = services.create_task(
        system_user(), world.village_a, year=YEAR, title="旧标题", deadline=dt.date(YEAR, 6, 30)
    )
    exported = client.get("/boards/?format=xlsx").getvalue()
    rows = read_rows(exported)
    header, row = rows[0], list(rows[1])
    row[header.index("任务")] = "新标题"
    from wuxing.core.tests.xlsxutil import xlsx_bytes

    content = xlsx_bytes(header, [row], title=SHEET)
    response = client.post("/boards/import/", {"file": upload(content)})
    assert response.status_code == 302, response.content.decode()[:2000]
    task.refresh_from_db()
    assert task.title == "新标题" and task.lock_version == 1


def test_a_secretary_cannot_import(world, client_for):
    assert client_for("secretary_a").get("/boards/import/").status_code == 403


# --- the gap-list button and evidence ----------------------------------------------------------------------


def test_the_card_button_creates_tasks_once(world, rulebooks, client_for):
    rule_services.save_scores(system_user(), world.village_a, YEAR, CYXW_AT_18)
    client = client_for("street_a")
    card = client.get(f"/stars/orgs/{world.village_a.pk}/?year={YEAR}").content.decode()
    assert 'id="from-gaps"' in card
    client.post(f"/boards/orgs/{world.village_a.pk}/from-gaps/", {"year": YEAR})
    n = Task.objects.filter(org=world.village_a, status=TaskStatus.OPEN).count()
    assert n > 0
    client.post(f"/boards/orgs/{world.village_a.pk}/from-gaps/", {"year": YEAR})
    assert Task.objects.filter(org=world.village_a).count() == n
    secretary_card = client_for("secretary_a").get(f"/stars/orgs/{world.village_a.pk}/?year={YEAR}")
    assert 'id="from-gaps"' not in secretary_card.content.decode()


def test_evidence_is_served_after_the_scope_check(world, client_for):
    task = services.create_task(
        system_user(), world.village_a, year=YEAR, title="t", deadline=dt.date(YEAR, 6, 30)
    )
    note = services.add_note(system_user(), task, "照片", pdf("现场.pdf"))
    url = f"/boards/notes/{note.pk}/evidence/"
    ok = client_for("unit").get(url)
    assert ok.status_code == 200 and b"".join(ok.streaming_content).startswith(b"%PDF")
    assert client_for("street_b").get(url).status_code == 404


def test_closing_on_the_page_without_evidence_says_why(world, client_for):
    task = services.create_task(
        system_user(), world.village_a, year=YEAR, title="t", deadline=dt.date(YEAR, 6, 30)
    )
    client = client_for("secretary_a")
    response = client.post(
        f"/boards/tasks/{task.pk}/close/", {"text": "完成", "lock_version": task.lock_version}, follow=True
    )
    assert "须上传至少一份佐证材料" in response.content.decode()
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN
    response = client.post(
        f"/boards/tasks/{task.pk}/close/",
        {"text": "完成", "lock_version": task.lock_version, "evidence": pdf()},
        follow=True,
    )
    assert Task.objects.get(pk=task.pk).status == TaskStatus.DONE


def test_first_page_lists_due_and_overdue_tasks(world, client_for):
    services.create_task(
        system_user(), world.village_a, year=today().year, title="t", deadline=today() - dt.timedelta(days=1)
    )
    body = client_for("secretary_a").get("/").content.decode()
    assert "短板任务已逾期" in body and "/boards/?overdue=1" in body
    unit_body = client_for("unit").get("/").content.decode()
    assert "天内未走访" in unit_body  # village A has never been visited


def test_the_street_reassigns_a_task_and_a_stale_form_is_refused(world, client_for):
    task = services.create_task(
        system_user(), world.village_a, year=YEAR, title="t", deadline=dt.date(YEAR, 6, 30), owner="张三"
    )
    client = client_for("street_a")
    form = {"title": "t", "owner": "李四", "deadline": "2023-07-31", "reason": "换人", "lock_version": 0}
    assert client.post(f"/boards/tasks/{task.pk}/edit/", form).status_code == 302
    task.refresh_from_db()
    assert (task.owner, task.deadline, task.lock_version) == ("李四", dt.date(2023, 7, 31), 1)
    assert task.history.first().history_change_reason == "换人"
    stale = client.post(f"/boards/tasks/{task.pk}/edit/", {**form, "owner": "王五"}, follow=True)
    assert "已被他人修改" in stale.content.decode()
    task.refresh_from_db()
    assert task.owner == "李四"
    assert client_for("secretary_a").post(f"/boards/tasks/{task.pk}/edit/", form).status_code == 403
