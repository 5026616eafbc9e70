"""Helpers for tests: build real .xlsx files with openpyxl and read exports back."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(
    header: Sequence[object] | None, rows: Sequence[Sequence[object] | None] = (), *, title: str = "Sheet1"
) -> bytes:
    """A workbook whose first sheet holds `header` in row 1 and `rows` from row 2 (None = empty row)."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    if header is not None:
        for col, value in enumerate(header, start=1):
            ws.cell(row=1, column=col, value=value)
    for r, row in enumerate(rows, start=2):
        if row is None:
            continue
        for col, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(row=r, column=col, value=value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_file(header: Sequence[object] | None, rows: Sequence[Sequence[object] | None] = ()) -> io.BytesIO:
    return io.BytesIO(xlsx_bytes(header, rows))


def upload(content: bytes, name: str = "data.xlsx", content_type: str = XLSX_MIME) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def read_rows(content: bytes, sheet: int = 0) -> list[list[Any]]:
    """Every row of a sheet as a list of values (trailing empty rows dropped by openpyxl)."""
    wb = load_workbook(io.BytesIO(content))
    ws = wb.worksheets[sheet]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def load(content: bytes) -> Any:
    return load_workbook(io.BytesIO(content))


def sheet_xml(content: bytes, index: int = 1) -> str:
    """The raw XML of worksheet `index` (1-based), to check what Excel itself would see."""
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        return zf.read(f"xl/worksheets/sheet{index}.xml").decode()


# --- hand-made workbooks: what Excel, WPS or LibreOffice write and openpyxl cannot (cached formula
# results, shared strings, error cells, hidden sheets), and hostile files ---------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def raw_xlsx(
    sheets: Sequence[tuple[str, str] | tuple[str, str, str]],
    shared: Sequence[str] = (),
    *,
    styles: str = "",
    date1904: bool = False,
    extra: dict[str, bytes] | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """An .xlsx written part by part. `sheets` are (title, <sheetData> inner XML[, state]); cells refer to
    `shared` strings by index (t="s"). `extra` adds parts (name → bytes) as they are."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-'
            f'officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        if shared:
            overrides += (
                '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                'officedocument.spreadsheetml.sharedStrings+xml"/>'
            )
        if styles:
            overrides += (
                '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
                'officedocument.spreadsheetml.styles+xml"/>'
            )
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/>' + overrides + "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="{_REL}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        entries = []
        rels = []
        for i, sheet in enumerate(sheets, start=1):
            title, data = sheet[0], sheet[1]
            state = f' state="{sheet[2]}"' if len(sheet) > 2 else ""
            entries.append(f'<sheet name="{title}" sheetId="{i}"{state} r:id="rId{i}"/>')
            rels.append(
                f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            )
            z.writestr(
                f"xl/worksheets/sheet{i}.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
                f"<sheetData>{data}</sheetData></worksheet>",
            )
        if shared:
            items = "".join(f'<si><t xml:space="preserve">{s}</t></si>' for s in shared)
            z.writestr("xl/sharedStrings.xml", f'<sst xmlns="{_MAIN}">{items}</sst>')
            rels.append(f'<Relationship Id="rIdS" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>')
        if styles:
            z.writestr("xl/styles.xml", f'<styleSheet xmlns="{_MAIN}">{styles}</styleSheet>')
            rels.append(f'<Relationship Id="rIdT" Type="{_REL}/styles" Target="styles.xml"/>')
        pr = '<workbookPr date1904="1"/>' if date1904 else ""
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">{pr}<sheets>{"".join(entries)}</sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{_PKG}">{"".join(rels)}</Relationships>'
        )
        for name, content in (extra or {}).items():
            z.writestr(name, content)
    return buf.getvalue()


def row_xml(number: int, *cells: str) -> str:
    return f'<row r="{number}">{"".join(cells)}</row>'


def s_cell(ref: str, index: int) -> str:
    """A shared-string cell."""
    return f'<c r="{ref}" t="s"><v>{index}</v></c>'


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def bomb_xlsx(megabytes: int, header: str = "组织编码") -> bytes:
    """A workbook of a few hundred KB whose one shared string (the only data cell, A2) unpacks to
    `megabytes` MB of one repeated character — written in chunks, never held in memory whole."""
    base = raw_xlsx([("Sheet1", row_xml(1, s_cell("A1", 0)) + row_xml(2, s_cell("A2", 1)))], [header, "x"])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            if info.filename != "xl/sharedStrings.xml":
                z.writestr(info, src.read(info))
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(f'<sst xmlns="{_MAIN}"><si><t>{header}</t></si><si><t>'.encode())
            chunk = b"A" * (1024 * 1024)
            for _ in range(megabytes):
                part.write(chunk)
            part.write(b"</t></si></sst>")
    return out.getvalue()


def import_errors(response: Any) -> list[str]:
    """The import-error table of a page, each row read back as the message it stands for:
    "第2行 第3列（表头）：问题" (or "第2行：问题", or just "问题" for the whole file)."""
    import html as html_lib
    import re

    page = response.content.decode()
    if 'class="import-errors-table"' not in page:
        return []
    table = page[page.index('class="import-errors-table"') :]
    table = table[table.index("<tbody>") : table.index("</tbody>")]
    out = []
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        cells = [
            html_lib.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        if len(cells) != 4:
            out.append(" ".join(cells))
            continue
        where, column, header, message = cells
        column = re.sub(r"（[A-Z]+）$", "", column)
        if where == "整个文件":
            out.append(message)
        elif column == "—":
            out.append(f"{where}：{message}")
        elif header == "—":
            out.append(f"{where} {column}：{message}")
        else:
            out.append(f"{where} {column}（{header}）：{message}")
    return out
