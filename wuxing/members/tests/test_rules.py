"""Every rule of a step at its boundary: the day before, the day, the day after (29 February included),
the branch meeting's arithmetic, the public notice on the official calendar (the Spring Festival and a
make-up Saturday of the real 2023–2025 schedules), 四请示三批复 and the order of the steps."""

from __future__ import annotations

import datetime as dt

import pytest

from wuxing.members import checks
from wuxing.members.limits import Params, add_months, birthday, defaults
from wuxing.members.tests.conftest import TODAY, calendar, check, file_with

D = dt.date


def days(*pairs: tuple[int, D]) -> dict[int, D]:
    return dict(pairs)


# --- dates and periods ----------------------------------------------------------------------------------


def test_month_arithmetic_clamps_to_the_month_end() -> None:
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2023, 1, 31), 1) == D(2023, 2, 28)
    assert add_months(D(2023, 11, 30), 3) == D(2024, 2, 29)
    assert add_months(D(2024, 2, 29), 12) == D(2025, 2, 28)


def test_period_end_is_the_day_before_the_same_day_or_the_month_end() -> None:
    assert checks.period_end(D(2023, 3, 1), 12) == D(2024, 2, 29)
    assert checks.period_end(D(2024, 2, 29), 12) == D(2025, 2, 28)
    assert checks.period_end(D(2023, 3, 15), 1) == D(2023, 4, 14)
    assert checks.period_end(D(2024, 1, 31), 1) == D(2024, 2, 29)


def test_a_29_february_birthday_is_reached_on_1_march_in_a_common_year() -> None:
    assert birthday(D(2004, 2, 29), 18) == D(2022, 3, 1)
    assert birthday(D(2006, 2, 29 - 1), 18) == D(2024, 2, 28)
    assert birthday(D(2008, 2, 29), 16) == D(2024, 2, 29)


# --- step 1: 18 years ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "day", "ok"),
    [
        (D(2006, 3, 15), D(2024, 3, 14), False),
        (D(2006, 3, 15), D(2024, 3, 15), True),
        (D(2006, 3, 15), D(2024, 3, 16), True),
        (D(2004, 2, 29), D(2022, 2, 28), False),
        (D(2004, 2, 29), D(2022, 3, 1), True),
        (D(2006, 2, 28), D(2024, 2, 27), False),
        (D(2006, 2, 28), D(2024, 2, 28), True),
    ],
)
def test_applicant_must_be_18(born: D, day: D, ok: bool) -> None:
    assert ("年满十八周岁" in check(file_with({}, born=born), 1, day)) is not ok


# --- step 2: the talk within a month -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("applied", "day", "ok"),
    [
        (D(2023, 3, 15), D(2023, 4, 13), True),
        (D(2023, 3, 15), D(2023, 4, 14), True),
        (D(2023, 3, 15), D(2023, 4, 15), False),
        (D(2024, 1, 31), D(2024, 2, 28), True),
        (D(2024, 1, 31), D(2024, 2, 29), True),
        (D(2024, 1, 31), D(2024, 3, 1), False),
    ],
)
def test_talk_within_one_month(applied: D, day: D, ok: bool) -> None:
    assert ("一个月内谈话" in check(file_with({1: applied}), 2, day)) is not ok


# --- step 3: six months after the application [open] ---------------------------------------------------------


@pytest.mark.parametrize(
    ("applied", "day", "ok"),
    [
        (D(2023, 8, 31), D(2024, 2, 28), False),
        (D(2023, 8, 31), D(2024, 2, 29), False),
        (D(2023, 8, 31), D(2024, 3, 1), True),
        (D(2023, 3, 10), D(2023, 9, 9), False),
        (D(2023, 3, 10), D(2023, 9, 10), True),
        (D(2023, 3, 10), D(2023, 9, 11), True),
    ],
)
def test_activist_after_six_months(applied: D, day: D, ok: bool) -> None:
    file = file_with({1: applied, 2: applied + dt.timedelta(days=5)})
    assert ("申请满半年" in check(file, 3, day)) is not ok


def test_the_open_six_months_is_a_parameter() -> None:
    file = file_with({1: D(2023, 3, 10), 2: D(2023, 3, 15)})
    params = Params({**defaults(), "applied_before_activist_months": 0})
    assert check(file, 3, D(2023, 3, 16), params=params) == []


# --- step 7: more than a year as an activist -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("activist", "day", "ok"),
    [
        (D(2023, 5, 10), D(2024, 5, 9), False),
        (D(2023, 5, 10), D(2024, 5, 10), True),
        (D(2023, 5, 10), D(2024, 5, 11), True),
        (D(2024, 2, 29), D(2025, 2, 27), False),
        (D(2024, 2, 29), D(2025, 2, 28), False),
        (D(2024, 2, 29), D(2025, 3, 1), True),
    ],
)
def test_development_target_after_a_year(activist: D, day: D, ok: bool) -> None:
    file = file_with({1: D(2022, 1, 4), 3: activist, 6: activist + dt.timedelta(days=180)})
    assert ("培养一年以上" in check(file, 7, day)) is not ok


# --- steps 9–12: sponsors, political review, training ---------------------------------------------------------------

UP_TO_8 = {1: D(2022, 1, 4), 3: D(2022, 8, 1), 7: D(2023, 9, 1)}


@pytest.mark.parametrize(
    ("sponsors", "full", "ok"),
    [
        (["甲"], True, False),
        (["甲", "乙"], True, True),
        (["甲", "乙", "丙"], True, False),
        (["甲", "甲"], True, False),
        (["甲", "乙"], False, False),
    ],
)
def test_two_sponsors_both_full_members(sponsors: list[str], full: bool, ok: bool) -> None:
    rules = check(file_with(UP_TO_8), 9, D(2023, 9, 10), {"sponsors": sponsors, "sponsors_full": full})
    assert ("两名入党介绍人" in rules) is not ok


def test_political_review_needs_a_written_conclusion() -> None:
    assert "政治审查" in check(file_with({**UP_TO_8, 9: D(2023, 9, 5)}), 10, D(2023, 9, 10), decision=" ")
    assert check(file_with({**UP_TO_8, 9: D(2023, 9, 5)}), 10, D(2023, 9, 10), decision="合格") == []
    without = file_with({**UP_TO_8, 11: D(2023, 10, 1)}, decisions={10: ""})
    assert "政治审查" in check(without, 12, D(2023, 10, 5))


@pytest.mark.parametrize(
    ("days_", "hours", "ok"),
    [(2, 23, False), (3, 0, True), (0, 24, True), (2, 24, True), (None, None, False)],
)
def test_training_three_days_or_24_hours(days_: int | None, hours: int | None, ok: bool) -> None:
    data = {k: v for k, v in (("training_days", days_), ("training_hours", hours)) if v is not None}
    rules = check(file_with({**UP_TO_8, 10: D(2023, 9, 20)}), 11, D(2023, 10, 1), data)
    assert ("集中培训" in rules) is not ok


# --- the branch meeting -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entitled", "present", "votes", "broken"),
    [
        (20, 10, 15, {"支部大会到会人数"}),
        (20, 11, 11, set()),
        (20, 15, 10, {"支部大会表决"}),
        (21, 10, 11, {"支部大会到会人数"}),
        (21, 11, 10, {"支部大会表决"}),
        (21, 11, 11, set()),
        (3, 2, 2, set()),
        (1, 1, 1, set()),
        (20, 21, 11, {"支部大会"}),
        (20, 12, 21, {"支部大会"}),
        (0, 0, 0, {"支部大会"}),
    ],
)
def test_quorum_and_majority_of_those_entitled(
    entitled: int, present: int, votes: int, broken: set[str]
) -> None:
    found = {
        v.rule
        for v in checks.meeting_problems({"entitled": entitled, "present": present, "votes_for": votes})
    }
    assert found == broken


def test_the_majority_counts_all_entitled_not_those_present() -> None:
    # 11 of 20 present, 10 for: a majority of those present, not of the 20 entitled
    found = checks.meeting_problems({"entitled": 20, "present": 11, "votes_for": 10})
    assert [v.rule for v in found] == ["支部大会表决"]
    assert "至少须 11 票" in found[0].message


# --- the public notice on the official calendar -------------------------------------------------------------------

BEFORE_MEETING = {1: D(2021, 1, 4), 3: D(2021, 8, 1), 7: D(2022, 9, 1), 13: D(2023, 1, 10)}
MEETING = {"entitled": 20, "present": 15, "votes_for": 14}


def notice_rules(start: D, end: D, meeting: D) -> list[str]:
    steps = {**BEFORE_MEETING, 14: min(start, meeting)}
    docs = {"n1": (start, end), "r2": (D(2023, 1, 1), None), "a1": (D(2023, 1, 5), None)}
    return [r for r in check(file_with(steps, docs), 15, meeting, MEETING) if r.startswith("公示")]


def test_the_package_calendar_of_the_spring_festival_2024() -> None:
    cal = calendar()
    assert cal.is_workday(D(2024, 2, 4))  # a make-up Sunday
    assert not cal.is_workday(D(2024, 2, 12))
    assert cal.is_workday(D(2024, 2, 18))  # a make-up Sunday
    assert cal.workdays_between(D(2024, 2, 7), D(2024, 2, 18)) == 4


@pytest.mark.parametrize(
    ("start", "end", "ok"),
    [
        # 2024 Spring Festival: 10–17 February off; 18 February (a Sunday) a working day
        (D(2024, 2, 7), D(2024, 2, 18), False),  # 7, 8, 9, 18: four working days over twelve calendar days
        (D(2024, 2, 7), D(2024, 2, 19), True),
        # 2025 Spring Festival: 28 January – 4 February off; 26 January (Sunday) and 8 February (Saturday) worked
        (D(2025, 1, 24), D(2025, 2, 5), False),  # 24, 26, 27, 5
        (D(2025, 1, 24), D(2025, 2, 6), True),
        (D(2025, 2, 5), D(2025, 2, 10), True),  # 5, 6, 7, Saturday 8, 10: the make-up Saturday counts
        (D(2025, 2, 5), D(2025, 2, 9), False),
        # 2023 Labour Day: 29 April – 3 May off, Saturday 6 May worked
        (D(2023, 5, 4), D(2023, 5, 8), False),
        (D(2023, 5, 4), D(2023, 5, 9), True),
        # an ordinary week
        (D(2023, 6, 5), D(2023, 6, 8), False),
        (D(2023, 6, 5), D(2023, 6, 9), True),
    ],
)
def test_notice_of_five_working_days(start: D, end: D, ok: bool) -> None:
    assert ("公示工作日" in notice_rules(start, end, end + dt.timedelta(days=3))) is not ok


@pytest.mark.parametrize(
    ("meeting", "ok"), [(D(2023, 6, 8), False), (D(2023, 6, 9), False), (D(2023, 6, 10), True)]
)
def test_the_meeting_comes_after_the_notice(meeting: D, ok: bool) -> None:
    assert ("公示" in notice_rules(D(2023, 6, 5), D(2023, 6, 9), meeting)) is not ok


def test_a_year_without_a_calendar_is_a_refusal_that_says_so() -> None:
    rules = checks.notice_problems(
        file_with({}, {"n1": (D(2031, 3, 3), D(2031, 3, 10))}), "n1", D(2031, 3, 20), defaults(), calendar()
    )
    assert rules and rules[0].rule == "公示工作日"
    assert "2031 年的官方节假日安排尚未录入" in rules[0].message


def test_without_a_notice_no_meeting() -> None:
    steps = {**BEFORE_MEETING, 14: D(2023, 1, 12)}
    docs = {"r2": (D(2023, 1, 1), None), "a1": (D(2023, 1, 5), None)}
    assert "公示" in check(file_with(steps, docs), 15, D(2023, 2, 1), MEETING)


# --- approvals: 3 months, at most 6 ---------------------------------------------------------------------------------

ADMITTED = {1: D(2021, 1, 4), 3: D(2021, 8, 1), 7: D(2022, 9, 1), 15: D(2023, 11, 30)}


@pytest.mark.parametrize(
    ("day", "special", "ok"),
    [
        (D(2024, 2, 28), "", True),
        (D(2024, 2, 29), "", True),
        (D(2024, 3, 1), "", False),
        (D(2024, 3, 1), "待外调材料", True),
        (D(2024, 5, 29), "待外调材料", True),  # six months from 30 November end on 29 May
        (D(2024, 5, 30), "待外调材料", False),
    ],
)
def test_approval_within_three_months(day: D, special: str, ok: bool) -> None:
    file = file_with({**ADMITTED, 16: D(2023, 12, 10)}, {"r3": (D(2023, 12, 1), None), "a2": (day, None)})
    data = {"special_reason": special} if special else {}
    assert ("审批时限" in check(file, 17, day, data)) is not ok


# --- 四请示三批复 ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("approval", "ok"),
    [(None, False), (D(2023, 1, 11), False), (D(2023, 1, 10), True), (D(2023, 1, 9), True)],
)
def test_the_pre_review_needs_its_approval_first(approval: D | None, ok: bool) -> None:
    docs = {"r2": (D(2023, 1, 2), None), **({"a1": (approval, None)} if approval else {})}
    file = file_with({1: D(2021, 1, 4), 3: D(2021, 8, 1), 7: D(2022, 9, 1), 12: D(2023, 1, 2)}, docs)
    assert ("四请示三批复" in check(file, 13, D(2023, 1, 10))) is not ok


def test_an_approval_answers_a_request_of_the_same_day_or_before() -> None:
    file = file_with({1: D(2021, 1, 4), 12: D(2023, 1, 2)}, {"r2": (D(2023, 1, 5), None)})
    assert checks.check_document(file, "a1", D(2023, 1, 4), None, TODAY)
    assert not checks.check_document(file, "a1", D(2023, 1, 5), None, TODAY)
    no_request = file_with({1: D(2021, 1, 4), 12: D(2023, 1, 2)})
    assert checks.check_document(no_request, "a1", D(2023, 1, 5), None, TODAY)


def test_a_request_comes_after_its_step() -> None:
    file = file_with({1: D(2021, 1, 4), 12: D(2023, 1, 2)})
    assert checks.check_document(file, "r2", D(2023, 1, 1), None, TODAY)
    assert not checks.check_document(file, "r2", D(2023, 1, 2), None, TODAY)
    assert checks.check_document(
        file_with({1: D(2021, 1, 4), 11: D(2023, 1, 2)}), "r2", D(2023, 1, 3), None, TODAY
    )


class _Book:
    def on(self, day: D) -> Params:
        return defaults()


@pytest.mark.parametrize(
    ("today", "overdue"), [(D(2024, 2, 28), False), (D(2024, 2, 29), False), (D(2024, 3, 1), True)]
)
def test_unanswered_requests_are_flagged_after_their_deadline(today: D, overdue: bool) -> None:
    file = file_with({1: D(2021, 1, 4), 12: D(2024, 1, 31)}, {"r2": (D(2024, 1, 31), None)})
    found = checks.overdue_requests(file, _Book(), today)
    assert bool(found) is overdue
    if overdue:
        assert found[0][1] == D(2024, 2, 29)
    answered = file_with(
        {1: D(2021, 1, 4), 12: D(2024, 1, 31)}, {"r2": (D(2024, 1, 31), None), "a1": (D(2024, 3, 5), None)}
    )
    assert checks.overdue_requests(answered, _Book(), D(2024, 6, 1)) == []


# --- probation and its extension ----------------------------------------------------------------------------------

PROBATION = {
    1: D(2021, 1, 4),
    3: D(2021, 8, 1),
    7: D(2022, 9, 1),
    15: D(2023, 3, 1),
    17: D(2023, 4, 1),
    22: D(2024, 2, 1),
}
FULL_NOTICE = {"n2": (D(2024, 2, 5), D(2024, 2, 9))}


@pytest.mark.parametrize(
    ("day", "ok"), [(D(2024, 2, 28), False), (D(2024, 2, 29), False), (D(2024, 3, 1), True)]
)
def test_full_membership_after_a_year_of_probation(day: D, ok: bool) -> None:
    assert ("预备期一年" in check(file_with(PROBATION, FULL_NOTICE), 23, day, MEETING)) is not ok


@pytest.mark.parametrize(
    ("day", "ok"), [(D(2025, 2, 27), False), (D(2025, 2, 28), False), (D(2025, 3, 1), True)]
)
def test_a_probation_from_29_february(day: D, ok: bool) -> None:
    steps = {**PROBATION, 15: D(2024, 2, 29), 17: D(2024, 3, 10), 22: D(2025, 1, 20)}
    file = file_with(steps, {"n2": (D(2025, 2, 10), D(2025, 2, 14))})
    assert ("预备期一年" in check(file, 23, day, MEETING)) is not ok


@pytest.mark.parametrize(("day", "ok"), [(D(2024, 8, 31), False), (D(2024, 9, 1), True)])
def test_an_extended_probation_ends_later(day: D, ok: bool) -> None:
    file = file_with(PROBATION, FULL_NOTICE, extension=(D(2024, 2, 20), 6))
    assert ("预备期一年" in check(file, 23, day, MEETING)) is not ok


@pytest.mark.parametrize(("months", "ok"), [(5, False), (6, True), (12, True), (13, False), (None, False)])
def test_an_extension_of_six_to_twelve_months(months: int | None, ok: bool) -> None:
    found = checks.check_extension(
        file_with({**PROBATION, 21: D(2023, 9, 1)}), D(2024, 2, 20), months, defaults(), TODAY
    )
    assert (found == []) is ok


@pytest.mark.parametrize(
    ("day", "ok"), [(D(2024, 2, 28), True), (D(2024, 2, 29), True), (D(2024, 3, 1), False)]
)
def test_an_extension_before_the_probation_ends(day: D, ok: bool) -> None:
    found = checks.check_extension(file_with({**PROBATION, 21: D(2023, 9, 1)}), day, 6, defaults(), TODAY)
    assert (found == []) is ok


def test_a_probation_is_extended_once_and_only_a_probation() -> None:
    once = file_with({**PROBATION, 21: D(2023, 9, 1)}, extension=(D(2024, 1, 5), 6))
    assert checks.check_extension(once, D(2024, 2, 1), 6, defaults(), TODAY)
    assert checks.check_extension(
        file_with({1: D(2021, 1, 4), 12: D(2023, 1, 1)}), D(2023, 2, 1), 6, defaults(), TODAY
    )


@pytest.mark.parametrize(("day", "ok"), [(D(2024, 6, 30), True), (D(2024, 7, 1), False)])
def test_full_membership_approval_within_three_months(day: D, ok: bool) -> None:
    steps = {**PROBATION, 23: D(2024, 3, 31)}
    file = file_with(steps, {"r4": (D(2024, 4, 2), None), "a3": (D(2024, 4, 20), None)})
    assert ("审批时限" in check(file, 24, day)) is not ok


# --- the order of the steps --------------------------------------------------------------------------------------------


def test_steps_in_order_only() -> None:
    file = file_with({1: D(2023, 1, 4), 2: D(2023, 1, 20)})
    assert "步骤顺序" in check(file, 4, D(2023, 9, 1))  # skipping 3
    assert "步骤顺序" in check(file, 2, D(2023, 2, 1))  # again
    assert "步骤顺序" in check(file, 1, D(2023, 2, 1))  # backwards
    assert "步骤顺序" in check(file, 3, D(2023, 1, 19))  # before the previous step's date
    assert check(file, 3, D(2023, 8, 1)) == []
    assert check(file_with({}), 2, D(2023, 1, 1)) == ["步骤顺序"]


def test_assessments_repeat() -> None:
    file = file_with({1: D(2023, 1, 4), 3: D(2023, 8, 1), 6: D(2024, 2, 1)})
    assert check(file, 6, D(2024, 8, 1)) == []
    assert "步骤顺序" in check(file, 5, D(2024, 8, 1))


@pytest.mark.parametrize(("day", "ok"), [(TODAY, True), (TODAY + dt.timedelta(days=1), False)])
def test_no_step_in_the_future(day: D, ok: bool) -> None:
    file = file_with({1: D(2026, 1, 4), 2: D(2026, 1, 20)})
    params = Params({**defaults(), "applied_before_activist_months": 0})
    assert ("日期" in check(file, 3, day, params=params)) is not ok


def test_each_message_names_the_rule_and_the_dates() -> None:
    found = checks.check_step(
        file_with({1: D(2024, 1, 31)}),
        2,
        D(2024, 3, 1),
        data={},
        decision="",
        params=defaults(),
        cal=calendar(),
        today=TODAY,
    )
    assert (
        str(found[0])
        == "【一个月内谈话】2024-01-31 收到申请，须在 1 个月内（2024-02-29 前）谈话，2024-03-01 已超期"
    )
