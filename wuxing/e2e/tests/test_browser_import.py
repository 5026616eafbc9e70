"""Excel import through the browser: the template downloads, a bad row is reported and nothing is written."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from wuxing.core.excel import XLSX_MIME
from wuxing.e2e.tests.conftest import menu_link

pytestmark = pytest.mark.browser

NEW_CODES = ["ZB099", "BZ099"]


def _branch_codes() -> set[str]:
    from wuxing.orgs.models import OrgUnit

    return set(OrgUnit.objects.branches().values_list("code", flat=True))


def _upload(page, card, path):
    card.locator('input[type="file"]').set_input_files(path)
    with page.expect_navigation() as nav:
        card.get_by_role("button", name="上传并导入").click()
    return nav.value


def test_org_import_template_download_and_all_or_nothing_upload(page, login, world, tmp_path):
    from wuxing.orgs.services import ORG_COLUMNS

    before = _branch_codes()
    login(page, "admin", "pw-admin-1")
    menu_link(page, "Excel 导入").click()
    expect(page).to_have_url(re.compile(r"/orgs/import/$"))
    card = page.locator(".card", has=page.get_by_role("heading", name="组织", exact=True))

    # The template link answers 200 with an xlsx, and the browser saves it as a download.
    link = card.get_by_role("link", name=re.compile("下载模板"))
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == XLSX_MIME
    assert "attachment" in response.headers["content-disposition"]
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "组织导入模板.xlsx"
    template = tmp_path / "template.xlsx"
    download.save_as(template)

    # Fill the downloaded template: one good row, one row whose 党员人数 is not a number.
    wb = load_workbook(template)
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == [c.header for c in ORG_COLUMNS]
    assert ws.max_row == 1, "the template's data sheet holds only the header (examples are on 说明)"
    ws.append(["彰北街道", "ZB099", "新建社区", "城市社区", "党支部", 30, "区财政局"])
    ws.append(["柏庄镇", "BZ099", "新建村", "农村", "党支部", "三十人", ""])
    bad = tmp_path / "orgs-one-bad-row.xlsx"
    wb.save(bad)

    response = _upload(page, card, bad)
    assert response.status == 200, f"uploading a file with one bad row answered HTTP {response.status}"
    # the problems as a full-width table under the cards: row, column, header, message
    report = page.locator("section.import-errors")
    errors = report.locator("table.import-errors-table tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first.locator("td")).to_have_text(["第3行", "第6列（F）", "党员人数", re.compile("三十人")])
    expect(report).to_contain_text("组织 · 发现 1 处错误，未导入任何数据")
    grid_width = page.locator(".grid").bounding_box()["width"]
    assert report.bounding_box()["width"] >= grid_width - 1, "the error table spans the page, not one card"
    assert _branch_codes() == before  # the good row was not written either

    page.goto("/orgs/")
    expect(page.locator(".pagination")).to_contain_text(f"共 {len(before)} 条")

    # The same file with the bad cell corrected imports both rows.
    wb = load_workbook(bad)
    wb.worksheets[0].cell(row=3, column=6, value=30)
    good = tmp_path / "orgs-fixed.xlsx"
    wb.save(good)
    page.goto("/orgs/import/")
    card = page.locator(".card", has=page.get_by_role("heading", name="组织", exact=True))
    _upload(page, card, good)
    expect(page.locator("ul.messages")).to_contain_text("组织导入成功：新增 2 条，更新 0 条。")
    assert _branch_codes() == before | set(NEW_CODES)
