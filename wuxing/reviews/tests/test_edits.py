"""Changing an open cycle's deadlines (service, page, API: per role, order, locking, the due lists
following them) and removing a star with an evidence file (types, scope of the download, nothing left
behind when refused)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from wuxing.core.locking import EditConflict
from wuxing.core.models import DecisionLog
from wuxing.core.workdays import today
from wuxing.reviews import queries, services
from wuxing.reviews.models import Assessment, NamedResult, ReviewCycle, Stage, StarRemoval
from wuxing.reviews.tests.conftest import db_state
from wuxing.rules import services as rule_services
from wuxing.rules.tests.helpers import CYXW_FULL, STJY_FULL, ZBGY_FULL

pytestmark = pytest.mark.django_db

NOT_DISTRICT = ("leader", "street_a", "street_b", "secretary_a", "unit")
NEW = {
    "self_deadline": dt.date(2023, 12, 22),
    "street_deadline": dt.date(2024, 1, 5),
    "district_deadline": dt.date(2024, 1, 19),
    "notice_workdays": 7,
}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082"
)
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


def login(world: Any, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def fresh(cycle: ReviewCycle) -> ReviewCycle:
    return ReviewCycle.objects.get(pk=cycle.pk)


# --- deadlines: the service ----------------------------------------------------------------------------------


def test_the_district_changes_the_deadlines_with_a_reason_recorded(cycle: Any, world: Any) -> None:
    admin = world.users["admin"]
    seen = fresh(cycle).lock_version
    changed = services.change_deadlines(admin, cycle, NEW, " 按区委通知延期 ", expected_version=seen)
    assert {k: getattr(fresh(cycle), k) for k in NEW} == NEW
    assert changed.lock_version == seen + 1
    log = DecisionLog.objects.get(action="deadlines_changed")
    assert log.actor == admin and log.actor_role == "district_admin"
    assert log.comment == (
        "自评截止 2023-12-15 → 2023-12-22；街道初评截止 2023-12-29 → 2024-01-05；"
        "区级审核截止 2024-01-12 → 2024-01-19；公示期（工作日） 5 → 7。原因：按区委通知延期"
    )
    record = fresh(cycle).history.first()
    assert record.history_user == admin and "按区委通知延期" in record.history_change_reason
    # only what is given changes
    services.change_deadlines(
        admin, cycle, {"district_deadline": dt.date(2024, 1, 26)}, "再延期", expected_version=seen + 1
    )
    assert (fresh(cycle).self_deadline, fresh(cycle).district_deadline) == (
        dt.date(2023, 12, 22),
        dt.date(2024, 1, 26),
    )
    last = DecisionLog.objects.filter(action="deadlines_changed").order_by("pk").last()
    assert last is not None and last.comment == ("区级审核截止 2024-01-19 → 2024-01-26。原因：再延期")


@pytest.mark.parametrize("role", NOT_DISTRICT)
def test_nobody_but_the_district_changes_deadlines(cycle: Any, world: Any, role: str) -> None:
    before = db_state()
    with pytest.raises(PermissionDenied, match="只有区委组织部可以修改截止日期"):
        services.change_deadlines(
            world.users[role], cycle, NEW, "延期", expected_version=fresh(cycle).lock_version
        )
    assert db_state() == before


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"self_deadline": dt.date(2023, 11, 30)}, "self_deadline", "自评截止不能早于启动日期（2023-12-01）"),
        ({"street_deadline": dt.date(2023, 12, 14)}, "street_deadline", "街道初评截止不能早于自评截止"),
        (
            {"district_deadline": dt.date(2023, 12, 28)},
            "district_deadline",
            "区级审核截止不能早于街道初评截止",
        ),
        ({"self_deadline": dt.date(2101, 1, 1)}, "self_deadline", "年份应在 1900–2100 之间"),
        ({"notice_workdays": 0}, "notice_workdays", "公示期应为 1–60 个工作日"),
        ({"notice_workdays": 61}, "notice_workdays", "公示期应为 1–60 个工作日"),
    ],
)
def test_deadlines_out_of_order_are_refused_naming_the_field(
    cycle: Any, world: Any, changes: dict[str, Any], field: str, message: str
) -> None:
    before = db_state()
    with pytest.raises(ValidationError) as exc:
        services.change_deadlines(
            world.users["admin"], cycle, changes, "调整", expected_version=fresh(cycle).lock_version
        )
    assert exc.value.message_dict[field] == [message]
    assert db_state() == before


def test_deadlines_at_the_boundaries_are_accepted(cycle: Any, world: Any) -> None:
    day = cycle.opened_on  # all three on the opening day: self = street = district = opened_on
    same = {"self_deadline": day, "street_deadline": day, "district_deadline": day, "notice_workdays": 60}
    services.change_deadlines(world.users["admin"], cycle, same, "同日", expected_version=0)
    assert {k: getattr(fresh(cycle), k) for k in same} == same
    services.change_deadlines(world.users["admin"], cycle, {"notice_workdays": 1}, "最短", expected_version=1)
    assert fresh(cycle).notice_workdays == 1


def test_a_reason_and_a_change_are_needed(cycle: Any, world: Any) -> None:
    before = db_state()
    with pytest.raises(ValidationError, match="必须填写原因"):
        services.change_deadlines(world.users["admin"], cycle, NEW, "  ", expected_version=0)
    with pytest.raises(ValidationError, match="没有变化"):
        services.change_deadlines(
            world.users["admin"], cycle, {"self_deadline": cycle.self_deadline}, "无", expected_version=0
        )
    assert db_state() == before


def test_the_notice_length_is_fixed_once_the_notice_starts_and_nothing_after_naming(
    cycle: Any, world: Any
) -> None:
    admin = world.users["admin"]
    Assessment.objects.filter(cycle=cycle).update(state=Stage.DISTRICT_APPROVED, target_level=3)
    cycle = services.start_notice(admin, cycle, dt.date(2024, 1, 15))
    before = db_state()
    with pytest.raises(ValidationError, match="公示已经开始，公示期不能再修改"):
        services.change_deadlines(
            admin, cycle, {"notice_workdays": 7}, "延长公示", expected_version=cycle.lock_version
        )
    assert db_state() == before
    # the stage deadlines may still be corrected while the notice runs
    services.change_deadlines(
        admin, cycle, {"district_deadline": dt.date(2024, 1, 15)}, "更正", expected_version=cycle.lock_version
    )
    services.name_cycle(admin, cycle)
    cycle = fresh(cycle)
    before = db_state()
    with pytest.raises(ValidationError, match="已命名，截止日期不能再修改"):
        services.change_deadlines(
            admin,
            cycle,
            {"district_deadline": dt.date(2024, 1, 16)},
            "更正",
            expected_version=cycle.lock_version,
        )
    assert db_state() == before


def test_two_editors_the_second_is_told_what_the_first_changed(cycle: Any, world: Any) -> None:
    admin = world.users["admin"]
    seen = fresh(cycle).lock_version
    services.change_deadlines(
        admin, cycle, {"self_deadline": dt.date(2023, 12, 20)}, "延期", expected_version=seen
    )
    before = db_state()
    with pytest.raises(EditConflict) as exc:
        services.change_deadlines(
            admin, cycle, {"street_deadline": dt.date(2024, 1, 3)}, "也延期", expected_version=seen
        )
    text = exc.value.messages[0]
    assert text.startswith("已被他人修改：admin") and "自评截止：2023-12-15 → 2023-12-20" in text
    assert db_state() == before


def test_the_due_lists_follow_the_changed_deadlines(cycle: Any, world: Any) -> None:
    admin, secretary = world.users["admin"], world.users["secretary_a"]
    (due,) = queries.due_for(secretary)
    assert (due.deadline, due.overdue) == (dt.date(2023, 12, 15), True)
    later = today() + dt.timedelta(days=10)
    services.change_deadlines(
        admin,
        cycle,
        {"self_deadline": later, "street_deadline": later, "district_deadline": later},
        "延期",
        expected_version=0,
    )
    (due,) = queries.due_for(secretary)
    assert (due.deadline, due.overdue) == (later, False)
    home = login(world, "secretary_a").get("/").content.decode()
    assert f"截止 {later:%Y-%m-%d}" in home and "已逾期" not in home
    # today itself is not overdue; yesterday is
    services.change_deadlines(admin, cycle, {"self_deadline": today()}, "提前", expected_version=1)
    assert queries.due_for(secretary)[0].overdue is False
    services.change_deadlines(
        admin, cycle, {"self_deadline": today() - dt.timedelta(days=1)}, "提前", expected_version=2
    )
    assert queries.due_for(secretary)[0].overdue is True
    Assessment.objects.filter(cycle=cycle, org=world.village_a).update(state=Stage.SUBMITTED)
    (due,) = queries.due_for(world.users["street_a"])
    assert due.deadline == later  # the street's stage reads the street deadline


# --- deadlines: the page -------------------------------------------------------------------------------------


def test_the_cycle_page_changes_deadlines_for_the_district_only(cycle: Any, world: Any) -> None:
    url = f"/reviews/{cycle.pk}/"
    admin = login(world, "admin")
    page = admin.get(url).content.decode()
    assert "修改截止日期" in page and 'value="2023-12-15"' in page and 'name="lock_version" value="0"' in page
    for role in NOT_DISTRICT:
        assert "修改截止日期" not in login(world, role).get(url).content.decode()
    data = {
        "self_deadline": "2023-12-22",
        "street_deadline": "2024-01-05",
        "district_deadline": "2024-01-19",
        "notice_workdays": "5",
        "reason": "按区委通知延期",
        "lock_version": "0",
    }
    before = db_state()
    for role in NOT_DISTRICT:
        assert login(world, role).post(f"{url}deadlines/", data).status_code == 403
    assert db_state() == before
    response = admin.post(f"{url}deadlines/", data)
    assert response.status_code == 302 and response["Location"] == url
    page = admin.get(url).content.decode()
    assert "自评截止 2023-12-22" in page and "截止日期已修改" in page
    assert fresh(cycle).lock_version == 1


def test_the_page_shows_order_errors_a_missing_reason_and_a_conflict(cycle: Any, world: Any) -> None:
    url = f"/reviews/{cycle.pk}/deadlines/"
    admin = login(world, "admin")
    data = {
        "self_deadline": "2023-12-22",
        "street_deadline": "2023-12-20",
        "district_deadline": "2024-01-19",
        "notice_workdays": "5",
        "reason": "延期",
        "lock_version": "0",
    }
    before = db_state()
    page = admin.post(url, data)
    assert page.status_code == 200 and "街道初评截止不能早于自评截止" in page.content.decode()
    page = admin.post(url, {**data, "street_deadline": "2024-01-05", "reason": ""})
    assert "这个字段是必填项" in page.content.decode()
    page = admin.post(url, {**data, "street_deadline": "2024-01-05", "lock_version": ""})
    assert "页面已过期" in page.content.decode()
    assert db_state() == before
    # someone else saved first: the stale page is told who changed what, and nothing is written
    services.change_deadlines(
        world.users["admin"], cycle, {"self_deadline": dt.date(2023, 12, 18)}, "先改", expected_version=0
    )
    before = db_state()
    text = admin.post(url, {**data, "street_deadline": "2024-01-05"}).content.decode()
    assert "已被他人修改" in text and "自评截止：2023-12-15 → 2023-12-18" in text
    assert 'name="lock_version" value="1"' in text  # sending again saves deliberately
    assert db_state() == before


def test_a_named_cycle_offers_no_deadline_form(cycle: Any, world: Any) -> None:
    ReviewCycle.objects.filter(pk=cycle.pk).update(status="named")
    assert "修改截止日期" not in login(world, "admin").get(f"/reviews/{cycle.pk}/").content.decode()


# --- deadlines: the API --------------------------------------------------------------------------------------


def test_the_api_changes_deadlines_with_the_same_checks(cycle: Any, world: Any, bearer: Any) -> None:
    url = f"/api/v1/reviews/cycles/{cycle.pk}/deadlines"
    listing = bearer("admin").get("/api/v1/reviews?year=2023").json()
    assert (listing[0]["lock_version"], listing[0]["notice_workdays"]) == (0, 5)
    body = {
        "self_deadline": "2023-12-22",
        "street_deadline": "2024-01-05",
        "reason": "延期",
        "lock_version": 0,
    }
    before = db_state()
    for role in NOT_DISTRICT:
        refused = bearer(role).patch(url, body, content_type="application/json")
        assert refused.status_code == 403 and "只有区委组织部" in refused.json()["detail"]
    wrong = bearer("admin").patch(
        url, {**body, "street_deadline": "2023-12-21"}, content_type="application/json"
    )
    assert wrong.status_code == 400
    assert wrong.json()["errors"] == {"street_deadline": "街道初评截止不能早于自评截止"}
    unversioned = bearer("admin").patch(url, {"reason": "延期"}, content_type="application/json")
    assert unversioned.status_code == 422
    assert (
        bearer("admin")
        .patch("/api/v1/reviews/cycles/999999/deadlines", body, content_type="application/json")
        .status_code
        == 404
    )
    assert db_state() == before
    done = bearer("admin").patch(url, body, content_type="application/json")
    assert done.status_code == 200
    out = done.json()
    assert (out["self_deadline"], out["street_deadline"], out["district_deadline"]) == (
        "2023-12-22",
        "2024-01-05",
        "2024-01-12",
    )
    assert out["lock_version"] == 1 and out["counts"]["draft"] == 2
    stale = bearer("admin").patch(
        url, {**body, "self_deadline": "2023-12-21"}, content_type="application/json"
    )
    assert stale.status_code == 409 and "已被他人修改" in stale.json()["detail"]
    assert stale.json()["current"]["lock_version"] == 1
    assert stale.json()["current"]["self_deadline"] == "2023-12-22"


# --- star removal with evidence --------------------------------------------------------------------------------


@pytest.fixture
def named(cycle: Any, world: Any) -> NamedResult:
    admin = world.users["admin"]
    rule_services.save_scores(admin, world.village_a, 2023, {**ZBGY_FULL, **CYXW_FULL, **STJY_FULL})
    Assessment.objects.filter(cycle=cycle).update(state=Stage.DISTRICT_APPROVED, target_level=3)
    services.start_notice(admin, cycle, dt.date(2024, 1, 15))
    services.name_cycle(admin, cycle)
    result = NamedResult.objects.get(org=world.village_a, year=2023)
    assert "cyxw" in result.stars
    return result


def stored_files(top: str = "evidence/removals") -> set[str]:
    """Every file stored under `top` in the media storage (the tests' storage is in memory)."""
    if not default_storage.exists(top):
        return set()
    dirs, files = default_storage.listdir(top)
    found = {f"{top}/{name}" for name in files}
    for d in dirs:
        found |= stored_files(f"{top}/{d}")
    return found


def upload(content: bytes = PDF, name: str = "通报.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_a_removal_with_a_file_as_its_evidence(named: NamedResult, world: Any) -> None:
    earlier = stored_files()  # files of other tests in this worker's storage
    removal = services.remove_star(
        world.users["admin"], named, "cyxw", today(), "村干部涉刑事案件", evidence=upload(PNG, "现场.png")
    )
    assert removal.veto_event is None and removal.evidence_name == "现场.png"
    assert removal.evidence.name.startswith(f"evidence/removals/2023/{world.village_a.pk}/")
    assert stored_files() - earlier == {removal.evidence.name}
    with default_storage.open(removal.evidence.name) as stored:
        assert stored.read() == PNG
    assert "佐证材料：现场.png" in DecisionLog.objects.get(action="star_removed").comment


def test_a_removal_needs_a_file_or_a_recorded_veto(named: NamedResult, world: Any) -> None:
    admin = world.users["admin"]
    veto = rule_services.record_veto(
        admin, world.village_a, 2023, "pafz.petition", dt.date(2023, 11, 2), "越级上访"
    )
    rule_services.revoke_veto(admin, veto, "登记错误")
    veto.refresh_from_db()
    before, files = db_state(), stored_files()
    with pytest.raises(ValidationError, match="请上传佐证材料，或选择已登记的一票否决事项"):
        services.remove_star(admin, named, "cyxw", today(), "刑事案件")
    with pytest.raises(ValidationError, match="已撤销"):
        services.remove_star(admin, named, "cyxw", today(), "刑事案件", veto)
    assert db_state() == before and stored_files() == files


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"MZ\x90\x00 a program", "通报.pdf", "只接受 JPG/PNG 图片、PDF"),
        (b"<html><script>alert(1)</script>", "通报.jpg", "只接受 JPG/PNG 图片、PDF"),
        (OLE, "通报.doc", "另存为 .docx/.xlsx 或 PDF"),
    ],
)
def test_refused_file_types_leave_nothing_behind(
    named: NamedResult, world: Any, content: bytes, name: str, message: str
) -> None:
    before, files = db_state(), stored_files()
    with pytest.raises(ValidationError, match=message) as exc:
        services.remove_star(
            world.users["admin"], named, "cyxw", today(), "刑事案件", evidence=upload(content, name)
        )
    assert "evidence" in exc.value.message_dict
    assert db_state() == before and stored_files() == files


def test_an_oversized_file_and_any_refusal_leave_nothing_behind(
    named: NamedResult, world: Any, monkeypatch: Any
) -> None:
    admin = world.users["admin"]
    before, files = db_state(), stored_files()
    monkeypatch.setattr(settings, "WUXING_EVIDENCE_MAX_BYTES", 1024 * 1024)
    with pytest.raises(ValidationError, match="文件超过 1MB"):
        services.remove_star(
            admin, named, "cyxw", today(), "刑事案件", evidence=upload(PDF + bytes(1024 * 1024))
        )
    for role in NOT_DISTRICT:
        with pytest.raises(PermissionDenied):
            services.remove_star(world.users[role], named, "cyxw", today(), "刑事案件", evidence=upload())
    with pytest.raises(ValidationError, match="摘星日期"):
        services.remove_star(
            admin, named, "cyxw", today() + dt.timedelta(days=1), "刑事案件", evidence=upload()
        )
    # refused after the file was stored (a second removal of the same star at the same moment): removed again
    monkeypatch.setattr(services, "_log_removal", lambda *a: (_ for _ in ()).throw(ValidationError("并发")))
    with pytest.raises(ValidationError, match="并发"):
        services.remove_star(admin, named, "cyxw", today(), "刑事案件", evidence=upload())
    assert db_state() == before and stored_files() == files


def test_the_page_takes_the_file_and_links_it_where_the_removal_is_shown(
    named: NamedResult, world: Any
) -> None:
    url = f"/reviews/results/{named.pk}/remove-star/"
    prefix = f"r{named.pk}"
    data = {
        f"{prefix}-star_code": "cyxw",
        f"{prefix}-removed_on": f"{today():%Y-%m-%d}",
        f"{prefix}-reason": "村干部涉刑事案件",
    }
    admin = login(world, "admin")
    history = admin.get(f"/reviews/orgs/{world.village_a.pk}/").content.decode()
    assert 'enctype="multipart/form-data"' in history and "佐证材料与一票否决事项至少提供一项" in history
    before, files = db_state(), stored_files()
    admin.post(url, data)  # no evidence at all
    assert "摘星须有依据" in admin.get(f"/reviews/orgs/{world.village_a.pk}/").content.decode()
    admin.post(url, {**data, f"{prefix}-evidence": upload(b"plain text", "通报.pdf")})
    assert "此文件的内容不是这些格式" in admin.get(f"/reviews/orgs/{world.village_a.pk}/").content.decode()
    assert login(world, "street_a").post(url, {**data, f"{prefix}-evidence": upload()}).status_code == 403
    assert db_state() == before and stored_files() == files
    assert admin.post(url, {**data, f"{prefix}-evidence": upload()}).status_code == 302
    removal = StarRemoval.objects.get(result=named)
    link = f'<a href="/reviews/removals/{removal.pk}/evidence/">通报.pdf</a>'
    history = login(world, "secretary_a").get(f"/reviews/orgs/{world.village_a.pk}/").content.decode()
    assert f"已摘除（{today():%Y-%m-%d}）：村干部涉刑事案件；佐证材料：{link}" in history
    card = login(world, "secretary_a").get(f"/stars/orgs/{world.village_a.pk}/?year=2023").content.decode()
    assert link in card


def test_who_may_download_a_removal_evidence(named: NamedResult, world: Any) -> None:
    """Whoever sees the organisation: its secretary, its street, the district, the leaders, its unit;
    another street's staff gets 404 (a hidden object looks missing)."""
    removal = services.remove_star(
        world.users["admin"], named, "cyxw", today(), "刑事案件", evidence=upload()
    )
    url = f"/reviews/removals/{removal.pk}/evidence/"
    for role in ("admin", "leader", "street_a", "secretary_a", "unit"):
        response = login(world, role).get(url)
        assert response.status_code == 200, role
        assert response.getvalue() == PDF
        assert "attachment" in response["Content-Disposition"]
    assert login(world, "street_b").get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page
    assert login(world, "admin").post(url).status_code == 405
    # a removal resting on a veto alone has no file to download
    veto = rule_services.record_veto(
        world.users["admin"], world.village_a, 2023, "pafz.petition", dt.date(2023, 11, 2), "越级上访"
    )
    other_star = next(code for code in named.stars if code != "cyxw")
    other = services.remove_star(world.users["admin"], named, other_star, today(), "上访", veto)
    assert login(world, "admin").get(f"/reviews/removals/{other.pk}/evidence/").status_code == 404
