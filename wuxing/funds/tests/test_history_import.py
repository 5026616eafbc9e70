"""Earlier years' official levels and secretaries from Excel: all or nothing, row and column errors,
district only, never over a year the platform reviewed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from wuxing.core.excel import Sheet, build_workbook
from wuxing.core.models import DecisionLog
from wuxing.funds import services
from wuxing.funds.models import HistoricLevel

pytestmark = pytest.mark.django_db


def upload(rows: list[list[Any]]) -> SimpleUploadedFile:
    content = build_workbook([Sheet(services.HISTORY_SHEET, services.HISTORY_COLUMNS, rows)])
    return SimpleUploadedFile("往年星级.xlsx", content)


def stored() -> list[tuple[Any, ...]]:
    return list(
        HistoricLevel.objects.order_by("org__code", "year").values_list(
            "org__code",
            "year",
            "level",
            "star_removed",
            "secretary",
            "secretary_on_street_leadership",
            "source",
        )
    )


def test_import_all_rows_and_replace_on_reimport(world: Any) -> None:
    admin = world.users["admin"]
    report = services.import_history(
        admin,
        upload(
            [
                ["ZB001", 2021, 4, "否", "李建国", "否"],
                ["BZ001", 2022, 5, "是", "王秀英", "是"],
                ["zb001", 2022, 4, "", "", ""],
            ]
        ),
        "补录往年",
    )
    assert report.ok and (report.created, report.updated) == (3, 0)
    assert stored() == [
        ("BZ001", 2022, 5, True, "王秀英", True, "import"),
        ("ZB001", 2021, 4, False, "李建国", False, "import"),
        ("ZB001", 2022, 4, False, "", False, "import"),
    ]
    assert HistoricLevel.history.filter(history_user=admin, history_change_reason="补录往年").count() == 3
    assert DecisionLog.objects.filter(action="funds.history_import").count() == 1
    again = services.import_history(admin, upload([["ZB001", 2021, 3, "否", "李建国", "否"]]), "更正")
    assert (again.created, again.updated) == (0, 1)
    assert ("ZB001", 2021, 3, False, "李建国", False, "import") in stored()
    assert len(stored()) == 3


def test_one_bad_row_imports_nothing_and_names_row_and_column(world: Any) -> None:
    rows = [
        ["ZB001", 2021, 4, "否", "李建国", "否"],
        ["XX999", 2021, 4, "否", "", "否"],
        ["ZB001", 2021, 7, "否", "", "否"],
        ["BZ001", 2021, 3, "也许", "", "否"],
        ["ZB001", 2021, 4, "否", "", "否"],
    ]
    report = services.import_history(world.users["admin"], upload(rows))
    assert not report.ok and stored() == []
    assert report.messages() == [
        "第3行 第1列（组织编码）：找不到村/社区党组织“XX999”",
        "第4行 第3列（星级）：星级应为 0–5 的整数",
        "第5行 第4列（当年被摘星）：当年被摘星应填“是”或“否”",
        "第6行 第2列（年度）：与第2行重复（同一组织同一年度）",
    ]


def test_a_year_reviewed_on_the_platform_is_refused(world: Any, rulebooks: Any) -> None:
    from wuxing.reviews.models import ReviewCycle

    ReviewCycle.objects.create(
        year=2023, kind="rural", rulebook=rulebooks["rural"], opened_on=dt.date(2023, 12, 1),
        self_deadline=dt.date(2023, 12, 15), street_deadline=dt.date(2023, 12, 29),
        district_deadline=dt.date(2024, 1, 12),
    )  # fmt: skip
    report = services.import_history(world.users["admin"], upload([["ZB001", 2023, 4, "否", "", "否"]]))
    assert report.messages() == ["第2行 第2列（年度）：2023 年已在平台上评星，以平台的评星结果为准，不能导入"]
    # the community kind has no 2023 cycle: its year may be imported
    assert services.import_history(world.users["admin"], upload([["ZB002", 2023, 3, "否", "", "否"]])).ok


@pytest.mark.parametrize("role", ["street_a", "secretary_a", "leader", "unit"])
def test_only_the_district_imports(world: Any, client: Any, role: str) -> None:
    with pytest.raises(PermissionDenied):
        services.import_history(world.users[role], upload([["ZB001", 2021, 4, "否", "", "否"]]))
    client.force_login(world.users[role])
    response = client.post("/funds/history/", {"file": upload([["ZB001", 2021, 4, "否", "", "否"]])})
    assert response.status_code == 403
    assert stored() == []


def test_import_page_and_template(world: Any, client: Any) -> None:
    client.force_login(world.users["admin"])
    template = client.get("/funds/history/template/")
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxml")
    bad = client.post("/funds/history/", {"file": upload([["ZB001", 2021, "四", "否", "", "否"]])})
    assert "第2行 第3列（星级）" in bad.content.decode()
    ok = client.post("/funds/history/", {"file": upload([["ZB001", 2021, 4, "否", "李建国", "否"]])})
    assert ok.status_code == 302
    assert "李建国" in client.get("/funds/history/").content.decode()
