"""Rulebooks in a real browser: 参数调整 previews who gains or loses a star before saving and reports
after saving; the version page's table keeps short columns on one line and codes as small text."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "wuxing-demo"


@pytest.fixture
def demo_scores(demo: Any) -> None:
    from wuxing.rules.demo import load_demo_scores

    load_demo_scores()


def _active_rural() -> Any:
    from wuxing.rules.models import RulebookVersion

    return RulebookVersion.objects.get(year=2023, kind="rural", is_active=True)


def test_tune_previews_then_saves_and_reports(page, login, demo_scores):
    rb = _active_rural()
    login(page, "admin", DEMO_PASSWORD)
    page.goto(f"/stars/rulebooks/{rb.pk}/tune/")
    page.locator('[name="n__cyxw.income__target"]').fill("5")
    with page.expect_navigation():
        page.get_by_role("button", name="预览变化（不保存）").click()
    preview = page.locator("section.tune-preview")
    expect(preview).to_contain_text("预览：保存后评定结果的变化（尚未保存）")
    expect(preview).to_contain_text("村集体经济收入门槛值 20→5")
    expect(preview).to_contain_text(re.compile(r"\d+ 个组织星级会变化：\d+ 个获得新的星，0 个失去星。"))
    gained = preview.locator("td.gain", has_text="产业兴旺星")
    assert gained.count() >= 1
    assert _active_rural().pk == rb.pk  # nothing saved
    # the form kept what was typed; saving shows that it works, then reports
    expect(page.locator('[name="n__cyxw.income__target"]')).to_have_value("5")
    expect(page.locator("progress.busy")).to_be_hidden()
    with page.expect_navigation():
        page.get_by_role("button", name="保存为新版本").click()
    messages = page.locator("ul.messages")
    expect(messages).to_contain_text(re.compile(r"已按新版本重新计分 \d+ 项（用时 \d+\.\d 秒）"))
    expect(messages).to_contain_text(re.compile(r"星级有变化的组织 \d+ 个：\d+ 个获得新的星，0 个失去星。"))
    assert _active_rural().pk != rb.pk
    # the new version's text follows the number
    expect(page.locator("main")).to_contain_text("当年村集体经济经营性收入不低于 5 万元（必达）。")


def test_the_rulebook_table_does_not_wrap_short_columns_on_a_phone(new_page, login, demo):
    from wuxing.rules import services
    from wuxing.rules.models import RulebookVersion

    if not RulebookVersion.objects.exists():
        from wuxing.core.management.base import system_user

        services.load_shipped(system_user())
    rb = _active_rural()
    page = new_page(viewport={"width": 390, "height": 844})
    login(page, "admin", DEMO_PASSWORD)
    page.goto(f"/stars/rulebooks/{rb.pk}/")
    cells = page.locator(".rulebook-table td.nowrap")
    assert cells.count() >= 40
    # each short cell's text is laid out on one line: one client rect per text (a wrapped text has two)
    lines = cells.evaluate_all(
        "cs => cs.map(c => { const r = document.createRange(); r.selectNodeContents(c);"
        " return [c.textContent, r.getClientRects().length]; })"
    )
    assert all(n == 1 for _text, n in lines), [x for x in lines if x[1] != 1][:5]
    # a requirement such as "村集体经济收入 ≥ 20 万元" breaks only at its spaces, never inside 村集体经济收入
    words = page.locator(".rulebook-table td.keep").evaluate_all(
        "cs => cs.map(c => [c.textContent, c.getBoundingClientRect().width, c.scrollWidth])"
    )
    assert words and all(scroll <= width + 1 for _t, width, scroll in words)
    # the code is secondary: small muted text under the name, not a column
    expect(page.locator(".rulebook-table th", has_text="编码")).to_have_count(0)
    expect(page.locator(".rulebook-table .code", has_text="cyxw.income").first).to_be_visible()
