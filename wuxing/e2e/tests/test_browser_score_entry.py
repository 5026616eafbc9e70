"""Score entry in a real browser: the error summary links to each field, the star index and the save
button stay in reach while scrolling, the evidence delete button is readable, and a chosen file's name
is shown."""

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


def _org_pk(code: str) -> int:
    from wuxing.orgs.models import OrgUnit

    return OrgUnit.objects.get(code=code).pk


def test_errors_at_the_top_link_to_fields_and_save_stays_in_reach(page, login, demo_scores, tmp_path):
    login(page, "admin", DEMO_PASSWORD)
    page.set_viewport_size({"width": 1000, "height": 700})
    page.goto(f"/stars/orgs/{_org_pk('BZ001')}/scores/?year=2023")
    save = page.locator(".sticky-actions").get_by_role("button", name="保存")
    index = page.locator("nav.star-index")
    expect(save).to_be_in_viewport()
    expect(index).to_be_in_viewport()
    page.locator('[id="ind-wmxf.insurance"]').scroll_into_view_if_needed()  # far down the page
    expect(save).to_be_in_viewport()
    expect(index).to_be_in_viewport()

    # the range and pass line under a field
    expect(page.locator('[id="ind-stjy.toilets"] .helptext')).to_contain_text("0–100%，达标 ≥ 80%")

    page.locator('[id="id_v_stjy.toilets"]').fill("120")
    page.locator('[id="id_v_cyxw.income"]').fill("很多")
    with page.expect_navigation():
        save.click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("有 2 项需要修改，本次没有保存")
    links = summary.get_by_role("link")
    expect(links).to_have_count(2)
    expect(links.nth(1)).to_have_text("生态宜居星 · 卫生厕所普及率：应为 0–100 之间的数（单位：%）")
    expect(index.get_by_role("link", name="生态宜居星 1")).to_be_visible()  # its error count
    links.nth(1).click()
    field = page.locator('[id="id_v_stjy.toilets"]')
    expect(field).to_be_in_viewport()
    expect(field).to_have_value("120")  # what was typed is kept
    # jumping by star: the star's block comes into view below the sticky index
    index.get_by_role("link", name="文明幸福星", exact=True).click()
    expect(page.locator("#star-wmxf legend")).to_be_in_viewport()

    # a chosen evidence file is named beside its input
    upload = page.locator('form[action*="/evidence/"] input[type="file"]')
    name = page.locator('form[action*="/evidence/"] .file-name')
    expect(name).to_have_text("未选择文件")
    evidence = tmp_path / "收入报表.pdf"
    evidence.write_bytes(b"%PDF-1.4 test" + bytes(3000))
    upload.set_input_files(evidence)
    expect(name).to_have_text("已选择：收入报表.pdf（3 KB）")


def test_the_evidence_delete_button_is_readable(page, login, demo_scores, tmp_path):
    from wuxing.core.management.base import system_user
    from wuxing.rules import services
    from wuxing.rules.models import Score

    pk = _org_pk("BZ001")
    score = Score.objects.filter(org_id=pk, year=2023).first()
    assert score is not None
    from django.core.files.uploadedfile import SimpleUploadedFile

    services.add_evidence(system_user(), score, SimpleUploadedFile("会议记录.pdf", b"%PDF-1.4 minutes"))
    login(page, "admin", DEMO_PASSWORD)
    page.goto(f"/stars/orgs/{pk}/scores/?year=2023")
    button = page.locator("button.btn-delete").first
    expect(button).to_be_visible()
    colours = button.evaluate("b => { const s = getComputedStyle(b); return [s.color, s.backgroundColor]; }")
    assert colours[0] != colours[1], colours  # red text on a white button, not red on red
    assert colours[1] in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"), colours
