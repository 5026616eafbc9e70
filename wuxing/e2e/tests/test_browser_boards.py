"""补齐短板 in a real browser: the town's staff (柏庄镇) turn the gap list of one of its organisations below
three stars into tasks from its star card, a second click adds nothing, and its secretary opens a task on a phone, is refused closing it without evidence, uploads a photo
and closes it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "wuxing-demo"


@pytest.fixture
def demo_scores(demo: Any) -> None:
    from wuxing.rules.demo import load_demo_scores

    load_demo_scores()


def test_tasks_from_the_gap_list_and_closing_one_with_evidence(
    new_page: Any, login: Any, demo_scores: None
) -> None:
    from wuxing.boards.models import Task, TaskStatus
    from wuxing.core.management.base import system_user
    from wuxing.orgs.models import OrgUnit
    from wuxing.rules.queries import rate

    town = OrgUnit.objects.get(name="柏庄镇")
    behind = next(r for r in rate(system_user(), 2023, street=town) if r.level < 3)
    village = OrgUnit.objects.get(pk=behind.org_id)
    street = new_page()
    login(street, "jd_bz", DEMO_PASSWORD)
    street.goto(f"/stars/orgs/{village.pk}/?year=2023")
    street.get_by_role("button", name="按差距清单生成任务").click()
    expect(street.locator("main")).to_contain_text("已按差距清单生成")
    made = Task.objects.filter(org=village, status=TaskStatus.OPEN).count()
    assert made > 0
    expect(street.locator("#tasks tbody tr")).to_have_count(made)
    # a second click adds nothing
    street.goto(f"/stars/orgs/{village.pk}/?year=2023")
    street.get_by_role("button", name="按差距清单生成任务").click()
    expect(street.locator("main")).to_contain_text("没有新增")
    assert Task.objects.filter(org=village).count() == made

    secretary = new_page(viewport={"width": 390, "height": 844})
    login(secretary, f"sj_{village.code.lower()}", DEMO_PASSWORD)
    secretary.goto("/boards/")
    secretary.locator("#tasks tbody tr a").first.click()
    close = secretary.locator("#close-form")
    close.get_by_label("进展情况").fill("已完成整改")
    close.get_by_role("button", name="完成").click()
    expect(secretary.locator("main")).to_contain_text("完成任务须上传至少一份佐证材料")
    expect(secretary.locator("#task-status")).to_contain_text("进行中")
    close = secretary.locator("#close-form")
    close.get_by_label("进展情况").fill("已完成整改")
    close.get_by_label("照片或文件").set_input_files(
        {"name": "整改照片.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 photo"}
    )
    close.get_by_role("button", name="完成").click()
    expect(secretary.locator("#task-status")).to_contain_text("已完成")
    expect(secretary.locator("#notes")).to_contain_text("整改照片.pdf")
    assert Task.objects.filter(org=village, status=TaskStatus.DONE).count() == 1
