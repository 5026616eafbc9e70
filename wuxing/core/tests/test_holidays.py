"""The official holiday schedule: entered by the district for the years the package lacks, never guessed.

The 2027 schedules below are test data shaped like a State Council notice, not the official 2027 one.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from wuxing.core import services
from wuxing.core.holidays import HOLIDAY, WORKDAY, parse_schedule
from wuxing.core.locking import EditConflict
from wuxing.core.models import HolidayYear
from wuxing.core.workdays import CalendarUnavailable, WorkCalendar, add_workdays, is_workday

D = dt.date
# Spring Festival on a Saturday: 8 days off from Saturday 6 February, make-up Sunday 14 February and
# Saturday 20 February (test data).
SCHEDULE_2027 = """
2027-01-01 元旦 放假
2027-02-06 至 2027-02-13 春节 放假
2027-02-14 春节 上班
2027年2月20日 春节 上班
2027-10-01 至 2027-10-07 国庆节 放假
"""


# --- the text -------------------------------------------------------------------------------------------


def test_a_notice_is_read_line_by_line() -> None:
    entries = parse_schedule(SCHEDULE_2027, 2027)
    assert [(e.first, e.last, e.name, e.kind) for e in entries] == [
        (D(2027, 1, 1), D(2027, 1, 1), "元旦", HOLIDAY),
        (D(2027, 2, 6), D(2027, 2, 13), "春节", HOLIDAY),
        (D(2027, 2, 14), D(2027, 2, 14), "春节", WORKDAY),
        (D(2027, 2, 20), D(2027, 2, 20), "春节", WORKDAY),
        (D(2027, 10, 1), D(2027, 10, 7), "国庆节", HOLIDAY),
    ]


@pytest.mark.parametrize(
    "line",
    [
        "２０２７－０５－０１ 劳动节 放假",
        "2027/5/1 劳动节 休",
        "2027.5.1 劳动节 放假",
        "2027年5月1日 劳动节 放假",
    ],
)
def test_dates_as_offices_write_them(line: str) -> None:
    (entry,) = parse_schedule(line, 2027)
    assert entry.first == D(2027, 5, 1) and entry.kind == HOLIDAY


@pytest.mark.parametrize(
    "text, message",
    [
        ("2027-01-01 元旦", "第1行：格式应为"),
        ("2027-02-30 春节 放假", "第1行：日期不存在"),
        ("2027-01-01 元旦 调休", "第1行：最后一项应为“放假”或“上班”"),
        ("2027-02-13 至 2027-02-06 春节 放假", "结束日期早于开始日期"),
        ("2027-02-01 至 2027-02-15 春节 放假", None),  # 15 days: the longest allowed
        ("2027-02-01 至 2027-02-16 春节 放假", "一段假期最多 15 天"),
        ("2027-02-15 春节 上班", "应为周六或周日"),  # a Monday
        ("2027-02-13 春节 上班", None),  # a Saturday
        ("2026-12-25 元旦 放假", None),  # 7 days before the year: a New Year's break may start there
        ("2026-12-24 元旦 放假", "日期应在 2027 年内"),
        ("2028-01-07 元旦 放假", None),
        ("2028-01-08 元旦 放假", "日期应在 2027 年内"),
        ("2027-01-01 元旦 放假\n\n2027-01-01 元旦 放假", "第3行：2027-01-01 已在第1行填写"),
    ],
)
def test_every_bad_line_is_named(text: str, message: str | None) -> None:
    if message is None:
        assert parse_schedule(text, 2027)
        return
    with pytest.raises(ValidationError) as caught:
        parse_schedule(text, 2027)
    assert any(message in m for m in caught.value.messages), caught.value.messages


def test_every_bad_line_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_schedule("2027-01-01 元旦\n2027-02-06 春节 放假\n2027-02-15 春节 上班", 2027)
    assert [m[:4] for m in caught.value.messages] == ["第1行：", "第3行："]


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "请至少填写一行"),
        ("2027-01-01 元旦 放假" + " " * 4000, "内容过长"),
        ("2027-01-01 元旦 放假\n" * 61, "行数过多"),
        ("2027-01-01 " + "元" * 200 + " 放假", "第1行：过长"),
    ],
)
def test_size_is_bounded_before_reading(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_schedule(text, 2027)
    assert message in caught.value.messages[0]


# --- working days -----------------------------------------------------------------------------------------


def enter_2027(world: object, text: str = SCHEDULE_2027) -> HolidayYear:
    admin = world.users["admin"]  # type: ignore[attr-defined]
    return services.save_holiday_year(admin, 2027, text, "测试通知", "录入")


@pytest.mark.django_db
def test_a_year_with_neither_source_is_refused_with_its_name() -> None:
    with pytest.raises(CalendarUnavailable) as caught:
        is_workday(D(2027, 3, 1))
    assert "2027 年的官方节假日安排尚未录入" in str(caught.value)
    with pytest.raises(CalendarUnavailable):
        add_workdays(D(2026, 12, 30), 3)  # runs from the package's last year into the missing one


@pytest.mark.django_db
@pytest.mark.parametrize(
    "day, working",
    [
        (D(2027, 2, 5), True),  # Friday before the break
        (D(2027, 2, 6), False),  # Saturday, first day off
        (D(2027, 2, 8), False),  # Monday inside the break
        (D(2027, 2, 13), False),  # last day off
        (D(2027, 2, 14), True),  # Sunday, make-up working day
        (D(2027, 2, 15), True),
        (D(2027, 2, 20), True),  # Saturday, make-up working day
        (D(2027, 2, 21), False),  # an ordinary Sunday
        (D(2027, 3, 1), True),  # an ordinary Monday
    ],
)
def test_an_entered_year_decides_its_days(world: object, day: dt.date, working: bool) -> None:
    enter_2027(world)
    assert is_workday(day) is working


@pytest.mark.django_db
@pytest.mark.parametrize(
    "start, count, expected",
    [
        (D(2027, 2, 5), 1, D(2027, 2, 14)),  # the whole break is skipped; the make-up Sunday counts
        (D(2027, 2, 4), 2, D(2027, 2, 14)),
        (D(2027, 2, 14), 5, D(2027, 2, 19)),
        (D(2027, 2, 14), 6, D(2027, 2, 20)),  # the make-up Saturday counts
        (D(2027, 2, 14), 7, D(2027, 2, 22)),  # Sunday 21 does not
        (D(2026, 12, 30), 3, D(2027, 1, 5)),  # 31 Dec (package), 1 Jan off, 4 and 5 Jan (entered)
    ],
)
def test_a_period_in_working_days_across_the_spring_festival(
    world: object, start: dt.date, count: int, expected: dt.date
) -> None:
    enter_2027(world)
    assert add_workdays(start, count) == expected


@pytest.mark.django_db
def test_an_entered_edge_date_wins_over_the_neighbouring_years_data(world: object) -> None:
    assert is_workday(D(2026, 12, 31)) is True  # the package's 2026: a Thursday at work
    enter_2027(world, "2026-12-31 至 2027-01-01 元旦 放假")
    assert is_workday(D(2026, 12, 31)) is False
    assert is_workday(D(2026, 12, 30)) is True


@pytest.mark.django_db
def test_an_entered_year_replaces_the_package(world: object) -> None:
    assert is_workday(D(2024, 10, 8)) is True
    services.save_holiday_year(world.users["admin"], 2024, "2024-10-08 测试 放假", "更正", "测试")  # type: ignore[attr-defined]
    calendar = WorkCalendar()
    assert calendar.source(2024) == "entered"
    assert calendar.is_workday(D(2024, 10, 8)) is False
    assert calendar.is_workday(D(2024, 10, 1)) is True  # the package's holiday no longer applies


# --- the service -----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["leader", "street_a", "secretary_a", "unit"])
def test_only_the_district_enters_a_schedule(world: object, role: str) -> None:
    with pytest.raises(PermissionDenied):
        services.save_holiday_year(world.users[role], 2027, SCHEDULE_2027, "通知", "录入")  # type: ignore[attr-defined]
    assert not HolidayYear.objects.exists()


@pytest.mark.django_db
def test_the_text_is_kept_canonical_and_every_version_in_the_history(world: object) -> None:
    schedule = enter_2027(world)
    assert schedule.entries.splitlines()[1] == "2027-02-06 至 2027-02-13 春节 放假"
    services.save_holiday_year(
        world.users["admin"],  # type: ignore[attr-defined]
        2027,
        SCHEDULE_2027 + "2027-05-01 劳动节 放假",
        "测试通知",
        "补录劳动节",
        expected_version=schedule.lock_version,
    )
    reasons = list(HolidayYear.history.filter(year=2027).values_list("history_change_reason", flat=True))
    assert reasons == ["补录劳动节", "录入"]


@pytest.mark.django_db
def test_a_stale_form_is_refused_and_changes_nothing(world: object) -> None:
    schedule = enter_2027(world)
    shown = schedule.lock_version  # what both editors were shown
    admin = world.users["admin"]  # type: ignore[attr-defined]
    services.save_holiday_year(admin, 2027, SCHEDULE_2027, "第一位", "改依据", expected_version=shown)
    with pytest.raises(EditConflict):
        services.save_holiday_year(
            admin, 2027, "2027-01-01 元旦 放假", "第二位", "改", expected_version=shown
        )
    assert HolidayYear.objects.get(year=2027).source == "第一位"


@pytest.mark.django_db
def test_a_date_is_entered_in_one_year_only(world: object) -> None:
    admin = world.users["admin"]  # type: ignore[attr-defined]
    services.save_holiday_year(admin, 2028, "2027-12-31 元旦 放假", "通知", "录入")
    with pytest.raises(ValidationError, match="2027-12-31 已在 2028 年的安排中填写"):
        services.save_holiday_year(admin, 2027, "2027-12-31 元旦 放假", "通知", "录入")
    assert not HolidayYear.objects.filter(year=2027).exists()


# --- the pages -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_district_enters_a_year_through_the_form(client_for: object) -> None:
    client = client_for("admin")  # type: ignore[operator]
    form = {"source": "测试通知", "entries": SCHEDULE_2027, "reason": "录入", "lock_version": ""}
    response = client.post("/holidays/2027/edit/", form)
    assert response.status_code == 302
    page = client.get("/holidays/2027/").content.decode()
    assert "数据来源：区委组织部录入" in page and "2月14日（周日）春节" in page
    assert "17 / 28" in page  # February 2027: 20 weekdays − 5 off (8–12 Feb) + 2 make-up days


@pytest.mark.django_db
def test_a_bad_line_is_shown_on_the_form_and_nothing_is_saved(client_for: object) -> None:
    client = client_for("admin")  # type: ignore[operator]
    form = {"source": "通知", "entries": "2027-01-01 元旦 放假\n2027-02-15 春节 上班", "lock_version": ""}
    response = client.post("/holidays/2027/edit/", form)
    assert response.status_code == 200
    assert "第2行：调休上班日 2027-02-15 是工作日" in response.content.decode()
    assert not HolidayYear.objects.exists()


@pytest.mark.django_db
def test_a_missing_year_says_so_and_the_package_years_show_their_days(client_for: object) -> None:
    client = client_for("street_a")  # type: ignore[operator]
    assert "2099 年的官方节假日安排尚未录入" in client.get("/holidays/2099/").content.decode()
    page = client.get("/holidays/2024/").content.decode()
    assert "内置官方数据" in page and "10月7日（周一）国庆节" in page
    assert client.get("/holidays/2027/edit/").status_code == 403
    assert client.get("/holidays/99999/").status_code == 404


@pytest.mark.django_db
def test_the_year_exports_to_excel(client_for: object) -> None:
    client = client_for("leader")  # type: ignore[operator]
    response = client.get("/holidays/2024/?format=xlsx")
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert rows[0] == ("日期", "星期", "类型", "节日")
    national = [r for r in rows[1:] if r[3] == "国庆节"]
    assert [(r[0].date(), r[2]) for r in national][:2] == [
        (D(2024, 9, 29), "调休上班"),
        (D(2024, 10, 1), "放假"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "today, notice",
    [
        (D(2026, 10, 31), None),  # before November: nothing to chase yet
        (D(2026, 11, 1), 2027),
        (D(2027, 1, 5), 2027),  # into the year: still missing
    ],
)
def test_the_district_is_told_when_next_years_schedule_is_missing(
    client_for: object, monkeypatch: pytest.MonkeyPatch, today: dt.date, notice: int | None
) -> None:
    monkeypatch.setattr("wuxing.core.workdays.today", lambda: today)
    page = client_for("admin").get("/holidays/").content.decode()  # type: ignore[operator]
    text = "年的官方节假日安排尚未录入：该年度的工作日"
    assert (f"{notice} {text}" in page) if notice else (text not in page)


@pytest.mark.django_db
def test_the_notice_goes_once_the_year_is_entered(
    client_for: object, world: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("wuxing.core.workdays.today", lambda: D(2026, 12, 1))
    enter_2027(world)
    assert "尚未录入：该年度的工作日" not in client_for("admin").get("/holidays/").content.decode()  # type: ignore[operator]
    assert "尚未录入：该年度的工作日" not in client_for("street_a").get("/holidays/").content.decode()  # type: ignore[operator]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw, goes_to", [("2027", "/holidays/2027/"), ("２０２７", None), ("1999", None), ("x", None)]
)
def test_the_year_picker(client_for: object, raw: str, goes_to: str | None) -> None:
    response = client_for("leader").get("/holidays/", {"year": raw})  # type: ignore[operator]
    if goes_to:
        assert response.status_code == 302 and response.url == goes_to
    else:
        assert (
            response.status_code == 200 and "年度应为 2000–2100 之间的四位数字" in response.content.decode()
        )


@pytest.mark.django_db
def test_the_api_gives_a_years_days_and_names_a_missing_year(client_for: object, world: object) -> None:
    client = client_for("secretary_a")  # type: ignore[operator]
    missing = client.get("/api/v1/holidays/2027")
    assert missing.status_code == 404 and "2027 年的官方节假日安排尚未录入" in missing.json()["detail"]
    enter_2027(world)
    body = client.get("/api/v1/holidays/2027").json()
    assert body["source"] == "entered" and body["basis"] == "测试通知"
    assert {"date": "2027-02-14", "kind": "workday", "name": "春节"} in body["days"]
    assert body["workdays_per_month"][1] == 17
    assert client.get("/api/v1/holidays/2024").json()["source"] == "package"


@pytest.mark.django_db
def test_the_command_enters_and_shows_a_year(world: object, tmp_path: object) -> None:
    from django.core.management import CommandError, call_command

    notice = tmp_path / "2027.txt"  # type: ignore[operator]
    notice.write_text(SCHEDULE_2027, encoding="utf-8")
    with pytest.raises(CommandError, match="2027 年的官方节假日安排尚未录入"):
        call_command("holidays", "2027", stdout=io.StringIO())
    with pytest.raises(CommandError, match="无权录入"):
        call_command("holidays", "2027", "--load", str(notice), "--source", "通知", "--user", "street_a")
    out = io.StringIO()
    call_command(
        "holidays", "2027", "--load", str(notice), "--source", "测试通知", "--reason", "录入", stdout=out
    )
    assert "已保存 2027 年节假日安排" in out.getvalue() and "2027-02-14  上班  春节" in out.getvalue()
    assert "2月 17" in out.getvalue()
    notice.write_text("2027-02-15 春节 上班", encoding="utf-8")
    with pytest.raises(CommandError, match="第1行：调休上班日 2027-02-15 是工作日"):
        call_command("holidays", "2027", "--load", str(notice), "--source", "测试通知")
    assert HolidayYear.objects.get(year=2027).lock_version == 0  # the refused load changed nothing
