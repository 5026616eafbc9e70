"""Excel in and out (openpyxl).

Export: one header row, typed cells, formula-looking text stored as text (never evaluated).
Import: all-or-nothing. Every problem is reported as "第N行 第M列（表头）：…" — rows and columns
counted the way Excel shows them — and nothing is written unless every row is valid.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.utils.encoding import escape_uri_path
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from wuxing.core.text import normalize_text

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_IMPORT_ROWS = 20000


@dataclass(frozen=True)
class Column:
    """One column of an export or an import template."""

    key: str
    header: str
    required: bool = False
    help: str = ""
    width: int = 16
    choices: Sequence[str] = ()

    def __post_init__(self) -> None:
        # Callers pass lists; the column must stay hashable (read_sheet keeps columns in sets).
        object.__setattr__(self, "choices", tuple(self.choices))


@dataclass
class CellError:
    row: int
    col: int | None
    header: str
    message: str

    def __str__(self) -> str:
        if self.col is None:
            return f"第{self.row}行：{self.message}"
        return f"第{self.row}行 第{self.col}列（{self.header}）：{self.message}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[CellError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def messages(self) -> list[str]:
        return [str(e) for e in self.errors]


class ImportAborted(Exception):
    def __init__(self, errors: list[CellError]):
        super().__init__("; ".join(str(e) for e in errors[:5]))
        self.errors = errors


class RowError(Exception):
    """Raised by a row handler: `field` is a column key (or None for the whole row)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def _safe_cell_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value  # openpyxl writes Decimal as a number
    if isinstance(value, bool | int | dt.date | dt.datetime) or value is None:
        return value
    return str(value)


def build_workbook(sheets: Iterable[tuple[str, Sequence[Column], Iterable[Sequence[Any]]]]) -> bytes:
    """Write sheets of (title, columns, rows) to xlsx bytes."""
    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FDE9D9")
    for title, columns, rows in sheets:
        ws = wb.create_sheet(title=title[:31])
        ws.append([c.header for c in columns])
        for idx, col in enumerate(columns, start=1):
            cell = ws.cell(row=1, column=idx)
            cell.font = bold
            if col.required:
                cell.fill = fill
            ws.column_dimensions[get_column_letter(idx)].width = col.width
        for row in rows:
            ws.append([_safe_cell_value(v) for v in row])
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                    # Keep the text as typed, but never as a formula Excel would evaluate.
                    cell.data_type = "s"
                    cell.quotePrefix = True
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def build_template(title: str, columns: Sequence[Column], example: Sequence[Any] | None = None) -> bytes:
    """An import template: the header row and drop-downs for choices on the first sheet, and a 说明 sheet
    that explains each column with an example value (kept off the data sheet, so it is never imported)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title[:31]
    ws.append([c.header for c in columns])
    fill = PatternFill("solid", fgColor="FDE9D9")
    for idx, col in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=idx)
        cell.font = Font(bold=True)
        if col.required:
            cell.fill = fill
        ws.column_dimensions[get_column_letter(idx)].width = col.width
        if col.choices:
            letter = get_column_letter(idx)
            dv = DataValidation(type="list", formula1='"' + ",".join(col.choices) + '"', allow_blank=True)
            dv.error = "请从下拉列表中选择"
            ws.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}{MAX_IMPORT_ROWS}")
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("说明")
    notes.append(["列", "是否必填", "说明", "示例"])
    for i, c in enumerate(columns):
        sample = example[i] if example and i < len(example) else None
        notes.append([c.header, "必填" if c.required else "选填", c.help, _safe_cell_value(sample)])
    notes.append([])
    notes.append(
        ["导入规则：整份文件全部正确才会导入；任何一行出错都不会写入任何数据，请按提示修改后重新上传。"]
    )
    notes.append(["第一行为表头，请勿修改；数字可用全角或半角；单元格前后的空格会被忽略。"])
    notes.column_dimensions["C"].width = 80
    notes["C1"].alignment = Alignment(wrap_text=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_MIME)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    return response


def read_sheet(
    fileobj: Any, columns: Sequence[Column]
) -> tuple[list[tuple[int, dict[str, Any]]], list[CellError]]:
    """Read the first sheet into (excel_row_number, {key: value}) pairs.

    Headers are matched by their (normalised) text, in any order; unknown headers are an error so a
    misspelt column is never silently dropped. Completely empty rows are skipped. String values are
    normalised (full-width → half-width, stray spaces trimmed).
    """
    data, errors, _positions = _read_sheet(fileobj, columns)
    return data, errors


def _read_sheet(
    fileobj: Any, columns: Sequence[Column]
) -> tuple[list[tuple[int, dict[str, Any]]], list[CellError], dict[str, int]]:
    """read_sheet, plus where each column key sits in the sheet (1-based, as Excel counts)."""
    errors: list[CellError] = []
    try:
        wb = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for non-xlsx input
        return [], [CellError(1, None, "", "无法读取文件，请上传由模板填写的 .xlsx 文件")], {}
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    try:
        header = next(rows)
    except StopIteration:
        return [], [CellError(1, None, "", "文件是空的")], {}
    by_header = {normalize_text(c.header): c for c in columns}
    by_key = {c.key: c for c in columns}
    positions: dict[int, Column] = {}
    for idx, raw in enumerate(header, start=1):
        text = normalize_text(raw)
        if not text:
            continue
        col = by_header.get(text) or by_key.get(text) or by_key.get(_bracketed_code(text))
        if col is None:
            errors.append(CellError(1, idx, text, "不认识的表头，请使用下载的模板"))
            continue
        if col in positions.values():
            errors.append(CellError(1, idx, text, "表头重复"))
            continue
        positions[idx] = col
    present = set(positions.values())
    for col in columns:
        if col.required and col not in present:
            errors.append(CellError(1, None, col.header, f"缺少必填列“{col.header}”"))
    if errors:
        return [], errors, {}
    data: list[tuple[int, dict[str, Any]]] = []
    for rownum, values in enumerate(rows, start=2):
        record: dict[str, Any] = {}
        empty = True
        for idx, col in positions.items():
            value = values[idx - 1] if idx - 1 < len(values) else None
            if isinstance(value, str):
                value = normalize_text(value)
                if value == "":
                    value = None
            if value is not None:
                empty = False
            record[col.key] = value
        if not empty:
            data.append((rownum, record))
        if len(data) > MAX_IMPORT_ROWS:
            return [], [CellError(rownum, None, "", f"一次最多导入 {MAX_IMPORT_ROWS} 行，请拆分文件")], {}
    if not data:
        errors.append(CellError(2, None, "", "没有可导入的数据行"))
    wb.close()
    return data, errors, {col.key: idx for idx, col in positions.items()}


def _bracketed_code(header: str) -> str:
    """ "村集体经济收入（万元） [cyxw.income]" → "cyxw.income": a renamed header still finds its column."""
    if header.endswith("]") and "[" in header:
        return header[header.rindex("[") + 1 : -1].strip()
    return ""


def run_import(
    fileobj: Any,
    columns: Sequence[Column],
    handle_row: Callable[[int, dict[str, Any]], str],
) -> ImportReport:
    """Validate and apply every row inside one transaction; any error rolls everything back.

    `handle_row(row_number, record)` writes one row and returns "created", "updated" or "unchanged"; it raises
    RowError (or Django's ValidationError with a field→message dict) for bad input.
    """
    report = ImportReport()
    records, errors, col_index = _read_sheet(fileobj, columns)
    if errors:
        report.errors = errors
        return report
    headers = {c.key: c.header for c in columns}
    try:
        with transaction.atomic():
            for rownum, record in records:
                try:
                    with transaction.atomic():
                        outcome = handle_row(rownum, record)
                except RowError as exc:
                    report.errors.append(
                        CellError(
                            rownum,
                            col_index.get(exc.field or ""),
                            headers.get(exc.field or "", ""),
                            exc.message,
                        )
                    )
                    continue
                except ValidationError as exc:
                    for fld, msgs in _validation_items(exc):
                        for msg in msgs:
                            report.errors.append(
                                CellError(rownum, col_index.get(fld), headers.get(fld, ""), str(msg))
                            )
                    continue
                if outcome == "created":
                    report.created += 1
                elif outcome == "unchanged":
                    report.unchanged += 1
                else:
                    report.updated += 1
            if report.errors:
                raise ImportAborted(report.errors)
    except ImportAborted:
        report.created = report.updated = report.unchanged = 0
    return report


def _validation_items(exc: ValidationError) -> list[tuple[str, list[str]]]:
    if hasattr(exc, "error_dict"):
        return [(k, [str(m) for e in v for m in e.messages]) for k, v in exc.error_dict.items()]
    return [("", [str(m) for m in exc.messages])]
