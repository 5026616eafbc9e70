"""Reading uploads safely: the size of the upload and of what it unpacks to is checked before anything is
parsed; rows, columns and cell lengths are bounded while reading; the importer reads the sheet its
template names, refuses hidden ones, and says which cells are formulas without a value."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import Workbook

from wuxing.core.excel import Column, RowError, read_sheet, run_import
from wuxing.core.tests.xlsxutil import bomb_xlsx, raw_xlsx, row_xml, s_cell, text_cell, xlsx_bytes, xlsx_file
from wuxing.core.text import excerpt

MB = 1024 * 1024
COLUMNS = [Column("code", "编码", required=True), Column("name", "名称")]
LIMITS = {
    "max_members": 2000,
    "max_member_bytes": 50 * MB,
    "max_total_bytes": 100 * MB,
    "max_ratio": 100,
    "max_rows": 20000,
    "max_columns": 200,
    "max_cell_chars": 2000,
}


def messages(content: bytes, sheet: str | None = None) -> list[str]:
    _data, errors = read_sheet(io.BytesIO(content), COLUMNS, sheet)
    return [str(e) for e in errors]


def with_part(content: bytes, name: str, data: bytes, compression: int = zipfile.ZIP_STORED) -> bytes:
    """`content` with one more zip part."""
    buf = io.BytesIO(content)
    with zipfile.ZipFile(buf, "a", compression) as z:
        z.writestr(name, data)
    return buf.getvalue()


GOOD = xlsx_bytes(["编码", "名称"], [["A1", "甲"]])


# --- the helper every echoing message uses ---


@pytest.mark.parametrize(
    "value, expected",
    [
        ("A" * 20, "A" * 20),
        ("A" * 21, "A" * 20 + "…"),
        ("  两个\n 空格 ", "两个 空格"),
        (None, ""),
        (12345, "12345"),
        ("很" * 100_000, "很" * 20 + "…"),
    ],
)
def test_excerpt_quotes_at_most_a_short_prefix(value: object, expected: str) -> None:
    assert excerpt(value) == expected


# --- before parsing: size, zip, the zip's parts ---


def test_upload_size_limit_at_its_boundary(settings: Any) -> None:
    settings.WUXING_IMPORT_MAX_BYTES = len(GOOD)
    assert messages(GOOD) == []
    settings.WUXING_IMPORT_MAX_BYTES = len(GOOD) - 1
    assert messages(GOOD) == [f"文件超过 {(len(GOOD) - 1) / MB:.1f}MB，请拆分后上传"]


def test_the_default_upload_limit_is_10mb() -> None:
    padded = with_part(GOOD, "xl/media/photo.bin", os.urandom(10 * MB))
    assert messages(padded) == ["文件超过 10MB，请拆分后上传"]


def test_a_part_at_the_member_limit_is_read_and_one_byte_more_is_refused(settings: Any) -> None:
    settings.WUXING_XLSX_LIMITS = {**LIMITS, "max_member_bytes": 2 * MB}
    assert messages(with_part(GOOD, "xl/media/a.bin", os.urandom(2 * MB))) == []
    assert messages(with_part(GOOD, "xl/media/a.bin", os.urandom(2 * MB + 1))) == [
        "文件解压后过大（超过 2MB），请拆分后上传"
    ]


def test_all_parts_together_are_limited(settings: Any) -> None:
    settings.WUXING_XLSX_LIMITS = {**LIMITS, "max_total_bytes": 3 * MB}
    one = with_part(GOOD, "xl/media/a.bin", os.urandom(MB))
    assert messages(one) == []
    two = with_part(with_part(one, "xl/media/b.bin", os.urandom(MB)), "xl/media/c.bin", os.urandom(MB))
    assert messages(two) == ["文件解压后过大（超过 3MB），请拆分后上传"]


def test_compression_ratio_is_limited_for_parts_over_1mb() -> None:
    # 1 MB of zeros compresses about 1000:1; at exactly 1 MB a part is not held to the ratio
    assert messages(with_part(GOOD, "xl/media/z.bin", bytes(MB), zipfile.ZIP_DEFLATED)) == []
    assert messages(with_part(GOOD, "xl/media/z.bin", bytes(MB + 1), zipfile.ZIP_DEFLATED)) == [
        "文件内容异常（压缩比过高），请用 Excel 另存为新的 .xlsx 文件后上传"
    ]


def test_a_shared_string_bomb_is_refused_before_parsing() -> None:
    bomb = bomb_xlsx(300)
    assert len(bomb) < 1024 * 1024  # a few hundred KB on the wire …
    assert messages(bomb) == ["文件解压后过大（超过 50MB），请拆分后上传"]  # … 300 MB unpacked


def test_the_bomb_import_runs_in_bounded_memory(tmp_path: Path) -> None:
    """The hostile tester's file: a shared string that unpacks to 300 MB. The import runs in a fresh
    process whose peak memory (including Django itself) stays under 300 MB, and the answer is Chinese.
    (The process may not use more than 2 GB of address space, so a regression fails here instead of
    taking the machine's memory.)"""
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb_xlsx(300))
    script = (
        "import json, resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
        "import django\n"
        "django.setup()\n"
        "from wuxing.core.excel import read_sheet\n"
        "from wuxing.orgs.services import ORG_COLUMNS\n"
        "with open(sys.argv[1], 'rb') as fh:\n"
        "    data, errors = read_sheet(fh, ORG_COLUMNS)\n"
        # VmHWM, not ru_maxrss: a child's ru_maxrss starts at its parent's (here the test worker's) peak
        "peak = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:')) // 1024\n"
        "print(json.dumps({'errors': [str(e) for e in errors], 'rows': len(data), 'peak_mb': peak}))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "wuxing.test_settings"}
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[3],
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["errors"] == ["文件解压后过大（超过 50MB），请拆分后上传"] and result["rows"] == 0
    assert result["peak_mb"] < 300, result


def test_a_document_type_declaration_is_refused() -> None:
    content = raw_xlsx([("Sheet1", row_xml(1, text_cell("A1", "编码")))])
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(buf, "w") as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/sharedStrings.xml" or info.filename.endswith("sheet1.xml"):
                data = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>' + data.split(b"?>", 1)[1]
            z.writestr(info, data)
    assert messages(buf.getvalue()) == ["文件内容异常（含有 DTD），请用 Excel 另存为新的 .xlsx 文件后上传"]


# --- while reading: rows, columns, cell length ---


def test_row_limit_at_its_boundary(settings: Any) -> None:
    settings.WUXING_XLSX_LIMITS = {**LIMITS, "max_rows": 3}
    three = xlsx_bytes(["编码", "名称"], [["A1", "甲"], ["A2", "乙"], None, ["A3", "丙"]])
    data, errors = read_sheet(io.BytesIO(three), COLUMNS)
    assert (errors, [n for n, _r in data]) == ([], [2, 3, 5])  # empty rows do not count
    four = xlsx_bytes(["编码", "名称"], [["A1", "甲"], ["A2", "乙"], ["A3", "丙"], ["A4", "丁"]])
    assert messages(four) == ["第5行：一次最多导入 3 行，请拆分文件"]


def test_column_limit_at_its_boundary(settings: Any) -> None:
    settings.WUXING_XLSX_LIMITS = {**LIMITS, "max_columns": 5}
    at_limit = xlsx_bytes(["编码", "名称"], [["A1", "甲", None, None, "备注"]])
    assert messages(at_limit) == []
    beyond = xlsx_bytes(["编码", "名称"], [["A1", "甲"], ["A2", "乙", None, None, None, "x"]])
    assert messages(beyond) == ["第3行 第6列：超过 5 列，请删除多余的列"]
    wide_header = xlsx_bytes(["编码", "名称", "", "", "", "多余"], [])
    assert messages(wide_header) == ["第1行 第6列：超过 5 列，请删除多余的列"]


def test_cell_length_limit_at_its_boundary() -> None:
    ok = xlsx_bytes(["编码", "名称"], [["A1", "名" * 2000]])
    data, errors = read_sheet(io.BytesIO(ok), COLUMNS)
    assert errors == [] and data[0][1]["name"] == "名" * 2000
    too_long = raw_xlsx(
        [
            (
                "Sheet1",
                row_xml(1, s_cell("A1", 0), s_cell("B1", 1)) + row_xml(2, s_cell("A2", 2), s_cell("B2", 3)),
            )
        ],
        ["编码", "名称", "A1", "长" * 100_000],
    )
    assert messages(too_long) == ["第2行 第2列（名称）：内容超过 2000 个字符（“" + "长" * 20 + "…”）"]
    inline = xlsx_bytes(["编码", "名称"], [["A1", "名" * 2001]])
    assert messages(inline) == ["第2行 第2列（名称）：内容超过 2000 个字符（“" + "名" * 20 + "…”）"]
    # Excel writes a line break as _x000D_: the limit counts characters as shown, and nothing is cut
    header = row_xml(1, text_cell("A1", "编码"), text_cell("B1", "名称"))
    shown_2000 = "_x000A_" * 400 + "名" * 1600
    data, errors = read_sheet(
        io.BytesIO(
            raw_xlsx([("Sheet1", header + row_xml(2, text_cell("A2", "A1"), text_cell("B2", shown_2000)))])
        ),
        COLUMNS,
    )
    assert errors == [] and data[0][1]["name"] == "名" * 1600  # the line breaks fold into nothing
    shown_2001 = "_x000A_" * 401 + "名" * 1600
    content = raw_xlsx([("Sheet1", header + row_xml(2, text_cell("A2", "A1"), text_cell("B2", shown_2001)))])
    assert messages(content) == ["第2行 第2列（名称）：内容超过 2000 个字符（“" + "名" * 20 + "…”）"]


def test_a_long_unknown_header_is_quoted_short() -> None:
    content = xlsx_bytes(["编码", "名称", "备" * 1500], [["A1", "甲"]])
    assert messages(content) == ["第1行 第3列（" + "备" * 40 + "…）：不认识的表头，请使用下载的模板"]


@pytest.mark.django_db
def test_too_many_errors_are_cut_short() -> None:
    rows = [[f"A{i}", "x"] for i in range(300)]
    seen: list[int] = []

    def handle(rownum: int, rec: dict[str, Any]) -> str:
        seen.append(rownum)
        raise RowError("不对", "name")

    report = run_import(xlsx_file(["编码", "名称"], rows), COLUMNS, handle)
    assert len(report.errors) == 200 and report.truncated and len(seen) == 200
    assert report.messages()[-1] == "错误过多，只列出前 200 处，请修改后重新上传"


# --- which sheet ---


def workbook(*sheets: tuple[str, list[list[Any]], str]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows, state in sheets:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
        ws.sheet_state = state
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


DATA: list[list[Any]] = [["编码", "名称"], ["A1", "甲"]]
OTHER: list[list[Any]] = [["编码", "名称"], ["B9", "别的"]]


def codes(content: bytes, sheet: str | None = "组织") -> list[Any]:
    data, errors = read_sheet(io.BytesIO(content), COLUMNS, sheet)
    assert errors == []
    return [r["code"] for _n, r in data]


def test_the_sheet_the_template_names_is_read_wherever_it_is() -> None:
    assert codes(workbook(("我的草稿", OTHER, "visible"), ("组织", DATA, "visible"))) == ["A1"]


def test_the_notes_sheet_is_ignored_and_a_single_data_sheet_may_be_renamed() -> None:
    assert codes(workbook(("说明", OTHER, "visible"), ("Sheet1", DATA, "visible"))) == ["A1"]
    assert codes(workbook(("Sheet1", DATA, "visible"))) == ["A1"]


def test_several_sheets_none_of_them_the_templates_is_refused() -> None:
    content = workbook(("Sheet1", DATA, "visible"), ("Sheet2", OTHER, "visible"))
    assert messages(content, "组织") == [
        "找不到数据表“组织”：文件有多个工作表，请在下载的模板中填写，不要修改工作表名称"
    ]


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_data_sheet_is_refused(state: str) -> None:
    content = workbook(("封面", OTHER, "visible"), ("组织", DATA, state))
    assert messages(content, "组织") == ["数据表“组织”被隐藏，请取消隐藏后再上传"]
    single = raw_xlsx(
        [("Sheet1", row_xml(1, text_cell("A1", "编码")) + row_xml(2, text_cell("A2", "A1")), state)]
    )
    assert messages(single, "组织") == ["数据表“Sheet1”被隐藏，请取消隐藏后再上传"]


# --- what a cell holds ---


def cells_of(row2: str, styles: str = "", date1904: bool = False) -> list[str] | dict[str, Any]:
    content = raw_xlsx(
        [("Sheet1", row_xml(1, text_cell("A1", "编码"), text_cell("B1", "名称")) + row_xml(2, row2))],
        styles=styles,
        date1904=date1904,
    )
    data, errors = read_sheet(io.BytesIO(content), COLUMNS)
    return [str(e) for e in errors] if errors else data[0][1]


def test_a_formula_without_a_cached_value_is_reported_and_one_with_a_value_is_read() -> None:
    assert cells_of('<c r="A2"><f>1+1</f><v/></c><c r="B2" t="str"><f>"甲"&amp;"乙"</f></c>') == [
        "第2行 第1列（编码）：是公式，请粘贴为数值",
        "第2行 第2列（名称）：是公式，请粘贴为数值",
    ]
    cached = '<c r="A2"><f>1+1</f><v>2</v></c><c r="B2" t="str"><f>"甲"&amp;"乙"</f><v>甲乙</v></c>'
    assert cells_of(cached) == {"code": 2, "name": "甲乙"}
    # a formula whose result is the empty string is a blank cell, not a formula to paste as a value
    assert cells_of('<c r="A2"><v>7</v></c><c r="B2" t="str"><f>""</f><v></v></c>') == {
        "code": 7,
        "name": None,
    }


def test_an_error_value_is_reported() -> None:
    assert cells_of('<c r="A2"><v>1</v></c><c r="B2" t="e"><f>1/0</f><v>#DIV/0!</v></c>') == [
        "第2行 第2列（名称）：单元格显示错误值 #DIV/0!，请修改后再上传"
    ]


def test_typed_cells_as_excel_and_wps_write_them() -> None:
    styles = (
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
        '</numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/></cellXfs>'
    )
    assert cells_of('<c r="A2" s="1"><v>45292</v></c><c r="B2" s="2"><v>45293.5</v></c>', styles) == {
        "code": dt.datetime(2024, 1, 1),  # noqa: DTZ001 (Excel dates are naive)
        "name": dt.datetime(2024, 1, 2, 12),  # noqa: DTZ001
    }
    assert cells_of('<c r="A2" s="1"><v>1</v></c><c r="B2" t="b"><v>1</v></c>', styles, date1904=True) == {
        "code": dt.datetime(1904, 1, 2),  # noqa: DTZ001
        "name": True,
    }
    rich = (
        '<c r="A2" t="inlineStr"><is><r><t>后万</t></r><r><rPr><b/></rPr><t>金村</t></r>'
        "<rPh><t>ハウ</t></rPh></is></c>"
        '<c r="B2" t="inlineStr"><is><t>第一行_x000D_第二行</t></is></c>'
    )
    assert cells_of(rich) == {"code": "后万金村", "name": "第一行 第二行"}


# --- damaged files ---

_GOOD_FILES = [
    xlsx_bytes(["编码", "名称"], [["A1", "甲"], ["A2", 3]]),
    raw_xlsx(
        [
            (
                "S",
                row_xml(1, s_cell("A1", 0), s_cell("B1", 1))
                + row_xml(2, s_cell("A2", 2), '<c r="B2"><f>1</f><v>1</v></c>'),
            )
        ],
        ["编码", "名称", "x"],
    ),
]


@given(
    which=st.sampled_from(range(len(_GOOD_FILES))),
    damage=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=6
    ),
)
@hypothesis_settings(max_examples=300, deadline=None)
def test_a_damaged_file_gives_a_message_never_an_exception(
    which: int, damage: list[tuple[float, int]]
) -> None:
    content = bytearray(_GOOD_FILES[which])
    for where, byte in damage:
        content[int(where * len(content))] = byte
    data, errors = read_sheet(io.BytesIO(bytes(content)), COLUMNS)
    assert data or errors
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in str(e)) for e in errors)  # Chinese, for the user
