"""Entering and correcting one thing at a time (§81–§83): one organisation's month in a form, an event's
route, an event's scores from and to Excel — at their boundaries, with the import's authority, and with the
optimistic lock (a stale form is refused in Chinese and changes nothing)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from wuxing.competition import services
from wuxing.competition.models import CaseKind, MonthlyScore, ObservationScore, PolicyCase
from wuxing.competition.tests.conftest import YEAR, db_state
from wuxing.core.locking import CONFLICT_MESSAGE, EditConflict
from wuxing.core.models import DecisionLog

pytestmark = pytest.mark.django_db

FULL = {"zzsh": "25", "tzjs": "15", "dbrw": "25", "fwqz": "20", "aqwd": "15"}  # the default checklist
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _save(world: Any, org: Any, items: dict[str, str], *, role: str = "street_a", month: int = 1,
          reason: str = "", version: int | None = None) -> MonthlyScore:  # fmt: skip
    return services.save_monthly_score(
        world.users[role], org, YEAR, month, items, "街道考评组", reason, expected_version=version
    )


# --------------------------------------------------------------------------- one organisation's month


def test_item_bounds_zero_and_full_points_pass_more_or_three_decimals_do_not(
    world: Any, branches: dict[str, Any]
) -> None:
    row = _save(world, branches["ZB001"], {**FULL, "zzsh": "0", "tzjs": "15.00", "dbrw": "12.5"})
    assert row.total == D("62.50") and row.items["zzsh"] == "0.00" and row.items["dbrw"] == "12.50"
    assert row.lock_version == 0 and row.checklist.version == 1
    before = db_state()
    for value, words in (("25.01", "应在 0–25 之间"), ("12.345", "最多两位小数"), ("-0.01", "应在 0–25"),
                         ("abc", "应为数字"), ("", "请填写"), ("NaN", "应为数字"), ("1e1", "科学计数法")):  # fmt: skip
        with pytest.raises(ValidationError) as caught:
            _save(world, branches["ZB002"], {**FULL, "zzsh": value})
        assert caught.value.message_dict == {"zzsh": [caught.value.message_dict["zzsh"][0]]}
        message = caught.value.message_dict["zzsh"][0]
        assert "组织生活规范" in message and words in message, (value, message)
    assert db_state() == before


def test_points_typed_on_a_phone_keyboard_are_read_like_every_number_of_the_platform(
    world: Any, branches: dict[str, Any]
) -> None:
    row = _save(world, branches["ZB001"], {**FULL, "zzsh": "１２.５", "dbrw": " 20 "})  # full-width digits
    assert row.items["zzsh"] == "12.50" and row.items["dbrw"] == "20.00"


def test_a_street_scores_only_its_own_organisations_taking_part(world: Any, branches: dict[str, Any]) -> None:
    from wuxing.orgs import services as org_services

    before = db_state()
    with pytest.raises(PermissionDenied):
        _save(world, branches["BZ001"], FULL)  # street A on street B's organisation
    for role in ("leader", "secretary_a", "unit"):
        with pytest.raises(PermissionDenied):
            _save(world, branches["ZB001"], FULL, role=role)
    outsider = org_services.create_branch(  # no level last year: not in the year's evaluation
        world.users["admin"], world.street_a,
        {"branch_type": "branch", "member_count": 10, "area_kind": "rural", "code": "ZB009", "name": "新村"},
    )  # fmt: skip
    before = db_state()
    with pytest.raises(ValidationError, match="不在 2023 年度月考评范围内"):
        _save(world, outsider, FULL)
    with pytest.raises(ValidationError):
        _save(world, branches["ZB001"], FULL, month=13)
    assert db_state() == before
    assert _save(world, branches["BZ001"], FULL, role="admin").total == D("100.00")


def test_a_correction_needs_a_reason_and_the_version_it_was_shown(
    world: Any, branches: dict[str, Any]
) -> None:
    org = branches["ZB001"]
    first = _save(world, org, FULL)
    before = db_state()
    with pytest.raises(ValidationError) as caught:  # changing without a reason
        _save(world, org, {**FULL, "dbrw": "20"}, version=first.lock_version)
    assert "修改原因" in str(caught.value)
    with pytest.raises(EditConflict) as conflict:  # the page showed no score: one entered meanwhile
        _save(world, org, {**FULL, "dbrw": "20"}, reason="更正")
    assert CONFLICT_MESSAGE in conflict.value.messages[0]
    assert db_state() == before
    second = _save(world, org, {**FULL, "dbrw": "20"}, reason="短板任务逾期一项", version=0)
    assert (second.total, second.lock_version) == (D("95.00"), 1)
    before = db_state()
    with pytest.raises(EditConflict) as conflict:  # a stale page (version 0) after the correction
        _save(world, org, {**FULL, "dbrw": "10"}, reason="再改", version=0, role="admin")
    assert (
        conflict.value.messages[0].startswith(CONFLICT_MESSAGE)
        and "您的修改没有保存" in conflict.value.messages[0]
    )
    assert db_state() == before
    reasons = list(org.monthly_scores.get(month=1).history.order_by("history_id").values_list(
        "history_change_reason", "total"))  # fmt: skip
    assert reasons == [("月考评录入", D("100.00")), ("短板任务逾期一项", D("95.00"))]
    log = DecisionLog.objects.filter(action="competition.monthly_entry").order_by("pk")
    assert [(r.from_state, r.to_state) for r in log] == [("", "100.00"), ("100.00", "95.00")]
    assert "短板任务逾期一项" in log.last().comment  # type: ignore[union-attr]


def test_an_import_after_the_form_was_opened_makes_the_form_stale(
    world: Any, branches: dict[str, Any]
) -> None:
    from wuxing.core.excel import Sheet, build_workbook

    row = _save(world, branches["ZB001"], FULL)
    columns = services.monthly_columns(services.ensure_checklist(world.users["admin"], YEAR))
    content = build_workbook(
        [Sheet(services.MONTHLY_SHEET, columns, [["ZB001", "", 1, "", 20, 15, 20, 18, 15]])]
    )
    assert services.import_monthly(world.users["admin"], io.BytesIO(content), YEAR).ok
    row.refresh_from_db()
    assert (row.total, row.lock_version) == (D("88.00"), 1)
    with pytest.raises(EditConflict):
        _save(world, branches["ZB001"], FULL, reason="按纸质表更正", version=0)
    row.refresh_from_db()
    assert row.total == D("88.00")


def test_the_last_place_policy_runs_after_a_save(world: Any, branches: dict[str, Any]) -> None:
    services.save_parameters(world.users["admin"], YEAR, {"policy_k": 1}, "一期即预警")
    _save(world, branches["ZB001"], FULL)
    _save(world, branches["ZB004"], {**FULL, "dbrw": "5"})
    (warning,) = PolicyCase.objects.filter(kind=CaseKind.WARNING)
    assert (warning.org.code, warning.period) == ("ZB004", 1)


def test_the_form_page(client_for: Any, world: Any, branches: dict[str, Any]) -> None:
    org = branches["ZB001"]
    url = f"/competition/monthly/{org.pk}/{YEAR}/1/"
    client = client_for("street_a")
    assert client.get(f"/competition/monthly/{branches['BZ001'].pk}/{YEAR}/1/").status_code == 404
    assert client.get(f"/competition/monthly/{org.pk}/{YEAR}/13/").status_code == 404
    assert client.get(url).status_code == 200
    data = {f"item_{k}": v for k, v in FULL.items()} | {"scored_by": "街道考评组", "lock_version": ""}
    before = db_state()
    response = client.post(url, {**data, "item_tzjs": "15.01", "item_fwqz": "8.125"})
    body = response.content.decode()
    assert response.status_code == 200 and "台账与佐证材料及时完整应在 0–15 之间" in body
    assert "服务群众与办结民生实事最多两位小数" in body
    assert db_state() == before
    response = client.post(url, data)
    assert response.status_code == 302 and "month=1" in response["Location"]
    assert org.monthly_scores.get(month=1).total == D("100.00")
    # a second page opened before that save (it saw no score) is refused with the conflict message
    response = client.post(url, {**data, "item_aqwd": "0", "reason": "更正"})
    assert response.status_code == 200 and CONFLICT_MESSAGE in response.content.decode()
    assert org.monthly_scores.get(month=1).total == D("100.00")
    body = client.get(url).content.decode()
    assert "现有得分：100.00 分" in body and 'name="lock_version" value="0"' in body
    assert (
        client.post(url, {**data, "item_aqwd": "0", "reason": "有信访事项", "lock_version": "0"}).status_code
        == 302
    )
    assert org.monthly_scores.get(month=1).total == D("85.00")
    assert client_for("leader").get(url).status_code == 403


def test_the_rankings_link_each_row_to_its_form_for_those_who_may_score(
    client_for: Any, world: Any, branches: dict[str, Any]
) -> None:
    _save(world, branches["ZB001"], FULL)
    link = f"/competition/monthly/{branches['ZB001'].pk}/{YEAR}/1/"
    assert link in client_for("street_a").get("/competition/rankings/?year=2023&month=1").content.decode()
    assert link in client_for("admin").get("/competition/rankings/?year=2023&month=1").content.decode()
    assert link not in client_for("leader").get("/competition/rankings/?year=2023&month=1").content.decode()
    body = client_for("street_a").get("/competition/monthly/import/?year=2023").content.decode()
    assert f"/competition/monthly/{branches['ZB004'].pk}/{YEAR}/" in body
    assert f"/competition/monthly/{branches['BZ001'].pk}/" not in body


# --------------------------------------------------------------------------- an event's route


def _event(world: Any, branches: dict[str, Any]) -> Any:
    event = services.create_event(
        world.users["street_a"], title="二月观摩", held_on=dt.date(YEAR, 2, 21), organiser=world.street_a,
        orgs=[branches["ZB001"], branches["ZB003"]], observers=["甲", "乙"],
    )  # fmt: skip
    services.save_observation_scores(
        world.users["street_a"], event,
        {("甲", branches["ZB001"].pk): "90", ("乙", branches["ZB001"].pk): "80", ("甲", branches["ZB003"].pk): "70"},
    )  # fmt: skip
    event.refresh_from_db()
    return event


def _route(event: Any) -> list[str]:
    return [s.org.code for s in event.stops.select_related("org").order_by("position")]


def _scores(event: Any) -> set[tuple[str, str, D]]:
    return {
        (s.observer, s.org.code, s.score)
        for s in ObservationScore.objects.filter(event=event).select_related("org")
    }


def _edit(world: Any, event: Any, orgs: list[Any], observers: list[str], *, role: str = "street_a",
          version: int | None = None, drop: bool = False, reason: str = "路线调整") -> Any:  # fmt: skip
    return services.update_event(
        world.users[role], event, title="二月观摩（更正）", held_on=dt.date(YEAR, 2, 22), orgs=orgs,
        observers=observers, reason=reason, drop_scores=drop,
        expected_version=event.lock_version if version is None else version,
    )  # fmt: skip


def test_reordering_and_adding_keep_the_scores(world: Any, branches: dict[str, Any]) -> None:
    event = _event(world, branches)
    scores = _scores(event)
    _edit(world, event, [branches["ZB004"], branches["ZB003"], branches["ZB001"]], ["甲", "乙", "丙"])
    event.refresh_from_db()
    assert _route(event) == ["ZB004", "ZB003", "ZB001"]
    assert (event.title, event.held_on, event.observers) == (
        "二月观摩（更正）",
        dt.date(YEAR, 2, 22),
        ["甲", "乙", "丙"],
    )
    assert _scores(event) == scores
    log = DecisionLog.objects.filter(action="competition.event_edit").get()
    assert "ZB001→ZB003 改为 ZB004→ZB003→ZB001" in log.comment and "路线调整" in log.comment
    assert event.history.first().history_change_reason == "路线调整"


def test_removing_a_scored_stop_or_observer_needs_the_confirmation(
    world: Any, branches: dict[str, Any]
) -> None:
    event = _event(world, branches)
    before = db_state()
    with pytest.raises(ValidationError) as caught:
        _edit(world, event, [branches["ZB003"]], ["甲", "乙"])
    assert "西漳涧村（2 个评分）" in caught.value.message_dict["drop_scores"][0]
    with pytest.raises(ValidationError) as caught:
        _edit(world, event, [branches["ZB001"], branches["ZB003"]], ["甲"])
    assert "评分人 乙（1 个评分）" in caught.value.message_dict["drop_scores"][0]
    with pytest.raises(ValidationError):  # no reason
        _edit(world, event, [branches["ZB001"], branches["ZB003"]], ["甲", "乙", "丙"], reason=" ")
    assert db_state() == before
    _edit(world, event, [branches["ZB003"]], ["甲", "乙"], drop=True, reason="西漳涧村未去成")
    event.refresh_from_db()
    assert _route(event) == ["ZB003"] and _scores(event) == {("甲", "ZB003", D("70.00"))}
    removed = ObservationScore.history.filter(history_type="-").values_list(
        "history_change_reason", flat=True
    )
    assert list(removed) == ["西漳涧村未去成"] * 2
    assert "删除 2 个评分" in DecisionLog.objects.get(action="competition.event_edit").comment


def test_an_event_edit_is_version_checked_and_scoped(world: Any, branches: dict[str, Any]) -> None:
    event = _event(world, branches)
    stale = event.lock_version
    _edit(world, event, [branches["ZB001"], branches["ZB003"]], ["甲", "乙", "丙"])
    before = db_state()
    with pytest.raises(EditConflict) as conflict:
        _edit(world, event, [branches["ZB001"]], ["甲", "乙"], version=stale, role="admin", drop=True)
    assert conflict.value.messages[0].startswith(CONFLICT_MESSAGE)
    with pytest.raises(PermissionDenied):
        _edit(world, event, [branches["ZB001"]], ["甲", "乙", "丙"], role="street_b")
    with pytest.raises(ValidationError, match="不在彰北街道"):
        _edit(world, event, [branches["ZB001"], branches["BZ001"]], ["甲", "乙", "丙"])
    assert db_state() == before


def test_the_edit_page(client_for: Any, world: Any, branches: dict[str, Any]) -> None:
    event = _event(world, branches)
    url = f"/competition/observations/{event.pk}/edit/"
    client = client_for("street_a")
    assert "ZB001\nZB003" in client.get(url).content.decode()
    data = {"title": "二月观摩", "held_on": "2023-02-21", "orgs": "ZB003", "observers": "甲\n乙",
            "reason": "西漳涧村未去成", "lock_version": str(event.lock_version)}  # fmt: skip
    before = db_state()
    body = client.post(url, data).content.decode()
    assert "西漳涧村（2 个评分）" in body and db_state() == before
    body = client.post(url, {**data, "orgs": "ZB003, BZ001"}).content.decode()
    assert "找不到组织（或无权查看）：BZ001" in body and db_state() == before
    assert client.post(url, {**data, "drop_scores": "on"}).status_code == 302
    body = client.post(url, {**data, "title": "又改", "drop_scores": "on"}).content.decode()  # stale now
    assert CONFLICT_MESSAGE in body
    assert client_for("leader").get(url).status_code == 403
    assert client_for("street_b").get(url).status_code == 404


# --------------------------------------------------------------------------- an event's scores in Excel


def _file(rows: list[list[Any]]) -> io.BytesIO:
    from wuxing.core.excel import Sheet, build_workbook

    return io.BytesIO(
        build_workbook([Sheet(services.OBSERVATION_SHEET, services.observation_columns(), rows)])
    )


def test_observation_import_sets_the_named_scores(world: Any, branches: dict[str, Any]) -> None:
    event = _event(world, branches)
    rows: list[list[Any]] = [
        ["甲", "zb001", "", 0],
        ["乙", "ZB001", "", ""],
        ["乙", "ZB003", "", 100],
        ["甲", "ZB003", "", "70"],
    ]
    report = services.import_observation_scores(world.users["street_a"], event, _file(rows), "纸质评分表")
    assert report.ok, report.messages()
    assert (report.created, report.updated, report.unchanged) == (1, 2, 1)
    assert _scores(event) == {
        ("甲", "ZB001", D("0.00")),
        ("乙", "ZB003", D("100.00")),
        ("甲", "ZB003", D("70.00")),
    }
    event.refresh_from_db()
    assert DecisionLog.objects.filter(action="competition.event_import").count() == 1
    assert ObservationScore.history.filter(history_change_reason="纸质评分表").count() == 3


def test_observation_import_is_all_or_nothing_with_places(world: Any, branches: dict[str, Any]) -> None:
    event = _event(world, branches)
    before = db_state()
    rows: list[list[Any]] = [["甲", "ZB001", "", 100.01], ["乙", "ZB001", "", "88.555"], ["丙", "ZB001", "", 80],
            ["甲", "BZ001", "", 80], ["甲", "ZB003", "", "abc"], ["乙", "ZB003", "", 60], ["乙", "zb003", "", 61],
            ["甲", "ZB004", "", -1]]  # fmt: skip
    report = services.import_observation_scores(world.users["street_a"], event, _file(rows))
    text = report.messages()
    assert not report.ok and db_state() == before
    assert text[0] == "第2行 第4列（得分）：得分应在 0–100 之间"
    assert text[1] == "第3行 第4列（得分）：得分最多两位小数"
    assert text[2] == "第4行 第1列（评分人）：“丙”不是本次观摩的评分人"
    assert text[3] == "第5行 第2列（组织编码）：“BZ001”不在本次观摩的路线中"
    assert text[4] == "第6行 第4列（得分）：得分应为数字"
    assert text[5] == "第8行 第2列（组织编码）：与第7行重复（同一评分人同一组织）"
    assert text[6].startswith("第9行 第2列")
    with pytest.raises(PermissionDenied):
        services.import_observation_scores(world.users["street_b"], event, _file([["甲", "ZB001", "", 1]]))
    with pytest.raises(PermissionDenied):
        services.import_observation_scores(world.users["leader"], event, _file([["甲", "ZB001", "", 1]]))
    assert db_state() == before


def test_export_template_and_import_through_the_pages(
    client_for: Any, world: Any, branches: dict[str, Any]
) -> None:
    from openpyxl import load_workbook

    event = _event(world, branches)
    client = client_for("street_a")
    response = client.get(f"/competition/observations/{event.pk}/?format=xlsx")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    grid = [list(r) for r in book["观摩得分"].iter_rows(values_only=True)]
    assert grid[0][:5] == ["顺序", "组织编码", "组织", "甲", "乙"]
    assert grid[1][:6] == [1, "ZB001", "西漳涧村", 90, 80, 85]
    template = client.get(f"/competition/observations/{event.pk}/import/?format=xlsx")
    assert template.status_code == 200
    content = b"".join(template.streaming_content)
    listed = [
        list(r)
        for r in load_workbook(io.BytesIO(content))[services.OBSERVATION_SHEET].iter_rows(values_only=True)
    ]
    assert listed[1:] == [["甲", "ZB001", "西漳涧村", 90], ["甲", "ZB003", "ZB003村", 70],
                          ["乙", "ZB001", "西漳涧村", 80], ["乙", "ZB003", "ZB003村", None]]  # fmt: skip
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = f"/competition/observations/{event.pk}/import/"
    assert client_for("leader").get(url).status_code == 403
    client = client_for("street_a")
    response = client.post(url, {"file": SimpleUploadedFile("t.xlsx", content), "reason": ""})
    assert response.status_code == 302  # the template as downloaded imports unchanged
    assert _scores(event) == {
        ("甲", "ZB001", D("90.00")),
        ("乙", "ZB001", D("80.00")),
        ("甲", "ZB003", D("70.00")),
    }
    bad = _file([["甲", "ZB001", "", 101]])
    body = client.post(url, {"file": SimpleUploadedFile("t.xlsx", bad.getvalue())}).content.decode()
    assert "第2行 第4列（得分）" in body
    # a secretary sees the export of her organisation's row only
    event2 = services.create_event(
        world.users["admin"], title="区级观摩", held_on=dt.date(YEAR, 3, 1), organiser=None,
        orgs=[branches["ZB001"], branches["BZ001"]], observers=["甲"],
    )  # fmt: skip
    services.save_observation_scores(
        world.users["admin"], event2, {("甲", branches["ZB001"].pk): "90", ("甲", branches["BZ001"].pk): "95"}
    )
    response = client_for("secretary_a").get(f"/competition/observations/{event2.pk}/?format=xlsx")
    rows = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content)))[services.OBSERVATION_SHEET].iter_rows(
            values_only=True
        )
    )
    assert rows[1:] == [("甲", "ZB001", "西漳涧村", 90)]
