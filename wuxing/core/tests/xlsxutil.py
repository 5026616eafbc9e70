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
