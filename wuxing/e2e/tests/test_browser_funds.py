"""Funds in a real browser, from the parameters to the exported ledger: the district enters the 副科级
salary standard for 2024, sees the living subsidy line explained, approves the ledger and downloads it;
the Excel file's lines add up to its totals by street."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import expect

from wuxing.e2e.tests.conftest import menu_link

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "wuxing-demo"


@pytest.fixture
def history(demo: Any) -> None:
    from wuxing.funds.models import HistoricLevel
    from wuxing.orgs.models import OrgUnit

    org = OrgUnit.objects.get(code="BZ001")
    for year in (2022, 2023, 2024):
        HistoricLevel.objects.create(org=org, year=year, level=4)


def test_from_parameters_to_the_exported_ledger(
    new_page: Any, login: Any, history: None, tmp_path: Any
) -> None:
    from wuxing.funds.models import PayoutLedger

    admin = new_page()
    login(admin, "admin", DEMO_PASSWORD)
    menu_link(admin, "投入保障与奖励").click()
    admin.get_by_label("年度").fill("2024")
    admin.get_by_role("button", name="筛选").click()
    expect(admin.locator("#missing")).to_contain_text("副科级工资标准，未计算")  # nothing paid yet

    admin.get_by_role("link", name="查看参数").click()
    expect(admin.locator("#parameters")).to_contain_text("默认（非官方）")
    admin.get_by_label("副科级事业人员工资标准（元/年）").fill("72000")
    admin.get_by_label("修改原因").fill("按区人社局标准录入")
    admin.get_by_role("button", name="保存").click()
    expect(admin.locator("#history")).to_contain_text("按区人社局标准录入")

    admin.get_by_role("link", name="返回本年度台账").click()
    expect(admin.locator("#lines")).to_contain_text("→ 副科级标准 72,000.00 元")
    admin.get_by_label("批准说明").fill("区委常委会审定")
    admin.get_by_role("button", name="批准发放台账").click()
    expect(admin.locator("#ledger")).to_contain_text("已批准发放台账第 1 版")
    assert PayoutLedger.objects.get(year=2024).version == 1

    with admin.expect_download() as download:
        admin.get_by_role("link", name="导出 Excel").click()
    path = tmp_path / "台账.xlsx"
    download.value.save_as(path)
    book = openpyxl.load_workbook(path)
    lines = list(book["台账"].iter_rows(min_row=2, values_only=True))
    assert any(row[3] == "书记生活补贴" and row[5] == 72000 for row in lines)
    totals = {row[1]: Decimal(str(row[2])) for row in book["街道合计"].iter_rows(min_row=2, values_only=True)}
    assert totals["全区合计"] == sum(Decimal(str(row[5])) for row in lines)
    by_street: dict[str, Decimal] = {}
    for row in lines:
        by_street[row[0]] = by_street.get(row[0], Decimal(0)) + Decimal(str(row[5]))
    assert {k: v for k, v in totals.items() if k != "全区合计"} == by_street

    # the budget: from the funds page, chart and table, the totals by street the sums of their lines
    admin.get_by_role("link", name="预算", exact=True).click()
    expect(admin.locator("h1")).to_contain_text("2024 年度投入保障与奖励预算")
    expect(admin.locator("#sources")).to_contain_text("往年导入")
    expect(admin.locator('[data-chart="budget"] canvas')).to_have_count(1)
    grand = admin.locator("#budget-total").inner_text()
    assert Decimal(grand.replace(",", "")) == totals["全区合计"]
    with admin.expect_download() as download:
        admin.get_by_role("link", name="导出 Excel").click()
    path = tmp_path / "预算.xlsx"
    download.value.save_as(path)
    rows = list(openpyxl.load_workbook(path)["预算"].iter_rows(min_row=2, values_only=True))
    assert {row[1]: Decimal(str(row[7])) for row in rows} == totals
    for row in rows:  # each street's total is the sum of its items
        assert Decimal(str(row[7])) == sum(Decimal(str(x)) for x in row[2:7])

    # the approved versions: who, when, why; version 1 opens with its lines
    admin.get_by_role("link", name="已批准的台账版本").click()
    expect(admin.locator("#versions")).to_contain_text("区委常委会审定")
    admin.get_by_role("link", name="第 1 版").click()
    expect(admin.locator("#lines")).to_contain_text("→ 副科级标准 72,000.00 元")
    expect(admin.locator("#no-diffs")).to_be_visible()
