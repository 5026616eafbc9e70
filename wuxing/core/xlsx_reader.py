"""A bounded, streaming reader for uploaded .xlsx files.

An .xlsx file is a zip of XML parts. A hostile or broken upload can be small on the wire and enormous
once unpacked (one shared string of 300 MB compresses to a few hundred KB), so nothing is parsed until
the zip itself has passed these checks, in this order:

1. the upload is at most `max_upload_bytes` ("文件超过 10MB，请拆分后上传");
2. it is a zip at all ("不是有效的 .xlsx 文件"; an encrypted workbook or an old .xls is an OLE file and
   gets its own hint);
3. the zip's directory: at most `max_members` parts, each part at most `max_member_bytes` unpacked, all
   parts together at most `max_total_bytes`, and no part larger than 1 MB unpacked that compresses
   better than `max_ratio`:1. Python's zipfile stops reading a part at the size its directory declares
   (and then fails the CRC check), so a part cannot unpack to more than was checked here.

Then every part is read as a stream with expat (no DTDs, no entities), never as a whole tree:

- the workbook (sheet names, hidden state, which part holds which sheet, the 1904 date system);
- the styles, only to know which cell formats are dates and which are percentages (a number in a
  percentage-formatted cell is a ``Percent``: a float that says Excel shows it ×100 with a % sign);
- the shared strings, kept as one UTF-8 buffer plus offsets (so memory is at most the part's text), each
  string cut at `max_cell_chars` + 1 characters — enough for the caller to say it is too long;
- the requested worksheet, row by row: a row is a {column: value} dict of its non-empty cells, so a
  cell far to the right costs nothing until it is reported; a value beyond `max_columns` stops the read
  (TooWide). A formula cell is read as its cached value; one without a cached value is NO_CACHED_VALUE
  and an error value (#DIV/0! …) is an ErrorValue, so the importer can say exactly which cell to fix.

openpyxl is used for its date helpers only: its read-only mode still parses the shared strings, the
styles and parts of each worksheet (column definitions, merged cells, validations) into whole element
trees, whose size in memory is many times the part's (docs/decisions.md §15).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel, from_ISO8601

MB = 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_CHUNK = 64 * 1024
_RATIO_FLOOR = MB  # parts smaller than this are not held to the ratio limit
_COORD = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_XSTRING_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_ESCAPE_WIDTH = 7  # "_x000D_" is one character: keep enough raw text to know the unescaped length


@dataclass(frozen=True)
class XlsxLimits:
    max_upload_bytes: int = 10 * MB
    max_members: int = 2000
    max_member_bytes: int = 50 * MB
    max_total_bytes: int = 100 * MB
    max_ratio: int = 100
    max_rows: int = 20000
    max_columns: int = 200
    max_cell_chars: int = 2000

    @classmethod
    def from_settings(cls) -> XlsxLimits:
        from django.conf import settings

        return cls(
            max_upload_bytes=settings.WUXING_IMPORT_MAX_BYTES,
            **{k: v for k, v in settings.WUXING_XLSX_LIMITS.items() if k != "max_upload_bytes"},
        )


def megabytes(n: int) -> str:
    """10485760 → "10MB" (one decimal when not whole)."""
    value = n / MB
    return f"{value:.0f}MB" if value == int(value) else f"{value:.1f}MB"


class XlsxRejected(Exception):
    """The file as a whole cannot be read; `message` is for the user (Chinese)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TooWide(Exception):
    """A non-empty cell beyond the column limit (row and column as Excel counts them)."""

    def __init__(self, row: int, column: int):
        super().__init__(f"row {row} column {column}")
        self.row = row
        self.column = column


class _NoCachedValue:
    def __repr__(self) -> str:
        return "NO_CACHED_VALUE"


NO_CACHED_VALUE: Any = _NoCachedValue()
"""A formula cell whose file holds no computed result (e.g. written by a program, never opened in Excel)."""


@dataclass(frozen=True)
class ErrorValue:
    """A cell that shows an Excel error such as #DIV/0! or #N/A."""

    code: str


class Percent(float):
    """A number from a percentage-formatted cell: Excel stores 85% as 0.85. It is a float like any
    other number cell (an importer that does not care reads 0.85); one whose column is in % reads
    ``as_percent()`` (85)."""

    __slots__ = ()

    def as_percent(self) -> Decimal:
        """The number as the cell shows it, exactly: 0.85 → 85.00, 0.125 → 12.500 (as Decimal)."""
        return Decimal(repr(float(self))) * 100


_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^]]*\]')


def is_percent_format(code: str) -> bool:
    """True for a number format that shows the value ×100 with a % sign ("0%", "0.00%", "#,##0.0%");
    a % inside quotes or escaped with a backslash is literal text and does not count."""
    return "%" in _QUOTED.sub("", code)


@dataclass(frozen=True)
class SheetRef:
    title: str
    state: str  # visible, hidden or veryHidden
    path: str | None  # the worksheet part; None for a chart sheet

    @property
    def visible(self) -> bool:
        return self.state == "visible"


def upload_size(fileobj: Any) -> int:
    size = getattr(fileobj, "size", None)
    if isinstance(size, int):
        return size
    pos = fileobj.tell()
    fileobj.seek(0, 2)
    end = int(fileobj.tell())
    fileobj.seek(pos)
    return end


def check_upload(fileobj: Any, max_bytes: int) -> None:
    """The checks a form can make without unpacking anything: size and the first bytes."""
    if upload_size(fileobj) > max_bytes:
        raise XlsxRejected(f"文件超过 {megabytes(max_bytes)}，请拆分后上传")
    fileobj.seek(0)
    head = fileobj.read(8)
    fileobj.seek(0)
    if head.startswith(OLE_MAGIC):
        raise XlsxRejected("文件已加密或是旧版 .xls 格式：请取消密码，另存为 .xlsx 后再上传")
    if not head.startswith(ZIP_MAGIC):
        raise XlsxRejected("不是有效的 .xlsx 文件，请上传由模板填写的 Excel 文件")


def open_archive(fileobj: Any, limits: XlsxLimits) -> zipfile.ZipFile:
    check_upload(fileobj, limits.max_upload_bytes)
    try:
        archive = zipfile.ZipFile(fileobj)
    except Exception as exc:  # BadZipFile, and whatever else a damaged directory makes zipfile raise
        raise XlsxRejected("不是有效的 .xlsx 文件，请上传由模板填写的 Excel 文件") from exc
    try:
        _check_members(archive, limits)
    except XlsxRejected:
        archive.close()
        raise
    return archive


def _check_members(archive: zipfile.ZipFile, limits: XlsxLimits) -> None:
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise XlsxRejected("文件结构异常（包含的部件过多），请用 Excel 另存为新的 .xlsx 文件后上传")
    total = 0
    too_big = f"文件解压后过大（超过 {megabytes(limits.max_member_bytes)}），请拆分后上传"
    for info in infos:
        if info.file_size > limits.max_member_bytes:
            raise XlsxRejected(too_big)
        if info.file_size > _RATIO_FLOOR and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise XlsxRejected("文件内容异常（压缩比过高），请用 Excel 另存为新的 .xlsx 文件后上传")
        total += info.file_size
    if total > limits.max_total_bytes:
        raise XlsxRejected(f"文件解压后过大（超过 {megabytes(limits.max_total_bytes)}），请拆分后上传")


# --- streaming XML -----------------------------------------------------------------------------------------


def _refuse_dtd(*_args: Any) -> None:
    raise XlsxRejected("文件内容异常（含有 DTD），请用 Excel 另存为新的 .xlsx 文件后上传")


def _parser(
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None],
    chars: Callable[[str], None] | None = None,
    *,
    local_names: bool = True,
) -> Any:
    """An expat parser refusing any DTD. Handlers get local names (namespaces stripped), or with
    local_names=False the "namespace local" names as expat gives them (they strip it themselves)."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.buffer_text = True
    parser.buffer_size = _CHUNK
    if local_names:
        parser.StartElementHandler = lambda name, attrs: start(name.rpartition(" ")[2], attrs)
        parser.EndElementHandler = lambda name: end(name.rpartition(" ")[2])
    else:
        parser.StartElementHandler = start
        parser.EndElementHandler = end
    if chars is not None:
        parser.CharacterDataHandler = chars
    return parser


def _attr(attrs: dict[str, str], local: str) -> str | None:
    """An attribute by local name, whatever its namespace (r:id in transitional and strict files)."""
    if local in attrs:
        return attrs[local]
    for key, value in attrs.items():
        if key.rpartition(" ")[2] == local:
            return value
    return None


def _unescape(text: str) -> str:
    """Excel writes some characters as _xHHHH_ (a carriage return is _x000D_, "_" before such a
    sequence is _x005F_)."""
    if "_x" not in text:
        return text
    return _XSTRING_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


class _TextCollector:
    """The text of one <si>/<is> element (its <t>, and the <t> of its rich-text runs, but not the
    phonetic <rPh>), cut at `cap` + 1 characters once unescaped."""

    def __init__(self, cap: int):
        self.cap = cap
        self.raw_cap = (cap + 1) * _ESCAPE_WIDTH
        self.parts: list[str] = []
        self.length = 0
        self.in_t = False
        self.in_phonetic = False

    def reset(self) -> None:
        self.parts = []
        self.length = 0
        self.in_t = False
        self.in_phonetic = False

    def start(self, name: str) -> None:
        if name == "t" and not self.in_phonetic:
            self.in_t = True
        elif name == "rPh":
            self.in_phonetic = True

    def end(self, name: str) -> None:
        if name == "t":
            self.in_t = False
        elif name == "rPh":
            self.in_phonetic = False

    def chars(self, data: str) -> None:
        if self.in_t and self.length < self.raw_cap:
            piece = data[: self.raw_cap - self.length]
            self.parts.append(piece)
            self.length += len(piece)

    def text(self) -> str:
        return _unescape("".join(self.parts))[: self.cap + 1]


class SharedStrings:
    """The shared-string table as one UTF-8 buffer and an offset per string."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._ends = array("Q")

    def append(self, text: str) -> None:
        self._buf += text.encode("utf-8")
        self._ends.append(len(self._buf))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, index: int) -> str:
        start = self._ends[index - 1] if index > 0 else 0
        return self._buf[start : self._ends[index]].decode("utf-8")


def _feed(parser: Any, stream: IO[bytes]) -> None:
    while chunk := stream.read(_CHUNK):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


# --- the workbook ------------------------------------------------------------------------------------------


class XlsxBook:
    """An opened upload. `sheets` in workbook order; `rows(sheet)` streams one worksheet."""

    def __init__(self, fileobj: Any, limits: XlsxLimits):
        self.limits = limits
        self.archive = open_archive(fileobj, limits)
        try:
            self._names = {n.lower(): n for n in self.archive.namelist()}
            self.epoch = WINDOWS_EPOCH
            self.sheets: list[SheetRef] = []
            self._date_styles: set[int] = set()
            self._percent_styles: set[int] = set()
            self._timedelta_styles: set[int] = set()
            self._strings = SharedStrings()
            self._read_workbook()
        except XlsxRejected:
            self.archive.close()
            raise
        except Exception as exc:  # a malformed part: expat, zipfile (CRC), int() …
            self.archive.close()
            raise XlsxRejected("文件已损坏，无法读取，请用 Excel 另存为新的 .xlsx 文件后上传") from exc

    def __enter__(self) -> XlsxBook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.archive.close()

    def _member(self, path: str) -> str | None:
        return self._names.get(path.lstrip("/").lower())

    def _open(self, path: str) -> IO[bytes]:
        name = self._member(path)
        if name is None:
            raise KeyError(path)
        return self.archive.open(name)

    def _relationships(self, part: str) -> list[tuple[str, str, str]]:
        """(Id, Type, resolved target path) of a part's relationships."""
        folder, base = posixpath.split(part)
        rels_path = posixpath.join(folder, "_rels", base + ".rels")
        found: list[tuple[str, str, str]] = []
        if self._member(rels_path) is None:
            return found

        def start(name: str, attrs: dict[str, str]) -> None:
            if name == "Relationship" and attrs.get("TargetMode") != "External":
                target = attrs.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
                found.append((attrs.get("Id", ""), attrs.get("Type", ""), posixpath.normpath(path)))

        with self._open(rels_path) as src:
            _feed(_parser(start, lambda name: None), src)
        return found

    def _read_workbook(self) -> None:
        office = [t for _i, kind, t in self._relationships("") if kind.endswith("/officeDocument")]
        workbook = office[0] if office else "xl/workbook.xml"
        if self._member(workbook) is None:
            raise XlsxRejected("不是有效的 .xlsx 文件，请上传由模板填写的 Excel 文件")
        rels = self._relationships(workbook)
        targets = {rid: (kind, path) for rid, kind, path in rels}
        entries: list[tuple[str, str, str | None]] = []

        def start(name: str, attrs: dict[str, str]) -> None:
            if name == "sheet":
                entries.append(
                    (attrs.get("name", ""), attrs.get("state", "visible") or "visible", _attr(attrs, "id"))
                )
            elif name == "workbookPr" and attrs.get("date1904", "").lower() in ("1", "true"):
                self.epoch = MAC_EPOCH

        with self._open(workbook) as src:
            _feed(_parser(start, lambda name: None), src)
        for title, state, rid in entries:
            kind, path = targets.get(rid or "", ("", ""))
            is_sheet = kind.endswith("/worksheet") and self._member(path) is not None
            self.sheets.append(SheetRef(title, state, path if is_sheet else None))
        for _rid, kind, path in rels:
            if kind.endswith("/styles") and self._member(path):
                self._read_styles(path)
            elif kind.endswith("/sharedStrings") and self._member(path):
                self._read_shared_strings(path)

    def _read_styles(self, path: str) -> None:
        custom: dict[int, str] = {}
        xf_formats: list[int] = []
        depth = {"cellXfs": 0}

        def start(name: str, attrs: dict[str, str]) -> None:
            if name == "numFmt":
                custom[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
            elif name == "cellXfs":
                depth["cellXfs"] += 1
            elif name == "xf" and depth["cellXfs"]:
                xf_formats.append(int(attrs.get("numFmtId", "0")))

        def end(name: str) -> None:
            if name == "cellXfs":
                depth["cellXfs"] -= 1

        with self._open(path) as src:
            _feed(_parser(start, end), src)
        for style_id, fmt_id in enumerate(xf_formats):
            code = custom.get(fmt_id, BUILTIN_FORMATS.get(fmt_id))
            if code is not None and is_percent_format(code):
                self._percent_styles.add(style_id)
            if code is not None and is_date_format(code):
                self._date_styles.add(style_id)
                if is_timedelta_format(code):
                    self._timedelta_styles.add(style_id)

    def _read_shared_strings(self, path: str) -> None:
        text = _TextCollector(self.limits.max_cell_chars)
        strings = self._strings
        in_si = [False]

        def start(name: str, attrs: dict[str, str]) -> None:
            if name == "si":
                in_si[0] = True
                text.reset()
            elif in_si[0]:
                text.start(name)

        def end(name: str) -> None:
            if name == "si":
                in_si[0] = False
                strings.append(text.text())
            elif in_si[0]:
                text.end(name)

        with self._open(path) as src:
            _feed(_parser(start, end, text.chars), src)

    def rows(self, sheet: SheetRef) -> Iterator[tuple[int, dict[int, Any]]]:
        """(row number, {column number: value}) for every row that has a non-empty cell, in order.

        Raises TooWide for a value beyond the column limit and XlsxRejected for a malformed part."""
        if sheet.path is None:
            return
        reader = _SheetReader(self, self.limits)
        try:
            with self._open(sheet.path) as src:
                while chunk := src.read(_CHUNK):
                    reader.parser.Parse(chunk, False)
                    yield from reader.take()
                reader.parser.Parse(b"", True)
                yield from reader.take()
        except (XlsxRejected, TooWide):
            raise
        except Exception as exc:
            raise XlsxRejected("文件已损坏，无法读取，请用 Excel 另存为新的 .xlsx 文件后上传") from exc


class _SheetReader:
    """expat handlers for one worksheet; finished rows wait in `ready` until the caller takes them."""

    def __init__(self, book: XlsxBook, limits: XlsxLimits):
        self.book = book
        self.max_columns = limits.max_columns
        self.text = _TextCollector(limits.max_cell_chars)
        self.ready: list[tuple[int, dict[int, Any]]] = []
        self.row = 0
        self.col = 0
        self.cells: dict[int, Any] = {}
        self.in_data = False
        self.in_cell = False
        self.in_inline = False
        self.in_value = False
        self.kind = "n"
        self.style = 0
        self.formula = False
        self.value: list[str] | None = None
        self.value_length = 0
        self.inline: str | None = None
        self.parser = _parser(self.start, self.end, self.chars, local_names=False)

    def take(self) -> list[tuple[int, dict[int, Any]]]:
        rows, self.ready = self.ready, []
        return rows

    def start(self, name: str, attrs: dict[str, str]) -> None:
        name = name.rpartition(" ")[2]
        if self.in_cell:
            if name == "v":
                self.in_value = True
                self.value = []
                self.value_length = 0
            elif name == "f":
                self.formula = True
            elif name == "is":
                self.in_inline = True
                self.text.reset()
            elif self.in_inline:
                self.text.start(name)
        elif not self.in_data:
            self.in_data = name == "sheetData"
        elif name == "c":
            self.in_cell = True
            ref = attrs.get("r")
            if ref:
                match = _COORD.match(ref)
                if match is None:
                    raise ValueError(ref)
                self.col = _column_index(match.group(1))
            else:
                self.col += 1
            self.kind = attrs.get("t", "n")
            self.style = int(attrs.get("s", "0") or 0)
            self.formula = False
            self.value = None
            self.inline = None
            self.in_inline = False
        elif name == "row":
            ref = attrs.get("r")
            self.row = int(ref) if ref else self.row + 1
            self.col = 0
            self.cells = {}

    def end(self, name: str) -> None:
        name = name.rpartition(" ")[2]
        if not self.in_data:
            return
        if name == "sheetData":
            self.in_data = False
        elif name == "c":
            self.in_cell = False
            value = self._cell_value()
            if value is not None and value != "":
                if self.col > self.max_columns:
                    raise TooWide(self.row, self.col)
                self.cells[self.col] = value
        elif name == "row":
            if self.cells:
                self.ready.append((self.row, self.cells))
            self.cells = {}
        elif self.in_cell:
            if name == "v":
                self.in_value = False
            elif name == "is":
                self.in_inline = False
                self.inline = self.text.text()
            elif self.in_inline:
                self.text.end(name)

    def chars(self, data: str) -> None:
        if self.in_value and self.value is not None:
            if self.value_length < self.text.raw_cap:
                piece = data[: self.text.raw_cap - self.value_length]
                self.value.append(piece)
                self.value_length += len(piece)
        elif self.in_inline:
            self.text.chars(data)

    def _cell_value(self) -> Any:
        kind = self.kind
        if kind == "inlineStr":
            return self.inline
        raw = "".join(self.value) if self.value is not None else None
        if self.formula and (raw is None or (raw == "" and kind != "str")):
            # openpyxl and other programs write <f> with no or an empty <v>; only a text formula
            # (t="str") can have the empty string as its result
            return NO_CACHED_VALUE
        if raw is None:
            return None
        if kind == "s":
            index = int(raw)
            if index < 0:
                raise ValueError(raw)
            return self.book._strings[index]
        if kind == "str":
            return _unescape(raw)[: self.text.cap + 1]
        if kind == "e":
            return ErrorValue(raw.strip())
        if raw.strip() == "":
            return None
        if kind == "b":
            return raw.strip() in ("1", "true")
        if kind == "d":
            return from_ISO8601(raw.strip())
        number = _number(raw.strip())
        if self.style in self.book._percent_styles:
            return Percent(number)
        if self.style in self.book._date_styles:
            try:
                return from_excel(
                    number, self.book.epoch, timedelta=self.style in self.book._timedelta_styles
                )
            except (OverflowError, ValueError):
                return ErrorValue("#VALUE!")
        return number


def _number(text: str) -> int | float:
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters.upper():
        index = index * 26 + (ord(ch) - 64)
    return index
