"""The competition's pages: they render for each role, exports are workbooks, a street sees only its own
organisations' rows (with their district places), writes go through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from wuxing.competition import services
from wuxing.competition.models import CaseKind, PolicyCase
from wuxing.competition.tests.conftest import YEAR, db_state, put_month

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def scored(world: Any, branches: dict[str, Any], rulebooks: Any) -> dict[str, Any]:
    for month in (1, 2, 3):
        put_month(branches, month, {"ZB001": "90", "ZB004": "60", "BZ001": "80", "BZ002": "85"})
    services.apply_policy(world.users["admin"], YEAR)
    event = services.create_event(
        world.users["admin"], title="一季度观摩", held_on=dt.date(YEAR, 3, 20), organiser=None,
        orgs=[branches["ZB001"], branches["BZ001"]], observers=["甲", "乙"],
    )  # fmt: skip
    services.save_observation_scores(world.users["admin"], event, {("甲", branches["ZB001"].pk): "88"})
    services.designate_reserve(world.users["admin"], branches["ZB001"], YEAR, 5, "张书记")
    services.designate_weak(world.users["street_a"], branches["ZB005"], YEAR, dt.date(YEAR, 2, 1), "班子软弱")
    return {"event": event, **branches}


PAGES = [
    "/competition/?year=2023", "/competition/rankings/?year=2023&month=2", "/competition/quarters/?year=2023&quarter=1",
    "/competition/observations/?year=2023", "/competition/cases/?year=2023", "/competition/reserve/?year=2023",
    "/competition/weak/?year=2023", "/competition/parameters/2023/", "/competition/checklist/2023/",
]  # fmt: skip


@pytest.mark.parametrize("role", ["admin", "leader", "street_a", "secretary_a", "unit"])
def test_pages_render_for_every_role(client_for: Any, scored: dict[str, Any], role: str) -> None:
    client = client_for(role)
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
    assert client.get(f"/competition/observations/{scored['event'].pk}/").status_code == 200


def test_a_street_sees_its_rows_and_the_districts_place_of_itself(
    client_for: Any, scored: dict[str, Any]
) -> None:
    body = client_for("street_a").get("/competition/rankings/?year=2023&month=1").content.decode()
    assert "西漳涧村" in body and "ZB004村" in body and "后万金村" not in body and "BZ002村" not in body
    assert "1 / 4" in body  # 西漳涧村 first of the four ranked organisations
    assert "彰北街道" in body and "柏庄镇" not in body
    body = client_for("admin").get("/competition/rankings/?year=2023&month=1").content.decode()
    assert "后万金村" in body and "柏庄镇" in body


def test_the_overview_shows_goals_charts_and_warnings(client_for: Any, scored: dict[str, Any]) -> None:
    body = client_for("admin").get("/competition/?year=2023").content.decode()
    assert 'data-chart="goals"' in body and 'id="chart-goals"' in body and 'id="chart-trend"' in body
    assert "未达标" in body and "最接近达标的组织" in body
    assert "降档建议" in body and "ZB004村" in body


def test_exports_are_workbooks(client_for: Any, scored: dict[str, Any]) -> None:
    client = client_for("street_a")
    for path in ("/competition/?year=2023&format=xlsx", "/competition/rankings/?year=2023&format=xlsx",
                 "/competition/quarters/?year=2023&quarter=1&format=xlsx", "/competition/reserve/?year=2023&format=xlsx",
                 "/competition/monthly/import/?year=2023&format=xlsx"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 200 and response["Content-Type"] == XLSX, path


def test_the_district_decides_on_the_page(client_for: Any, scored: dict[str, Any]) -> None:
    case = PolicyCase.objects.get(kind=CaseKind.PROPOSAL)
    before = db_state()
    url = f"/competition/cases/{case.pk}/decide/"
    data = {"decision": "reject", "comment": "整改积极", "lock_version": case.lock_version}
    assert client_for("street_a").post(url, data).status_code == 403
    assert db_state() == before
    assert client_for("admin").post(url, data).status_code == 302
    case.refresh_from_db()
    assert case.state == "rejected" and case.comment == "整改积极"


def test_parameters_page_saves_with_a_reason(client_for: Any, world: Any) -> None:
    from wuxing.competition.forms import ParametersForm
    from wuxing.competition.queries import parameters_for

    row, _saved = parameters_for(YEAR)
    data = {k: str(v) for k, v in ParametersForm.initial_from(row).items()}
    data.update({"policy_k": "3", "reason": "改为连续三个月", "lock_version": "0"})
    assert client_for("street_a").post("/competition/parameters/2023/", data).status_code == 403
    assert client_for("admin").post("/competition/parameters/2023/", data).status_code == 302
    assert parameters_for(YEAR)[0].policy_k == 3
    body = client_for("admin").get("/competition/parameters/2023/").content.decode()
    assert "改为连续三个月" in body and "默认（非官方）" in body


def test_without_a_year_the_pages_open_on_the_latest_year_with_monthly_scores(
    client_for: Any, world: Any, rulebooks: Any, branches: dict[str, Any]
) -> None:
    from wuxing.competition.models import MonthlyScore

    client = client_for("admin")
    # no monthly scores yet: the year the first pages show (the rating year of the shipped rulebooks)
    assert client.get("/competition/").context["year"] == YEAR
    put_month(branches, 1, {"ZB001": "90"})
    assert client.get("/competition/").context["year"] == YEAR
    MonthlyScore.objects.filter(year=YEAR).update(year=YEAR + 1)  # a later year's evaluation has begun
    assert client.get("/competition/").context["year"] == YEAR + 1
    assert client.get("/competition/rankings/").context["year"] == YEAR + 1


def test_rankings_pages_page_and_filter_keeping_district_places(
    client_for: Any, scored: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from wuxing.competition import views

    monkeypatch.setattr(views, "RANKING_PAGE", 2)
    client = client_for("admin")
    first = client.get("/competition/rankings/?year=2023&month=1").content.decode()
    second = client.get("/competition/rankings/?year=2023&month=1&page=2").content.decode()
    # 90 西漳涧村, 85 BZ002村 | 80 后万金村, 60 ZB004村
    assert "第 1/2 页，共 4 条" in first and "西漳涧村" in first and "BZ002村" in first
    assert "后万金村" not in first and "后万金村" in second and "ZB004村" in second
    assert "page=2" in first and "month=1" in first
    street = client.get("/competition/rankings/?year=2023&month=1&street=BZ").content.decode()
    assert "后万金村" in street and "BZ002村" in street and "西漳涧村" not in street
    assert "2 / 4" in street and "3 / 4" in street  # district places kept
    found = client.get("/competition/rankings/?year=2023&month=1&q=ZB004").content.decode()
    assert "ZB004村" in found and "4 / 4" in found and "西漳涧村" not in found
    quarter = client.get("/competition/quarters/?year=2023&quarter=1&street=ZB").content.decode()
    assert "西漳涧村" in quarter and "后万金村" not in quarter


def test_rankings_filters_refuse_bad_values_in_chinese(client_for: Any, scored: dict[str, Any]) -> None:
    client = client_for("street_a")
    response = client.get("/competition/rankings/?year=2023&month=1&street=BZ&q=" + "村" * 51)
    body = response.content.decode()
    assert response.status_code == 200 and 'role="alert"' in body
    assert "西漳涧村" in body  # the ranking is shown unfiltered, never another street's rows
    assert "后万金村" not in body


def test_the_rankings_export_follows_the_filters(client_for: Any, scored: dict[str, Any]) -> None:
    import io

    from openpyxl import load_workbook

    response = client_for("admin").get("/competition/rankings/?year=2023&street=BZ&format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)["组织排名"]
    names = {row[3] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == {"后万金村", "BZ002村"}
