"""Printing the star card, the ratings table and the organisation profile: no menu, buttons or filters,
and the gap lists and indicator details that are folded on screen are printed open."""

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


def test_printed_pages_show_content_only_with_details_open(page, login, demo_scores):
    login(page, "admin", DEMO_PASSWORD)
    page.goto("/stars/ratings/")
    page.get_by_role("link", name="西苏度村", exact=True).click()
    indicator_table = page.locator("#star-zbgy details table")
    expect(indicator_table).to_be_hidden()  # folded on screen
    expect(page.get_by_role("link", name="下载 PDF")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("header.topbar")).to_be_hidden()
    expect(page.locator("main .actions").first).to_be_hidden()
    expect(indicator_table).to_be_visible()  # printed open
    expect(page.locator("#star-zbgy")).to_contain_text("未获得的原因（差距清单）")

    page.emulate_media(media="screen")
    page.goto("/stars/ratings/")
    expect(page.get_by_role("link", name="PDF 报告")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("form.filters")).to_be_hidden()
    expect(page.locator("#ratings details ul").first).to_be_visible()

    page.emulate_media(media="screen")
    page.goto("/orgs/")
    page.get_by_role("link", name="西苏度村", exact=True).first.click()
    page.emulate_media(media="print")
    expect(page.locator("header.topbar")).to_be_hidden()
    expect(page.locator("main h1")).to_be_visible()
