"""PDFs of a star card and of the street/district ratings report: generated through their URLs, their
text read back with pypdf (the Chinese text is really there, in the CJK font), scoped like the pages."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from wuxing.core.management.base import system_user
from wuxing.rules import services
from wuxing.rules.tests.helpers import CYXW_AT_18, RURAL_FULL, YEAR

pytestmark = pytest.mark.django_db


def pdf_text(response) -> str:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


def test_the_star_card_pdf_names_the_organisation_and_its_gaps(world, rulebooks, client_for):
    services.save_scores(system_user(), world.village_a, YEAR, CYXW_AT_18)
    response = client_for("secretary_a").get(f"/stars/orgs/{world.village_a.pk}/card.pdf?year={YEAR}")
    assert "inline;" in response["Content-Disposition"]
    text = pdf_text(response)
    assert "西漳涧村" in text
    assert f"{YEAR}年星级卡片" in text
    assert "未获得的原因（差距清单）" in text
    assert "村集体经济收入≥20万元，当前18万元" in text  # the required item's gap, with its value


def test_the_district_report_lists_every_organisation(world, rulebooks, client_for):
    services.save_scores(system_user(), world.village_b, YEAR, RURAL_FULL)
    text = pdf_text(client_for("leader").get(f"/stars/ratings/report.pdf?year={YEAR}"))
    assert "全区·2023年星级评定报告" in text
    for name in ("西漳涧村", "阳光社区", "后万金村", "彰北街道", "柏庄镇"):
        assert name in text
    assert "三星及以上：1/3（33.3%" in text


def test_the_street_report_is_the_street_only(world, rulebooks, client_for):
    text = pdf_text(
        client_for("street_a").get(f"/stars/ratings/report.pdf?year={YEAR}&street={world.street_b.pk}")
    )
    # another street's id is not visible to street A's staff: the report falls back to what it sees
    assert "后万金村" not in text
    assert "西漳涧村" in text
    text = pdf_text(
        client_for("admin").get(f"/stars/ratings/report.pdf?year={YEAR}&street={world.street_b.pk}")
    )
    assert "柏庄镇·2023年星级评定报告" in text
    assert "后万金村" in text and "西漳涧村" not in text


def test_another_streets_card_pdf_is_404(world, rulebooks, client_for):
    response = client_for("street_a").get(f"/stars/orgs/{world.village_b.pk}/card.pdf")
    assert response.status_code == 404


def test_a_report_over_the_limit_asks_for_a_street_first(world, rulebooks, client_for, monkeypatch):
    monkeypatch.setattr("wuxing.rules.views.pdf.REPORT_MAX_ORGS", 2)
    client = client_for("admin")
    response = client.get(f"/stars/ratings/report.pdf?year={YEAR}")
    assert response.status_code == 302 and response["Location"] == f"/stars/ratings/?year={YEAR}"
    page = client.get(response["Location"]).content.decode()
    assert "共 3 个组织，PDF 报告最多 2 个：请先选择街道/镇再下载。" in page
    # one street (2 organisations) is within the limit
    assert pdf_text(client.get(f"/stars/ratings/report.pdf?year={YEAR}&street={world.street_a.pk}"))
