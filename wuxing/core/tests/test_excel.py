"""wuxing.core.excel with a toy table: typed export cells, text-not-formula, all-or-nothing import."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from wuxing.core.excel import (
    CellError,
    Column,
    RowError,
    build_template,
    build_workbook,
    read_sheet,
    run_import,
)
from wuxing.core.models import DecisionLog
from wuxing.core.tests.xlsxutil import load, read_rows, sheet_xml, xlsx_file

NOT_XLSX = "不是有效的 .xlsx 文件，请上传由模板填写的 Excel 文件"
COLUMNS = [
    Column("code", "编码", required=True),
    Column("name", "名称", required=True),
    Column("kind", "类型", choices=["甲", "乙"]),
    Column("amount", "金额"),
]


def test_columns_with_list_choices_are_hashable() -> None:
    col = Column("kind", "类型", choices=["甲", "乙"])
    assert {col: 1}[col] == 1
    assert col.choices == ("甲", "乙")


def test_cell_error_text() -> None:
    assert str(CellError(4, 6, "党员人数", "不对")) == "第4行 第6列（党员人数）：不对"
    assert str(CellError(1, None, "", "文件是空的")) == "第1行：文件是空的"


# --- export ---


def test_build_workbook_writes_typed_cells_and_chinese_headers() -> None:
    content = build_workbook(
        [
            ("列表", COLUMNS, [["A1", "名称一", "甲", Decimal("12.50")], ["A2", "名称二", None, 3]]),
            ("第二页", COLUMNS[:2], [[dt.date(2024, 10, 8), True]]),
        ]
    )
    wb = load(content)
    assert wb.sheetnames == ["列表", "第二页"]
    assert read_rows(content) == [
        ["编码", "名称", "类型", "金额"],
        ["A1", "名称一", "甲", 12.5],
        ["A2", "名称二", None, 3],
    ]
    second = wb["第二页"]
    assert second["A2"].value == dt.datetime(2024, 10, 8)  # noqa: DTZ001 (Excel dates are naive)
    assert second["A2"].is_date
    assert second["B2"].value is True
    assert wb["列表"]["D2"].data_type == "n"
    assert wb["列表"].freeze_panes == "A2"


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1+2", "@A1", "\t=1", '=HYPERLINK("http://x")'])
def test_formula_looking_text_is_stored_as_text(text: str) -> None:
    content = build_workbook([("表", COLUMNS[:1], [[text]])])
    cell = load(content).worksheets[0]["A2"]
    assert (cell.value, cell.data_type) == (text, "s")
    assert "<f>" not in sheet_xml(content)


@pytest.mark.parametrize(
    "text",
    [
        " =1+1",  # LibreOffice takes a formula after leading spaces
        "\u3000=1+1",  # … and after an ideographic space
        "\n=1+1",
        "＝1+1",  # full-width, as a Chinese input method types it
        "#N/A",  # an error code would otherwise be written as an error cell
        "#DIV/0!",
    ],
)
def test_text_a_spreadsheet_would_evaluate_stays_text_with_a_quote_prefix(text: str) -> None:
    content = build_workbook([("表", COLUMNS[:1], [[text], ["a=b"], ["1-2"]])])
    ws = load(content).worksheets[0]
    cell = ws["A2"]
    assert (cell.value, cell.data_type) == (text, "s")
    assert cell.quotePrefix  # Excel keeps it text when someone edits the cell
    assert "<f>" not in sheet_xml(content)
    # text that no spreadsheet evaluates is left as it is
    assert [(ws[c].value, ws[c].quotePrefix) for c in ("A3", "A4")] == [("a=b", False), ("1-2", False)]


def test_values_an_xlsx_cannot_hold_are_written_not_refused() -> None:
    """Control characters are dropped (an .xlsx cannot hold them); an aware time is shown in Beijing
    time (Excel has no time zones)."""
    from django.db.models import IntegerChoices

    class Level(IntegerChoices):
        THREE = 3, "三星"

    aware = dt.datetime(2024, 1, 1, 0, 30, tzinfo=dt.UTC)
    content = build_workbook([("表", COLUMNS[:3], [["名\x00称\x07", aware, Level.THREE]])])
    ws = load(content).worksheets[0]
    assert ws["A2"].value == "名称"
    assert ws["B2"].value == dt.datetime(2024, 1, 1, 8, 30)  # noqa: DTZ001 (Excel dates are naive)
    assert (ws["C2"].value, ws["C2"].data_type) == (3, "n")  # an int subclass is still a number


def test_writing_does_not_rescan_the_sheet_per_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """Export work per row is constant: nothing in the writer asks openpyxl for the sheet's size (which
    scans every cell written so far) while rows are written — 2,000 rows cost no more scans than 20."""
    from openpyxl.worksheet.worksheet import Worksheet

    scans = {"n": 0}
    original = Worksheet.max_row

    def counting(ws: Any) -> int:
        scans["n"] += 1
        return int(original.fget(ws))

    monkeypatch.setattr(Worksheet, "max_row", property(counting))
    counts = []
    for n in (20, 2000):
        scans["n"] = 0
        build_workbook([("表", COLUMNS, ([f"A{i}", f"名称{i}", "甲", i] for i in range(n)))])
        counts.append(scans["n"])
    assert counts[1] == counts[0], counts


def test_rows_are_streamed_so_memory_does_not_grow_with_rows() -> None:
    """The writer takes rows from a generator one at a time and keeps none of them: peak memory while
    writing 8,000 rows is about that of 1,000 (an in-memory workbook needs 8 times as much)."""
    import gc
    import tracemalloc

    def peak(n: int) -> int:
        rows = ([f"A{i}", f"名称{i}", "甲", Decimal(i)] for i in range(n))
        gc.collect()
        tracemalloc.start()
        try:
            build_workbook([("表", COLUMNS, rows)])
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(1000), peak(8000)
    assert large < 2 * small, (small, large)


def test_negative_numbers_stay_numbers() -> None:
    content = build_workbook([("表", COLUMNS[:1], [[-5], [Decimal("-1.50")]])])
    ws = load(content).worksheets[0]
    assert [(ws["A2"].value, ws["A2"].data_type), (ws["A3"].value, ws["A3"].data_type)] == [
        (-5, "n"),
        (-1.5, "n"),
    ]


def test_template_with_rows_header_styles_and_limits_in_the_notes() -> None:
    """A template may carry rows to fill in (the score template lists the organisations): they go through
    the same writer, so a name that looks like a formula stays text."""
    name = '=HYPERLINK("http://example.com","点我")'
    content = build_template("导入", COLUMNS, rows=[["A1", name], ["A2", "名称二"]])
    wb = load(content)
    ws = wb["导入"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["编码", "名称", "类型", "金额"],
        ["A1", name, None, None],
        ["A2", "名称二", None, None],
    ]
    assert ws["B2"].data_type == "s" and "<f>" not in sheet_xml(content)
    assert [ws.cell(row=1, column=c).font.bold for c in (1, 2, 3, 4)] == [True] * 4
    assert [ws.cell(row=1, column=c).fill.fgColor.rgb[-6:] for c in (1, 2)] == ["FDE9D9", "FDE9D9"]
    assert ws.cell(row=1, column=3).fill.fill_type is None  # not required: not shaded
    assert (ws.freeze_panes, ws.column_dimensions["B"].width) == ("A2", 16)
    notes = " ".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value)
    assert "一次最多 20000 行、200 列，每个单元格不超过 2000 个字，文件不超过 10MB" in notes
    assert "不要改名、不要隐藏" in notes and "粘贴 → 数值" in notes


def test_template_has_header_notes_with_examples_and_dropdowns() -> None:
    wb = load(build_template("导入", COLUMNS, ["A1", "名称", "甲", "1"]))
    ws = wb["导入"]
    assert [c.value for c in ws[1]] == ["编码", "名称", "类型", "金额"]
    # the example lives on the 说明 sheet only, so importing an untouched template imports nothing
    assert ws.max_row == 1
    notes = [[c.value for c in row] for row in wb["说明"].iter_rows()]
    assert notes[0] == ["列", "是否必填", "说明", "示例"]
    assert notes[1] == ["编码", "必填", None, "A1"] and notes[3] == ["类型", "选填", None, "甲"]
    validations = ws.data_validations.dataValidation
    assert [(v.formula1, str(v.sqref)) for v in validations] == [('"甲,乙"', "C2:C20000")]


# --- read and import ---


def test_read_sheet_normalises_and_skips_empty_rows() -> None:
    f = xlsx_file(
        [" 名称\u3000", "编码", "金额"],
        [["\u3000名 称一 ", "ａ１", "１２"], None, [None, "  ", None], ["名称二", "A2", 5]],
    )
    data, errors = read_sheet(f, COLUMNS)
    assert errors == []
    assert data == [
        (2, {"name": "名 称一", "code": "a1", "amount": "12"}),
        (5, {"name": "名称二", "code": "A2", "amount": 5}),
    ]


def test_read_sheet_accepts_column_keys_as_headers() -> None:
    data, errors = read_sheet(xlsx_file(["code", "name"], [["A1", "甲"]]), COLUMNS)
    assert (errors, data) == ([], [(2, {"code": "A1", "name": "甲"})])


def test_read_sheet_header_errors_are_all_reported() -> None:
    data, errors = read_sheet(xlsx_file(["编码", "备注", "编码"], [["A1", "x", "A2"]]), COLUMNS)
    assert data == []
    assert [str(e) for e in errors] == [
        "第1行 第2列（备注）：不认识的表头，请使用下载的模板",
        "第1行 第3列（编码）：表头重复",
        "第1行：缺少必填列“名称”",
    ]


def handler(seen: list[int]) -> Any:
    """Writes a DecisionLog row per good record (so a rollback is visible) and refuses bad ones."""
    from wuxing.orgs.models import DispatchedUnit

    def handle(rownum: int, rec: dict[str, Any]) -> str:
        seen.append(rownum)
        if rec.get("kind") not in (None, "甲", "乙"):
            raise RowError(f"“{rec['kind']}”不是有效的类型", "kind")
        if rec.get("amount") == "x":
            raise ValidationError({"amount": ["金额不对"], "name": ["名称也不对"]})
        if rec.get("amount") == "whole":
            raise RowError("整行有问题")
        unit = DispatchedUnit.objects.create(code=str(rec["code"]), name=str(rec["name"]))
        DecisionLog.objects.create(
            content_type=ContentType.objects.get_for_model(unit), object_id=str(unit.pk), action="test"
        )
        return "created"

    return handle


@pytest.mark.django_db
def test_run_import_all_good() -> None:
    seen: list[int] = []
    report = run_import(xlsx_file(["编码", "名称"], [["A1", "甲"], ["A2", "乙"]]), COLUMNS, handler(seen))
    assert (report.ok, report.created, report.updated) == (True, 2, 0)
    assert DecisionLog.objects.filter(action="test").count() == 2


@pytest.mark.django_db
def test_run_import_one_bad_row_rolls_back_everything_and_reports_sheet_positions() -> None:
    seen: list[int] = []
    header = ["类型", "金额", "名称", "编码"]  # not the order of COLUMNS
    rows: list[list[object] | None] = [
        [None, 1, "甲", "A1"],
        ["丙", 2, "乙", "A2"],
        [None, "x", "丁", "A3"],
        None,
        [None, "whole", "戊", "A4"],
        [None, 3, "己", "A5"],
    ]
    report = run_import(xlsx_file(header, rows), COLUMNS, handler(seen))
    assert seen == [2, 3, 4, 6, 7]  # every row is checked, so every problem is reported at once
    assert report.messages() == [
        "第3行 第1列（类型）：“丙”不是有效的类型",
        "第4行 第2列（金额）：金额不对",
        "第4行 第3列（名称）：名称也不对",
        "第6行：整行有问题",
    ]
    assert (report.ok, report.created, report.updated) == (False, 0, 0)
    assert DecisionLog.objects.filter(action="test").count() == 0
    from wuxing.orgs.models import DispatchedUnit

    assert DispatchedUnit.objects.count() == 0


@pytest.mark.django_db
def test_run_import_error_on_a_column_absent_from_the_sheet_names_the_row() -> None:
    report = run_import(
        xlsx_file(["编码", "名称"], [["A1", "甲"]]),
        COLUMNS,
        lambda n, r: (_ for _ in ()).throw(RowError("类型必须填写", "kind")),
    )
    assert report.messages() == ["第2行：类型必须填写"]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", NOT_XLSX),
        (b"PK\x03\x04 broken zip", NOT_XLSX),
        ("编码,名称\nA1,甲\n".encode("gbk"), NOT_XLSX),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
            "文件已加密或是旧版 .xls 格式：请取消密码，另存为 .xlsx 后再上传",
        ),
    ],
)
def test_unreadable_files(content: bytes, message: str) -> None:
    data, errors = read_sheet(io.BytesIO(content), COLUMNS)
    assert data == [] and [str(e) for e in errors] == [message]


def test_a_renamed_header_is_matched_by_the_code_in_brackets() -> None:
    from wuxing.core.excel import Column

    columns = [Column("cyxw.income", "村集体经济收入（万元） [cyxw.income]")]
    data, errors = read_sheet(xlsx_file(["村集体经营性收入 [cyxw.income]"], [["18"]]), columns)
    assert errors == [] and data == [(2, {"cyxw.income": "18"})]
    data, errors = read_sheet(xlsx_file(["别的表头 [cyxw.other]"], [["18"]]), columns)
    assert str(errors[0]).startswith("第1行 第1列（别的表头 [cyxw.other]）：不认识的表头")
