"""发展党员 in a real browser: one person's whole path, from the application to full membership. The
secretary of 后万金村 opens the file and records the organisation's steps, requests and notices; the
town's staff record the committee's steps and approvals; a step out of order is refused on the page with
the rule named; at the end the dossier says 正式党员 and the PDF is there."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "wuxing-demo"
START = dt.date(2021, 3, 1)


def test_one_persons_path_to_full_membership(new_page: Any, login: Any, demo: Any) -> None:
    from wuxing.core.workdays import WorkCalendar
    from wuxing.members import demo as member_demo
    from wuxing.members import idcard, steps
    from wuxing.members.models import Applicant

    secretary, town = new_page(), new_page()
    login(secretary, "sj_bz001", DEMO_PASSWORD)
    login(town, "jd_bz", DEMO_PASSWORD)

    born = dt.date(1997, 8, 16)
    number = idcard.make("130104", born, 42, "F")
    secretary.get_by_role("navigation", name="主菜单").get_by_role("link", name="发展党员").click()
    secretary.get_by_role("link", name="新建档案（递交入党申请）").click()
    secretary.fill("#id_name", "林晓（演示）")
    secretary.fill("#id_id_number", number)
    secretary.select_option("#id_sex", "F")
    secretary.fill("#id_birth_date", born.isoformat())
    secretary.select_option("#id_education", "bachelor")
    secretary.get_by_role("button", name="建立档案").click()
    expect(secretary.locator("#id-number")).to_contain_text(idcard.mask_id(number))
    url = secretary.url
    town.goto(url)

    # a step out of order is refused with the rule named, and nothing is recorded
    secretary.select_option("#step_step", "3")
    secretary.fill("#step_done_on", START.isoformat())
    secretary.locator("#step-form").get_by_role("button", name="记录").click()
    expect(secretary.locator("#step-form .errorlist")).to_contain_text("步骤顺序")

    person = member_demo.DemoPerson("林晓", "F", born, "bachelor", "", 25, 0)
    for action in member_demo.timeline(person, START, WorkCalendar()):
        if action[0] == "step":
            _k, n, day, data, decision = action
            page = town if steps.step(n).by == "committee" else secretary
            page.goto(url)
            page.select_option("#step_step", str(n))
            page.fill("#step_done_on", day.isoformat())
            page.fill("#step_decision", decision)
            for key in ("entitled", "present", "votes_for", "training_days", "training_hours"):
                if key in data:
                    page.fill(f"#step_{key}", str(data[key]))
            if "sponsors" in data:
                page.fill("#step_sponsor_1", data["sponsors"][0])
                page.fill("#step_sponsor_2", data["sponsors"][1])
                page.check("#step_sponsors_full")
            page.locator("#step-form").get_by_role("button", name="记录").click()
            expect(page.locator("#steps")).to_contain_text(steps.step(n).label)
        else:
            _k, key, day, ends = action
            page = town if steps.doc_kinds()[key].kind == "approval" else secretary
            page.goto(url)
            page.select_option("#doc_kind", key)
            page.fill("#doc_number", f"柏组〔{day.year}〕{key}号")
            page.fill("#doc_dated", day.isoformat())
            if ends:
                page.fill("#doc_ends_on", ends.isoformat())
            page.locator("#document-form").get_by_role("button", name="录入").click()
            expect(page.locator("#documents")).to_contain_text(f"柏组〔{day.year}〕{key}号")

    secretary.goto(url)
    expect(secretary.locator("#standing")).to_have_text("正式党员")
    expect(secretary.locator("#steps")).not_to_contain_text("越过规则")
    a = Applicant.objects.get(id_number=number)
    assert a.events.filter(step=25).exists()
    response = secretary.request.get(f"/members/{a.pk}/pdf/")
    assert response.ok and response.body()[:4] == b"%PDF"
