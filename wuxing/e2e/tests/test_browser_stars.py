"""Star ratings in a real browser: the district table, a star card's reasons, a threshold changed in a
new rulebook version moving the ratings, and a secretary entering a value on a phone."""

from __future__ import annotations

import re
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


def _levels() -> dict[str, int]:
    from wuxing.core.management.base import system_user
    from wuxing.rules import queries

    return {r.org_name: r.level for r in queries.rate(system_user(), 2023)}


def test_admin_changes_a_threshold_in_a_new_version_and_the_ratings_move(page, login, demo_scores):
    before = _levels()
    login(page, "admin", DEMO_PASSWORD)
    menu_link(page, "星级评定").click()
    expect(page.get_by_role("heading", name="2023年星级评定")).to_be_visible()
    expect(page.locator("main")).to_contain_text("默认规则，非官方")
    expect(page.locator("main")).to_contain_text("44/112")  # three stars or more, of 112

    # a four-star village's card says why it lacks the fifth star
    page.get_by_role("link", name="西苏度村", exact=True).click()
    card = page.locator("#star-zbgy")
    expect(card).to_contain_text("未获得的原因（差距清单）")
    expect(card).to_contain_text("距 80 分还差")

    # lower the village-income threshold in a new version of the rural rulebook
    page.goto("/stars/rulebooks/")
    page.get_by_role("link", name=re.compile("2023年农村")).first.click()
    page.get_by_role("link", name="参数调整", exact=True).click()
    page.locator('input[name="n__cyxw.income__target"]').fill("5")
    page.get_by_role("button", name="保存为新版本").click()
    expect(page.locator(".messages")).to_contain_text("已生成 2023年 农村 第2版")
    expect(page.locator("main")).to_contain_text("当前启用")

    after = _levels()
    gained = [name for name, level in after.items() if level > before[name]]
    assert gained, "lowering a threshold must lift some organisation"
    assert all(after[name] >= before[name] for name in before), "lowering a threshold never removes a star"
    page.goto("/stars/ratings/")
    expect(page.locator("main")).to_contain_text("2023年 农村 第2版")


def test_a_secretary_enters_a_value_on_a_phone_and_sees_the_card(new_page, login, demo_scores):
    page = new_page(viewport={"width": 390, "height": 844})
    login(page, "sj_bz001", DEMO_PASSWORD)
    page.get_by_role("link", name="填报指标和佐证材料").click()
    field = page.locator('input[name="v_cyxw.training"]')
    field.fill("３")  # a full-width digit, as typed on a Chinese keyboard
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("已保存")
    expect(page.locator('input[name="v_cyxw.training"]')).to_have_value("3")
    page.goto(page.url.replace("/scores/", "/"))
    expect(page.get_by_role("heading", name=re.compile("后万金村"))).to_be_visible()
