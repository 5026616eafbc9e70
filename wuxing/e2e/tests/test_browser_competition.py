"""动态竞争 in a real browser, on the Beiguan demo with its competition data: the goals panel of the district's
first page and the goals page draw their charts (canvas not blank), each with the same numbers in the table
under it; the street's first page shows its monthly place and its last-place warning."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from wuxing.e2e.tests.test_browser_home import DEMO_PASSWORD, assert_tables_match, charts_on

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_competition(demo: Any) -> None:
    from wuxing.competition.demo import load_demo_competition
    from wuxing.funds.demo import load_demo_funds
    from wuxing.reviews.demo import load_demo_reviews
    from wuxing.rules.demo import load_demo_scores

    load_demo_scores()
    load_demo_reviews()
    load_demo_funds()
    assert load_demo_competition() is not None


def test_the_goals_panel_and_page(page: Any, login: Any, live_server: Any, demo_competition: Any) -> None:
    login(page, "admin", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/?year=2023")
    panel = page.locator("#home-goals")
    expect(panel).to_contain_text("2023 年度目标达成")
    expect(panel).to_contain_text("未达标")
    charts = charts_on(page)
    assert {"goals", "trend"} <= set(charts)
    assert_tables_match({"goals": charts["goals"], "trend": charts["trend"]})
    goals = charts["goals"]
    assert len(goals["series"]) == 2 and len(goals["series"][0]) == 10  # ten streets/towns
    assert sum(goals["series"][0]) + sum(goals["series"][1]) == 112
    page.goto(f"{live_server.url}/competition/?year=2023")
    charts = charts_on(page)
    assert set(charts) == {"goals", "trend"}
    assert_tables_match(charts)
    assert len(charts["trend"]["series"][0]) == 12  # twelve months
    expect(page.locator("#closest-goal")).to_contain_text("差距清单")


def test_a_street_sees_its_place_and_warning(
    page: Any, login: Any, live_server: Any, demo_competition: Any
) -> None:
    login(page, "jd_dtl", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/?year=2023")
    ranking = page.locator("#home-ranking")
    expect(ranking).to_contain_text("灯塔路街道在全区街道中列第")
    expect(ranking).to_contain_text("末位预警")
    expect(ranking).to_contain_text("春晖社区")
    charts = charts_on(page)
    assert len(charts["trend"]["series"]) == 1  # its own street's places only
    assert_tables_match({"trend": charts["trend"], "goals": charts["goals"]})


def test_one_month_entered_from_the_ranking(
    page: Any, login: Any, live_server: Any, demo_competition: Any
) -> None:
    """From a ranking row to its form: an item above its points is refused next to the field, naming the
    item; a correction without a reason is refused; with one it is saved and the ranking says so."""
    login(page, "admin", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/competition/rankings/?year=2023&month=1")
    page.locator("#org-ranking tbody tr").first.get_by_role("link", name="录入/修改").click()
    expect(page.locator("#current-score")).to_contain_text("现有得分")
    form = page.locator("#monthly-entry")
    first_item = form.locator("input[name^='item_']").first
    first_item.fill("25.01")
    form.get_by_role("button", name="保存").click()
    expect(form.locator(".errorlist").first).to_contain_text("应在 0–25 之间")
    form = page.locator("#monthly-entry")
    form.locator("input[name^='item_']").first.fill("20")
    form.get_by_role("button", name="保存").click()
    expect(page.locator("#monthly-entry")).to_contain_text("修改已录入的得分请填写修改原因")
    page.locator("#id_reason").fill("按纸质评分表更正")
    page.locator("#monthly-entry").get_by_role("button", name="保存").click()
    expect(page).to_have_url(f"{live_server.url}/competition/rankings/?year=2023&month=1")
    expect(page.locator("body")).to_contain_text("已保存")
