"""Each role's first page in a real browser, on the Beiguan demo: every chart is drawn (a canvas that is not
blank) and the table under it carries exactly the numbers of the chart's series."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "wuxing-demo"

# Per chart on the page: is its canvas drawn, and does each table cell [data-series=s] of row r equal
# series[s].data[r] of the chart's option?
CHECK_CHARTS = """() => Array.from(document.querySelectorAll('[data-chart]')).map((el) => {
  const chart = echarts.getInstanceByDom(el);
  const canvas = el.querySelector('canvas');
  let drawn = false;
  if (canvas) {
    const blank = document.createElement('canvas');
    blank.width = canvas.width; blank.height = canvas.height;
    drawn = canvas.width > 0 && canvas.height > 0 && canvas.toDataURL() !== blank.toDataURL();
  }
  const series = chart ? chart.getOption().series.map((s) => s.data.map(Number)) : [];
  const table = el.closest('section').querySelector('table.numbers');
  const cells = [];
  table.querySelectorAll('tbody tr').forEach((tr, r) => {
    tr.querySelectorAll('td[data-series]').forEach((td) => {
      cells.push([Number(td.dataset.series), r, Number(td.textContent.trim())]);
    });
  });
  return {name: el.dataset.chart, drawn, series, cells};
})"""


@pytest.fixture
def demo_scores(demo: Any) -> None:
    from wuxing.rules.demo import load_demo_scores

    load_demo_scores()


def charts_on(page: Any) -> dict[str, Any]:
    page.wait_for_function("document.querySelectorAll('[data-chart][data-drawn]').length > 0")
    return {c["name"]: c for c in page.evaluate(CHECK_CHARTS)}


def assert_tables_match(charts: dict[str, Any]) -> None:
    for name, c in charts.items():
        assert c["drawn"], f"chart {name}: the canvas is blank"
        assert c["cells"], f"chart {name}: no numbers in the table under it"
        expected = sorted((s, r, value) for s, data in enumerate(c["series"]) for r, value in enumerate(data))
        assert sorted(map(tuple, c["cells"])) == expected, f"chart {name}: table and chart differ"


@pytest.mark.parametrize("username", ["admin", "leader"])
def test_the_district_first_page(page, login, demo_scores, username):
    login(page, username, DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="全区概览 · 2023年")).to_be_visible()
    expect(page.locator("main")).to_contain_text("实时评定")
    charts = charts_on(page)
    assert set(charts) == {"streets", "total", "goals"}  # goals: the 动态竞争 panel
    assert_tables_match(charts)
    streets = charts["streets"]
    assert len(streets["series"]) == 6 and len(streets["series"][0]) == 10  # six levels × 10 streets/towns
    assert sum(map(sum, streets["series"])) == 112
    assert sum(charts["total"]["series"][0]) == 112
    # 44 of the 112 demo organisations have three stars or more
    expect(page.locator(".three-plus")).to_contain_text("39.3%")
    expect(page.locator(".three-plus")).to_contain_text("44/112")


def test_the_street_first_page(page, login, demo_scores):
    login(page, "jd_zb", DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="彰北街道 · 2023年")).to_be_visible()
    charts = charts_on(page)
    assert_tables_match(charts)
    assert len(charts["streets"]["series"][0]) == 1  # its own street only
    closest = page.locator("#closest tbody tr")
    expect(closest.first).to_be_visible()
    assert closest.count() >= 1


def test_the_secretary_first_page(page, login, demo_scores):
    login(page, "sj_bz001", DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="后万金村 · 2023年")).to_be_visible()
    charts = charts_on(page)
    assert set(charts) == {"points"}
    assert_tables_match(charts)
    assert len(charts["points"]["series"][0]) == 5  # five stars
    expect(page.locator("#to-fill h2")).to_contain_text("项指标未填报")
    expect(page.locator("#missing-evidence h2")).to_contain_text("缺少佐证材料")
    expect(page.get_by_role("link", name="填报指标和佐证材料")).to_be_visible()


def test_the_unit_first_page(page, login, demo_scores):
    login(page, "dw_u01", DEMO_PASSWORD)
    expect(page.locator("main h1")).to_contain_text("区委办公室")
    charts = charts_on(page)
    assert set(charts) == {"total"}
    assert_tables_match(charts)
    rows = page.locator("#unit-orgs tbody tr")
    assert rows.count() == sum(charts["total"]["series"][0])
