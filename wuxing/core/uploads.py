"""Checks on uploaded files, made before anything else reads them.

Evidence files are recognised by their content (the first bytes, and for Word and Excel the zip's
[Content_Types].xml), never by their name: a program or a web page renamed to .jpg is refused.
Excel imports are checked for size and for being a zip here; the zip's parts are checked by
`wuxing.core.xlsx_reader` before any XML is read.
"""

from __future__ import annotations

import zipfile
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from wuxing.core.xlsx_reader import OLE_MAGIC, XlsxRejected, check_upload, megabytes, upload_size

EVIDENCE_TYPES_TEXT = "JPG/PNG 图片、PDF、Word（.docx）和 Excel（.xlsx）文件"
_DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_CONTENT_TYPES_MAX = 1024 * 1024


def _office_kind(fileobj: Any) -> str | None:
    """ "docx" or "xlsx" when the zip declares that main part (macro-enabled variants are not these)."""
    try:
        with zipfile.ZipFile(fileobj) as archive:
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > _CONTENT_TYPES_MAX:
                return None
            types = archive.read(info)
    except Exception:  # not a zip, no [Content_Types].xml, encrypted or damaged: not an Office file
        return None
    if _DOCX_MAIN in types:
        return "docx"
    if _XLSX_MAIN in types:
        return "xlsx"
    return None


def evidence_kind(fileobj: Any) -> str | None:
    """jpeg, png, pdf, docx or xlsx — what the file is by its content — or None."""
    fileobj.seek(0)
    head = fileobj.read(8)
    fileobj.seek(0)
    kind: str | None = None
    if head.startswith(b"\xff\xd8\xff"):
        kind = "jpeg"
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "png"
    elif head.startswith(b"%PDF-"):
        kind = "pdf"
    elif head.startswith(b"PK\x03\x04"):
        kind = _office_kind(fileobj)
        fileobj.seek(0)
    return kind


def check_evidence(fileobj: Any) -> str:
    """Refuse an evidence file that is too large or not one of the accepted kinds; return its kind."""
    limit = settings.WUXING_EVIDENCE_MAX_BYTES
    if upload_size(fileobj) > limit:
        raise ValidationError(f"文件超过 {megabytes(limit)}，请压缩或拆分后上传")
    kind = evidence_kind(fileobj)
    if kind is None:
        fileobj.seek(0)
        if fileobj.read(8).startswith(OLE_MAGIC):
            fileobj.seek(0)
            raise ValidationError("旧版 Word/Excel（.doc/.xls）文件请另存为 .docx/.xlsx 或 PDF 后上传")
        fileobj.seek(0)
        raise ValidationError(f"只接受 {EVIDENCE_TYPES_TEXT}；此文件的内容不是这些格式")
    return kind


def check_xlsx_upload(fileobj: Any) -> None:
    """An Excel import: at most WUXING_IMPORT_MAX_BYTES, and a zip (what every .xlsx is)."""
    try:
        check_upload(fileobj, settings.WUXING_IMPORT_MAX_BYTES)
    except XlsxRejected as exc:
        raise ValidationError(exc.message) from exc
