"""Evidence uploads are recognised by their content, not their name, and limited in size."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from wuxing.core.management.base import system_user
from wuxing.core.tests.xlsxutil import xlsx_bytes
from wuxing.rules import services
from wuxing.rules.models import Evidence, Score
from wuxing.rules.tests.helpers import YEAR, text_of

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
REFUSED = "只接受 JPG/PNG 图片、PDF、Word（.docx）和 Excel（.xlsx）文件；此文件的内容不是这些格式"


def office_zip(main_type: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Override PartName="/word/document.xml" ContentType="{main_type}"/></Types>',
        )
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


DOCX = office_zip("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
DOCM = office_zip("application/vnd.ms-word.document.macroEnabled.main+xml")


@pytest.fixture
def score(world: Any, rulebooks: Any, save: Any) -> Score:
    save(world.village_a, {"cyxw.income": "18"})
    return Score.objects.get(org=world.village_a, year=YEAR, indicator_code="cyxw.income")


def add(score: Score, name: str, content: bytes) -> Evidence:
    return services.add_evidence(system_user(), score, SimpleUploadedFile(name, content))


ACCEPTED = [
    ("照片.jpg", JPEG),
    ("截图.png", PNG),
    ("截图.jpg", PNG + b"\0"),  # a PNG saved with the wrong extension is still a PNG (another file)
    ("报告.pdf", PDF),
    ("总结.docx", DOCX),
    ("台账.xlsx", xlsx_bytes(["a"], [[1]])),
]


def test_the_kind_is_judged_by_content_not_by_name(score: Score) -> None:
    for name, content in ACCEPTED:
        ev = add(score, name, content)
        assert (ev.original_name, ev.file.read()) == (name, content)
    with pytest.raises(ValidationError):  # the same names with other content
        add(score, "照片.jpg", b"<html><script>alert(1)</script></html>")
    assert Evidence.objects.count() == len(ACCEPTED)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("照片.jpg", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(64), REFUSED),  # a Windows program
        ("照片.jpg", b"<html><script>alert(1)</script></html>", REFUSED),
        ("报告.pdf", b"<!DOCTYPE html><p>%PDF-1.4</p>", REFUSED),
        ("总结.docx", DOCM, REFUSED),  # macros
        ("资料.docx", b"PK\x03\x04 not really a zip", REFUSED),
        ("旧文件.doc", OLE, "旧版 Word/Excel（.doc/.xls）文件请另存为 .docx/.xlsx 或 PDF 后上传"),
        ("空.png", b"", REFUSED),
    ],
)
def test_refused_by_content_whatever_the_name(score: Score, name: str, content: bytes, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        add(score, name, content)
    assert exc.value.messages == [message]
    assert not Evidence.objects.exists()


def test_size_limit_at_its_boundary(score: Score, settings: Any) -> None:
    settings.WUXING_EVIDENCE_MAX_BYTES = MB
    add(score, "刚好.png", PNG + bytes(MB - len(PNG)))
    with pytest.raises(ValidationError) as exc:
        add(score, "太大.png", PNG + bytes(MB - len(PNG) + 1))
    assert exc.value.messages == ["文件超过 1MB，请压缩或拆分后上传"]
    assert Evidence.objects.count() == 1


def test_the_default_limit_is_20mb(score: Score) -> None:
    with pytest.raises(ValidationError) as exc:
        add(score, "太大.pdf", PDF + bytes(20 * MB))
    assert exc.value.messages == ["文件超过 20MB，请压缩或拆分后上传"]


def test_the_page_refuses_a_renamed_program_and_says_what_is_accepted(
    world: Any, score: Score, client_for: Any
) -> None:
    response = client_for("secretary_a").post(
        f"/stars/orgs/{world.village_a.pk}/evidence/?year={YEAR}",
        {"indicator": "cyxw.income", "file": SimpleUploadedFile("照片.jpg", b"MZ\x90\x00", "image/jpeg")},
        follow=True,
    )
    assert REFUSED in text_of(response)
    assert not Evidence.objects.exists()
