"""The yearly review in a real browser, from opening the cycle to naming: the district opens 2023
(rural), a secretary states a target level and submits, the town's staff change a value with a reason
and forward, the district approves in bulk and publishes the notice, the town records an objection and
the district resolves it, downloads the PDF and names; the named record is what the pages then show."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from wuxing.e2e.tests.conftest import menu_link

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "wuxing-demo"


@pytest.fixture
def demo_scores(demo: Any) -> None:
    from wuxing.rules.demo import load_demo_scores

    load_demo_scores()


def test_from_self_assessment_to_naming(new_page: Any, login: Any, demo_scores: None) -> None:
    from wuxing.reviews.models import Assessment, NamedResult, Stage

    # the district opens the 2023 rural review
    admin = new_page()
    login(admin, "admin", DEMO_PASSWORD)
    menu_link(admin, "年度评星").click()
    admin.get_by_label("年度").fill("2023")
    admin.get_by_label("适用类型").select_option("rural")
    admin.get_by_label("自评截止").fill("2023-12-15")
    admin.get_by_label("街道初评截止").fill("2023-12-29")
    admin.get_by_label("区级审核截止").fill("2024-01-12")
    admin.get_by_role("button", name="启动").click()
    expect(admin.get_by_role("heading", name="2023年农村评星")).to_be_visible()
    expect(admin.locator("main")).to_contain_text("实时评定（尚未命名）")

    # the secretary of 后万金村 states a target level and submits, on a phone
    secretary = new_page(viewport={"width": 390, "height": 844})
    login(secretary, "sj_bz001", DEMO_PASSWORD)
    secretary.goto("/reviews/")
    expect(secretary.locator("main")).to_contain_text("待我处理")
    secretary.get_by_role("link", name="2023年农村评星").first.click()
    secretary.get_by_role("link", name="后万金村", exact=True).click()
    expect(secretary.locator("#state")).to_have_text("自评中")
    secretary.get_by_label("目标星级").fill("5")
    secretary.get_by_role("button", name="保存自评").click()
    expect(secretary.locator("#target")).to_have_text("5星")
    secretary.get_by_role("button", name="提交自评").click()
    expect(secretary.locator("#state")).to_have_text("已提交，待街道初评")

    # the town's staff change a value with a reason and forward
    street = new_page()
    login(street, "jd_bz", DEMO_PASSWORD)
    street.goto("/reviews/")
    street.get_by_role("link", name="2023年农村评星").first.click()
    street.get_by_label("环节").select_option("submitted")
    street.get_by_role("button", name="查询").click()
    street.get_by_role("link", name="后万金村", exact=True).click()
    row = street.locator('#values tr[data-indicator="cyxw.income"]')
    shown = row.locator('input[name="value"]').input_value()
    row.locator('input[name="value"]').fill("30")
    row.locator('input[name="reason"]').fill("以审计报告为准")
    row.get_by_role("button", name="改值").click()
    expect(street.locator("#values")).to_contain_text(f"填报 {shown} → 初评 30：以审计报告为准")
    street.get_by_role("button", name="初评通过并上报").click()
    expect(street.locator("#state")).to_have_text("街道已初评，待区级审核")

    # the other organisations were forwarded by their streets in the meantime
    Assessment.objects.exclude(org__code="BZ001").update(state=Stage.STREET_REVIEWED)

    # the district approves every forwarded organisation at once and names the cycle
    admin.reload()
    admin.get_by_label("全部待区级审核的组织").check()
    admin.get_by_role("button", name="批量审核通过").click()
    expect(admin.locator(".messages")).to_contain_text("已审核通过")

    # the public notice: 5 official working days from Monday 2024-01-15; an objection raised and resolved
    admin.get_by_role("link", name="公示与异议").click()
    admin.get_by_label("公示开始日期").fill("2024-01-15")
    admin.get_by_role("button", name="发布公示").click()
    expect(admin.locator("#period")).to_have_text("2024-01-15 至 2024-01-19")
    expect(admin.locator("main")).to_contain_text("后万金村")
    street.goto(admin.url)
    street.get_by_label("组织").select_option(label="后万金村")
    street.get_by_label("提出日期").fill("2024-01-17")
    street.get_by_label("异议内容").fill("群众反映集体收入统计口径有误")
    street.get_by_role("button", name="登记").click()
    expect(street.locator("#objections")).to_contain_text("群众反映集体收入统计口径有误")
    admin.reload()
    admin.get_by_label("处理结果").fill("经核实以审计报告为准，维持")
    admin.get_by_role("button", name="处理").click()
    expect(admin.locator("#objections")).to_contain_text("经核实以审计报告为准，维持")
    with admin.expect_download() as download:
        admin.get_by_role("link", name="下载公示（PDF）").click()
    assert download.value.suggested_filename.endswith(".pdf")
    admin.get_by_role("link", name="返回本周期").click()
    admin.get_by_role("button", name="命名").click()
    expect(admin.locator(".messages")).to_contain_text("成为本年度的正式记录")
    expect(admin.locator("main")).to_contain_text("命名结果（正式记录）")
    assert NamedResult.objects.filter(year=2023, kind="rural").count() == Assessment.objects.count()

    # the secretary sees the named record and the whole trail
    secretary.reload()
    expect(secretary.locator("#state")).to_have_text("已命名")
    expect(secretary.locator("main")).to_contain_text("命名结果（正式记录）")
    expect(secretary.locator("#values")).to_contain_text("以审计报告为准")
    expect(secretary.locator("#decisions")).to_contain_text("自评中 → 已提交，待街道初评")
    expect(secretary.locator("#decisions")).to_contain_text("区级已审核，待命名 → 已命名")
