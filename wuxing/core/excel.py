"""Excel in and out.

Out: every workbook the product writes — exports, import templates (with or without rows), the
secretary-accounts file — goes through `write_workbook`. It streams: openpyxl's write-only mode, rows
taken one at a time from any iterable, so the work per row is constant and memory does not grow with
the number of rows. Header row bold (required columns shaded), column widths, the header frozen,
drop-downs for choice columns on templates. Text is always stored as text: a value that Excel or
LibreOffice would take for a formula (= + - @ first, also after leading spaces, or a tab, CR or LF
first) or an error code (#N/A) is written as a string cell with Excel's "quote prefix", never as a
formula. `workbook_response` writes to a temporary file and streams that file to the browser.

In: all-or-nothing. The upload is checked before anything is unpacked and read as a stream
(`wuxing.core.xlsx_reader`); the importer reads the sheet its template names, refuses a hidden one,
and reports every problem as "第N行 第M列（表头）：…" — rows and columns counted the way Excel shows
them. Nothing is written unless every row is valid.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain
from typing import IO, Any, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from wuxing.core.text import excerpt, normalize_text
from wuxing.core.xlsx_reader import (
    NO_CACHED_VALUE,
    ErrorValue,
    SheetRef,
    TooWide,
    XlsxBook,
    XlsxLimits,
    XlsxRejected,
    megabytes,
)

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What makes a spreadsheet program treat typed text as a formula: these as the first character, also
# after leading white space (LibreOffice), and the full-width forms an input method produces.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
MAX_IMPORT_ROWS = 20000
MAX_REPORTED_ERRORS = 200
NOTES_TITLE = "说明"
_RISKY_FIRST = frozenset(FORMULA_START)
_ERROR_CODES = frozenset(ERROR_CODES)
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
PlanT = TypeVar("PlanT")


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
    """A problem at a place in the sheet; row 0 means the file as a whole."""

    row: int
    col: int | None
    header: str
    message: str

    @property
    def col_letter(self) -> str:
        """The column as Excel names it (6 → "F"); empty for a problem of a whole row or file."""
        return get_column_letter(self.col) if self.col else ""

    def __str__(self) -> str:
        if not self.row:
            return self.message
        if self.col is None:
            return f"第{self.row}行：{self.message}"
        if not self.header:
            return f"第{self.row}行 第{self.col}列：{self.message}"
        return f"第{self.row}行 第{self.col}列（{self.header}）：{self.message}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[CellError] = field(default_factory=list)
    truncated: bool = False  # more problems than MAX_REPORTED_ERRORS; the rest were not looked for

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_limit(self) -> int:
        return MAX_REPORTED_ERRORS

    def messages(self) -> list[str]:
        out = [str(e) for e in self.errors]
        if self.truncated:
            out.append(f"错误过多，只列出前 {MAX_REPORTED_ERRORS} 处，请修改后重新上传")
        return out


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


# --- writing -----------------------------------------------------------------------------------------------


@dataclass
class Sheet:
    """One sheet to write: a header row from `columns`, then `rows` (any iterable, read once, lazily).
    `dropdowns` adds a list validation to each column with choices (import templates)."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]] = ()
    dropdowns: bool = False
    frozen_columns: int = 0  # columns kept in view when scrolling right (the header row always is)


SheetSpec = Sheet | tuple[str, Sequence[Column], Iterable[Sequence[Any]]]

_HEADER_FONT = Font(bold=True)
_REQUIRED_FILL = PatternFill("solid", fgColor="FDE9D9")


def _sheet_title(title: str) -> str:
    return _SHEET_TITLE_FORBIDDEN.sub("_", title).strip("'")[:31] or "Sheet"


def _as_text_cell(ws: Any, text: str) -> Any:
    cell = WriteOnlyCell(ws)
    cell._value = text
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _cell(ws: Any, value: Any) -> Any:
    """A value as openpyxl should write it: numbers, booleans and dates typed; everything else text,
    and text that would be a formula or an error code forced to stay text."""
    kind = type(value)
    if value is None or kind in (int, float, Decimal, bool, dt.date):
        return value
    if kind is dt.datetime:
        if value.tzinfo is not None:  # Excel has no time zones: show Beijing time
            value = timezone.localtime(value).replace(tzinfo=None)
        return value
    if isinstance(value, int):  # a subclass such as an IntegerChoices member: still a number
        return int(value)
    text = value if kind is str else str(value)
    if ILLEGAL_CHARACTERS_RE.search(text):  # control characters an .xlsx cannot hold
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > 32767:
        text = text[:32767]
    first = text[:1]
    if (
        first in _RISKY_FIRST
        or (first.isspace() and text.lstrip()[:1] in _RISKY_FIRST)
        or text in _ERROR_CODES
    ):
        return _as_text_cell(ws, text)
    return text


def _validation(col: Column, letter: str) -> DataValidation:
    dv = DataValidation(type="list", formula1='"' + ",".join(col.choices) + '"', allow_blank=True)
    dv.error = "请从下拉列表中选择"
    dv.add(f"{letter}2:{letter}{MAX_IMPORT_ROWS}")
    return dv


def _write_sheet(wb: Workbook, sheet: Sheet) -> None:
    ws = wb.create_sheet(title=_sheet_title(sheet.title))
    header = []
    for idx, col in enumerate(sheet.columns, start=1):
        letter = get_column_letter(idx)
        ws.column_dimensions[letter].width = col.width
        if sheet.dropdowns and col.choices:
            ws.data_validations.append(_validation(col, letter))
        cell = (
            _as_text_cell(ws, col.header) if col.header[:1] in _RISKY_FIRST else WriteOnlyCell(ws, col.header)
        )
        cell.font = _HEADER_FONT
        if col.required:
            cell.fill = _REQUIRED_FILL
        header.append(cell)
    ws.freeze_panes = f"{get_column_letter(sheet.frozen_columns + 1)}2"
    ws.append(header)
    for row in sheet.rows:
        ws.append([_cell(ws, v) for v in row])


def write_workbook(sheets: Iterable[SheetSpec], out: IO[bytes]) -> None:
    """Write sheets to `out` (a binary file object or path) as .xlsx, streaming their rows."""
    wb = Workbook(write_only=True)
    for spec in sheets:
        _write_sheet(wb, spec if isinstance(spec, Sheet) else Sheet(*spec))
    wb.save(out)


def build_workbook(sheets: Iterable[SheetSpec]) -> bytes:
    """The workbook as bytes — for small files embedded elsewhere (a data: URL); pages stream with
    `workbook_response`."""
    buf = io.BytesIO()
    write_workbook(sheets, buf)
    return buf.getvalue()


NOTES_COLUMNS = [
    Column("header", "列", width=28),
    Column("required", "是否必填", width=10),
    Column("help", "说明", width=80),
    Column("example", "示例", width=20),
]


def import_rules_text() -> list[str]:
    """The limits a user must know, for the 说明 sheet of every template."""
    limits = XlsxLimits.from_settings()
    return [
        "导入规则：整份文件全部正确才会导入；任何一行出错都不会写入任何数据，请按提示修改后重新上传。",
        "第一行为表头，请勿修改；数字可用全角或半角；单元格前后的空格会被忽略。",
        f"数据填在第一个工作表（不要改名、不要隐藏）；本“{NOTES_TITLE}”表不会被导入。",
        f"一次最多 {limits.max_rows} 行、{limits.max_columns} 列，每个单元格不超过 "
        f"{limits.max_cell_chars} 个字，文件不超过 {megabytes(limits.max_upload_bytes)}；更多请拆分为几个文件。",
        "用公式算出的单元格请先复制，再“选择性粘贴 → 数值”，否则可能无法读取。",
    ]


def _notes_rows(
    columns: Sequence[Column], example: Sequence[Any] | None, rules: Sequence[str] = ()
) -> Iterator[list[Any]]:
    for i, c in enumerate(columns):
        sample = example[i] if example and i < len(example) else None
        yield [c.header, "必填" if c.required else "选填", c.help, sample]
    yield []
    for line in (*import_rules_text(), *rules):
        yield [line]


def template_sheets(
    title: str,
    columns: Sequence[Column],
    example: Sequence[Any] | None = None,
    rows: Iterable[Sequence[Any]] = (),
    *,
    frozen_columns: int = 0,
    rules: Sequence[str] = (),
) -> list[Sheet]:
    """An import template: the header row (and `rows`, e.g. the organisations to fill in) with
    drop-downs for choices on the data sheet, and a 说明 sheet that explains each column with an example
    value (kept off the data sheet, so it is never imported) and states the import's rules (the general
    ones, then `rules`). The header row and the first `frozen_columns` columns (the code and name that
    say which row is which) stay in view when scrolling."""
    return [
        Sheet(title, columns, rows, dropdowns=True, frozen_columns=frozen_columns),
        Sheet(NOTES_TITLE, NOTES_COLUMNS, _notes_rows(columns, example, rules)),
    ]


def build_template(
    title: str,
    columns: Sequence[Column],
    example: Sequence[Any] | None = None,
    rows: Iterable[Sequence[Any]] = (),
) -> bytes:
    return build_workbook(template_sheets(title, columns, example, rows))


def _disposition(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_MIME)
    response["Content-Disposition"] = _disposition(filename)
    return response


def workbook_response(sheets: Iterable[SheetSpec], filename: str) -> FileResponse:
    """Write the workbook to a temporary file (rows streamed, nothing held in memory) and send that file;
    it is deleted when the response is closed."""
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (FileResponse closes it)
    try:
        write_workbook(sheets, out)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    response = FileResponse(out, content_type=XLSX_MIME)
    response["Content-Disposition"] = _disposition(filename)
    return response


# --- reading -----------------------------------------------------------------------------------------------


@dataclass
class _Reading:
    data: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    positions: dict[str, int] = field(default_factory=dict)
    truncated: bool = False

    @staticmethod
    def fail(error: CellError) -> _Reading:
        return _Reading(errors=[error])


def read_sheet(
    fileobj: Any, columns: Sequence[Column], sheet: str | None = None
) -> tuple[list[tuple[int, dict[str, Any]]], list[CellError]]:
    """Read the data sheet into (excel_row_number, {key: value}) pairs.

    The data sheet is the one titled `sheet` (the template's), else the only sheet besides 说明; a
    hidden one is refused. Headers are matched by their (normalised) text, in any order; unknown headers
    are an error so a misspelt column is never silently dropped. Completely empty rows are skipped.
    String values are normalised (full-width → half-width, stray spaces trimmed).
    """
    reading = _read_sheet(fileobj, columns, sheet)
    return reading.data, reading.errors


def _data_sheet(book: XlsxBook, title: str | None) -> tuple[SheetRef | None, str]:
    worksheets = [s for s in book.sheets if s.path is not None]
    chosen = None
    if title:
        wanted = normalize_text(title)
        chosen = next((s for s in worksheets if normalize_text(s.title) == wanted), None)
    if chosen is None:
        candidates = [s for s in worksheets if normalize_text(s.title) != NOTES_TITLE]
        if not candidates:
            return None, "文件中没有可读取的工作表"
        if len(candidates) > 1:
            if title:
                return None, (
                    f"找不到数据表“{excerpt(title)}”：文件有多个工作表，请在下载的模板中填写，不要修改工作表名称"
                )
            return None, "文件有多个工作表，请只保留要导入的一个"
        chosen = candidates[0]
    if not chosen.visible:
        return None, f"数据表“{excerpt(chosen.title)}”被隐藏，请取消隐藏后再上传"
    return chosen, ""


def _cell_problem(value: Any, limits: XlsxLimits) -> str:
    if value is NO_CACHED_VALUE:
        return "是公式，请粘贴为数值"
    if isinstance(value, ErrorValue):
        return f"单元格显示错误值 {excerpt(value.code)}，请修改后再上传"
    if isinstance(value, str) and len(value) > limits.max_cell_chars:
        return f"内容超过 {limits.max_cell_chars} 个字符（“{excerpt(value)}”）"
    return ""


def _read_sheet(fileobj: Any, columns: Sequence[Column], sheet: str | None = None) -> _Reading:
    limits = XlsxLimits.from_settings()
    reading = _Reading()
    try:
        book = XlsxBook(fileobj, limits)
    except XlsxRejected as exc:
        return reading.fail(CellError(0, None, "", exc.message))
    with book:
        ref, problem = _data_sheet(book, sheet)
        if ref is None:
            return reading.fail(CellError(0, None, "", problem))
        try:
            return _read_rows(book.rows(ref), columns, limits)
        except TooWide as exc:
            return reading.fail(
                CellError(exc.row, exc.column, "", f"超过 {limits.max_columns} 列，请删除多余的列")
            )
        except XlsxRejected as exc:
            return reading.fail(CellError(0, None, "", exc.message))


def _read_rows(
    rows: Iterator[tuple[int, dict[int, Any]]], columns: Sequence[Column], limits: XlsxLimits
) -> _Reading:
    reading = _Reading()
    first = next(rows, None)
    if first is None:
        return reading.fail(CellError(1, None, "", "文件是空的"))
    header: dict[int, Any] = {}
    if first[0] == 1:
        header = first[1]
    else:
        rows = chain([first], rows)
    by_header = {normalize_text(c.header): c for c in columns}
    by_key = {c.key: c for c in columns}
    positions: dict[int, Column] = {}
    errors = reading.errors
    for idx in sorted(header):
        raw = header[idx]
        problem = _cell_problem(raw, limits)
        if problem:
            errors.append(CellError(1, idx, "", problem))
            continue
        text = normalize_text(raw)
        if not text:
            continue
        col = by_header.get(text) or by_key.get(text) or by_key.get(_bracketed_code(text))
        if col is None:
            errors.append(CellError(1, idx, excerpt(text, 40), "不认识的表头，请使用下载的模板"))
            continue
        if col in positions.values():
            errors.append(CellError(1, idx, excerpt(text, 40), "表头重复"))
            continue
        positions[idx] = col
    present = set(positions.values())
    for col in columns:
        if col.required and col not in present:
            errors.append(CellError(1, None, col.header, f"缺少必填列“{col.header}”"))
    if errors:
        return reading
    for rownum, cells in rows:
        record: dict[str, Any] = {}
        empty = True
        for idx, col in positions.items():
            value = cells.get(idx)
            problem = _cell_problem(value, limits)
            if problem:
                errors.append(CellError(rownum, idx, col.header, problem))
                value = None
            elif isinstance(value, str):
                value = normalize_text(value) or None
            if value is not None:
                empty = False
            record[col.key] = value
        if len(errors) >= MAX_REPORTED_ERRORS:
            reading.truncated = True
            break
        if empty:
            continue
        reading.data.append((rownum, record))
        if len(reading.data) > limits.max_rows:
            return reading.fail(CellError(rownum, None, "", f"一次最多导入 {limits.max_rows} 行，请拆分文件"))
    if errors:
        reading.data = []
        return reading
    if not reading.data:
        errors.append(CellError(2, None, "", "没有可导入的数据行"))
    reading.positions = {col.key: idx for idx, col in positions.items()}
    return reading


def _bracketed_code(header: str) -> str:
    """ "村集体经济收入（万元） [cyxw.income]" → "cyxw.income": a renamed header still finds its column."""
    if header.endswith("]") and "[" in header:
        return header[header.rindex("[") + 1 : -1].strip()
    return ""


def run_import(
    fileobj: Any,
    columns: Sequence[Column],
    handle_row: Callable[[int, dict[str, Any]], str],
    sheet: str | None = None,
) -> ImportReport:
    """Validate and apply every row inside one transaction; any error rolls everything back.

    `sheet` is the title of the template's data sheet. `handle_row(row_number, record)` writes one row
    and returns "created", "updated" or "unchanged"; it raises RowError (or Django's ValidationError
    with a field→message dict) for bad input. After MAX_REPORTED_ERRORS problems the rest of the file
    is not looked at (the report says so).
    """
    report = ImportReport()
    reading = _read_sheet(fileobj, columns, sheet)
    if reading.errors:
        report.errors = reading.errors
        report.truncated = reading.truncated
        return report
    col_index = reading.positions
    headers = {c.key: c.header for c in columns}
    try:
        with transaction.atomic():
            for rownum, record in reading.data:
                if len(report.errors) >= MAX_REPORTED_ERRORS:
                    report.truncated = True
                    break
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


@dataclass
class CheckedRows(Generic[PlanT]):
    """What an importer's `check` found: the plan to write, the outcome counts, and the problems by row."""

    plan: PlanT
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[tuple[int, RowError | ValidationError]] = field(default_factory=list)


def run_checked_import(
    fileobj: Any,
    columns: Sequence[Column],
    check: Callable[[list[tuple[int, dict[str, Any]]]], CheckedRows[PlanT]],
    write: Callable[[CheckedRows[PlanT]], None],
    *,
    sheet: str | None = None,
    lock: Callable[[], None] | None = None,
) -> ImportReport:
    """All-or-nothing like run_import, but for large files: check every row first, then write in bulk.

    `check(records)` validates every row with reads only (a few set-based queries, then Python) and returns
    the plan. It runs twice: outside any transaction, so a bad file is refused without ever holding the
    database's write lock, and again inside the one writing transaction (after `lock()`), on data that can
    no longer change under it; only when that second check finds nothing wrong does `write(checked)` run.
    Other users' reads never wait for an import; their writes wait only for that short transaction.
    """
    report = ImportReport()
    reading = _read_sheet(fileobj, columns, sheet)
    if reading.errors:
        report.errors, report.truncated = reading.errors, reading.truncated
        return report
    col_index = reading.positions
    headers = {c.key: c.header for c in columns}

    def cell_errors(checked: CheckedRows[PlanT]) -> list[CellError]:
        found: list[CellError] = []
        for rownum, exc in checked.problems:
            if isinstance(exc, RowError):
                items = [(exc.field or "", [exc.message])]
            else:
                items = _validation_items(exc)
            for fld, msgs in items:
                found.extend(CellError(rownum, col_index.get(fld), headers.get(fld, ""), msg) for msg in msgs)
        report.truncated = len(found) > MAX_REPORTED_ERRORS
        return found[:MAX_REPORTED_ERRORS]

    checked = check(reading.data)
    report.errors = cell_errors(checked)
    if report.errors:
        return report
    try:
        with transaction.atomic():
            if lock is not None:
                lock()
            checked = check(reading.data)
            report.errors = cell_errors(checked)
            if report.errors:
                raise ImportAborted(report.errors)
            write(checked)
    except ImportAborted:
        return report
    report.created, report.updated, report.unchanged = checked.created, checked.updated, checked.unchanged
    return report
