"""Excel as offices really fill it, with real openpyxl files: a percentage-formatted cell, values with
more decimals than stored (rounded half-up), a number too large (row, column and the limit), the 说明
sheet's examples and rules, and templates that keep the header and the code and name in view."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from wuxing.core.excel import NOTES_TITLE
from wuxing.core.xlsx_reader import Percent, XlsxBook, XlsxLimits, is_percent_format
from wuxing.rules.models import Score
from wuxing.rules.tests.helpers import YEAR
from wuxing.rules.tests.test_score_import import TEMPLATE, run, stored

pytestmark = pytest.mark.django_db


def fill(content: bytes, values: dict[str, dict[str, Any]], formats: dict[str, str] | None = None) -> bytes:
    """Type values into a downloaded template, with a number format per indicator code (e.g. "0%")."""
    wb = load_workbook(io.BytesIO(content))
    ws = wb.worksheets[0]
    columns = {str(c.value).rsplit("[", 1)[-1].rstrip("]"): c.column for c in ws[1] if c.value}
    rows = {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}
    for org_code, cells in values.items():
        for code, value in cells.items():
            cell = ws.cell(row=rows[org_code], column=columns[code], value=value)
            if formats and code in formats:
                cell.number_format = formats[code]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("0%", True),
        ("0.00%", True),
        ("#,##0.0%", True),
        ("[Red]0.0%", True),
        ('0"%"', False),
        ("0\\%", False),
        ("General", False),
        ("0.00", False),
        ("yyyy-mm-dd", False),
    ],
)
def test_which_number_formats_are_percentages(code, expected):
    assert is_percent_format(code) is expected


def test_the_reader_marks_percentage_cells_and_leaves_others_plain():
    wb = Workbook()
    ws = wb.active
    ws.append(["a", "b", "c", "d"])
    ws.append([0.85, 0.85, 1, 0.125])
    ws["A2"].number_format = "0%"
    ws["C2"].number_format = "0.00%"  # built-in format 10
    ws["D2"].number_format = "0.0%"
    buf = io.BytesIO()
    wb.save(buf)
    with XlsxBook(io.BytesIO(buf.getvalue()), XlsxLimits()) as book:
        (_header, (_n, cells)) = list(book.rows(book.sheets[0]))
    assert [type(cells[c]) for c in (1, 2, 3, 4)] == [Percent, float, Percent, Percent]
    assert cells[2] == 0.85  # a plain cell is the number it holds
    assert [cells[c].as_percent() for c in (1, 3, 4)] == [Decimal(85), Decimal(100), Decimal("12.5")]
    assert cells[1] == 0.85  # still a float for importers that do not care


def test_a_percentage_cell_is_read_as_what_it_shows_for_a_percent_indicator(world, rulebooks, client_for):
    content = fill(
        client_for("admin").get(TEMPLATE).getvalue(),
        {
            # 85% as Excel stores it (0.85 with a % format); a general cell with 90 means 90 as before
            "BZ001": {"stjy.toilets": 0.85, "wmxf.insurance": 90},
            # 0.5% in a % cell is 0.5 (not 50); a % format on a 万元 column keeps the number it holds
            "ZB001": {"stjy.toilets": 0.005, "cyxw.income": 0.85},
        },
        formats={"stjy.toilets": "0%", "cyxw.income": "0%"},
    )
    report = run(world.users["admin"], content)
    assert report.ok, report.messages()
    assert stored(world.village_b) == {"stjy.toilets": Decimal(85), "wmxf.insurance": Decimal(90)}
    assert stored(world.village_a) == {"stjy.toilets": Decimal("0.5"), "cyxw.income": Decimal("0.85")}


def test_a_percentage_cell_over_100_percent_is_refused_with_the_range(world, rulebooks, client_for):
    content = fill(
        client_for("admin").get(TEMPLATE).getvalue(),
        {"BZ001": {"stjy.toilets": 1.2}},
        formats={"stjy.toilets": "0%"},
    )
    report = run(world.users["admin"], content)
    assert report.messages() == [
        "第2行 第19列（卫生厕所普及率（%） [stjy.toilets]）：卫生厕所普及率：应为 0–100 之间的数（单位：%）"
    ]


def test_more_decimals_than_stored_are_rounded_half_up(world, rulebooks, client_for):
    content = fill(
        client_for("admin").get(TEMPLATE).getvalue(),
        {
            "BZ001": {
                "cyxw.income": 18.549999999999997,  # what a formula leaves behind: 18.55
                "stjy.toilets": "85.123450",  # text: 4 places are stored, the fifth rounds half-up
                "zbgy.secretary": 13.455,  # a scale keeps 2 places: half-up, not banker's
            },
            "ZB001": {"cyxw.income": "20.00005", "zbgy.secretary": 13.454},
        },
    )
    report = run(world.users["admin"], content)
    assert report.ok, report.messages()
    assert stored(world.village_b) == {
        "cyxw.income": Decimal("18.55"),
        "stjy.toilets": Decimal("85.1235"),
        "zbgy.secretary": Decimal("13.46"),
    }
    assert stored(world.village_a) == {"cyxw.income": Decimal("20.0001"), "zbgy.secretary": Decimal("13.45")}


def test_rounding_never_lets_a_value_past_its_range(world, rulebooks, client_for):
    content = fill(
        client_for("admin").get(TEMPLATE).getvalue(),
        {"BZ001": {"stjy.toilets": 100.00005}},
    )
    report = run(world.users["admin"], content)
    assert report.messages() == [
        "第2行 第19列（卫生厕所普及率（%） [stjy.toilets]）：卫生厕所普及率：应为 0–100 之间的数（单位：%）"
    ]
    assert not Score.objects.exists()


def test_a_number_too_large_names_row_column_and_the_limit(world, rulebooks, client_for):
    content = fill(
        client_for("admin").get(TEMPLATE).getvalue(),
        {"ZB001": {"cyxw.projects": 10000, "cyxw.income": 10**11}},
    )
    report = run(world.users["admin"], content)
    assert report.messages() == [
        "第3行 第11列（村集体经济收入（万元） [cyxw.income]）：村集体经济收入：数字过大：最多 11 位整数",
        "第3行 第15列（当年新引进或实施产业项目（个） [cyxw.projects]）：当年新引进或实施产业项目：数字过大：最多 9999 个",
    ]
    assert [(e.row, e.col, e.col_letter) for e in report.errors] == [(3, 11, "K"), (3, 15, "O")]


def test_the_notes_sheet_carries_an_example_per_column_and_the_rules(world, rulebooks, client_for):
    wb = load_workbook(io.BytesIO(client_for("admin").get(TEMPLATE).getvalue()))
    notes = {row[0]: row for row in wb[NOTES_TITLE].iter_rows(values_only=True) if row and row[0]}
    example = {
        header.rsplit("[", 1)[-1].rstrip("]"): row[3] for header, row in notes.items() if "[" in header
    }
    assert example["stjy.toilets"] == "80%"
    assert example["cyxw.income"] == "20 万元"
    assert example["cyxw.cooperative"] == "是"
    assert example["zbgy.secretary"] == "9"  # the pass line of a 15-point scale
    assert all(value not in (None, "") for value in example.values())
    assert notes["组织编码"][3] == "BZ001"
    rules = " ".join(str(row[0]) for row in wb[NOTES_TITLE].iter_rows(values_only=True) if row and row[0])
    assert "四舍五入" in rules and "百分比" in rules
    # and every example imports as it stands
    content = fill(
        client_for("admin").get(TEMPLATE).getvalue(),
        {"BZ001": {code: value for code, value in example.items()}},
    )
    report = run(world.users["admin"], content)
    assert report.ok, report.messages()


@pytest.mark.parametrize(
    ("url", "freeze"),
    [
        (TEMPLATE, "C2"),
        (TEMPLATE + "&filled=1", "C2"),
        ("/orgs/import/template/orgs.xlsx", "D2"),
        ("/orgs/import/template/people.xlsx", "C2"),
    ],
)
def test_templates_keep_the_header_and_the_code_and_name_in_view(world, rulebooks, client_for, url, freeze):
    response = client_for("admin").get(url)
    assert response.status_code == 200, url
    content = b"".join(response.streaming_content) if response.streaming else response.content
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    assert ws.freeze_panes == freeze


def test_the_percentage_cell_through_the_page(world, rulebooks, client_for):
    from wuxing.core.tests.xlsxutil import upload

    client = client_for("street_a")
    content = fill(
        client.get(TEMPLATE).getvalue(), {"ZB001": {"stjy.toilets": 0.9}}, formats={"stjy.toilets": "0%"}
    )
    response = client.post(
        f"/stars/scores/?year={YEAR}", {"kind": "rural", "file": upload(content)}, follow=True
    )
    assert "导入成功：1 个组织的得分有变更并已保存" in response.content.decode()
    assert stored(world.village_a) == {"stjy.toilets": Decimal(90)}
