"""Core helpers at their boundaries: text normalisation, money rounding, the official working-day calendar."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest

from wuxing.core.money import MoneyError, to_yuan, wan_to_yuan
from wuxing.core.text import normalize_number, normalize_text
from wuxing.core.workdays import CalendarUnavailable, add_workdays, is_workday

D = dt.date

# --- text ---


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("１２３", "123"),
        ("ＡＢＣｘｙｚ", "ABCxyz"),
        ("ＺＢ００１", "ZB001"),
        ("\u3000西漳涧村\u3000", "西漳涧村"),  # ideographic space at both ends
        ("后万金村\u00a0党支部", "后万金村 党支部"),  # non-breaking space inside
        ("柏庄镇\t\t后万金村", "柏庄镇 后万金村"),  # tabs
        ("  a \u3000\u00a0\t b\r\n", "a b"),  # a run of mixed white space becomes one space
        ("彰北街道", "彰北街道"),  # Chinese characters untouched
        ("西漳涧村（新）：一组、二组", "西漳涧村（新）：一组、二组"),  # Chinese punctuation kept as typed
        ("ＢＺ－００１", "BZ-001"),
        ("\u3000 \t\u00a0", ""),
        ("", ""),
        (None, ""),
        (123, "123"),
    ],
)
def test_normalize_text(raw: object, clean: str) -> None:
    assert normalize_text(raw) == clean


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("１２，３４５\u3000", "12345"),
        (" 1 234 ", "1234"),
        ("１３８ ０００ ０００ ０１", "13800000001"),
        (None, ""),
    ],
)
def test_normalize_number(raw: object, clean: str) -> None:
    assert normalize_number(raw) == clean


# --- money ---


@pytest.mark.parametrize(
    "raw, yuan",
    [
        ("0.005", "0.01"),  # the half fen rounds up
        ("0.00499", "0.00"),
        ("0.004", "0.00"),
        ("1.015", "1.02"),  # as float this would be 1.01499… and round down
        ("2.675", "2.68"),
        ("-0.005", "-0.01"),  # half up = away from zero
        ("50000", "50000.00"),
        (" 1,234.5 ", "1234.50"),
        (7, "7.00"),
        (Decimal("0.125"), "0.13"),
    ],
)
def test_to_yuan_rounds_half_up_to_the_fen(raw: object, yuan: str) -> None:
    result = to_yuan(raw)
    assert isinstance(result, Decimal)
    assert str(result) == yuan


@pytest.mark.parametrize("raw", [0.1, 1.0, 0.005])
def test_to_yuan_refuses_float(raw: float) -> None:
    with pytest.raises(MoneyError, match="浮点数"):
        to_yuan(raw)


@pytest.mark.parametrize("raw", ["", "abc", "1.2.3", "NaN", "Infinity", "-inf", None])
def test_to_yuan_refuses_non_amounts(raw: object) -> None:
    with pytest.raises(MoneyError, match="不是有效的金额"):
        to_yuan(raw)


@pytest.mark.parametrize(
    "raw",
    ["1e300000", "9" * 5000, "1" + "0" * 12, Decimal("1e999999"), 10**4000],
    ids=["exponent", "5000 digits", "13 digits", "huge Decimal", "huge int"],
)
def test_to_yuan_bounds_the_text_before_converting(raw: object) -> None:
    start = time.perf_counter()
    with pytest.raises(MoneyError) as caught:
        to_yuan(raw)
    assert time.perf_counter() - start < 0.05
    assert len(str(caught.value)) < 40  # the message never echoes the value


def test_to_yuan_largest_amount_is_accepted_and_one_more_digit_refused() -> None:
    assert to_yuan("999999999999.994") == Decimal("999999999999.99")
    with pytest.raises(MoneyError, match="最多 12 位整数"):
        to_yuan("1000000000000")
    with pytest.raises(MoneyError, match="最多 12 位整数"):
        wan_to_yuan("100000000")  # 1e8 万元 = 1e12 元


def test_money_error_is_a_value_error() -> None:
    assert issubclass(MoneyError, ValueError)


@pytest.mark.parametrize(
    "raw, yuan",
    [
        ("5", "50000.00"),
        ("3.7", "37000.00"),
        ("9.6", "96000.00"),
        (12, "120000.00"),
        ("0.0000005", "0.01"),
        ("0.0000004", "0.00"),
    ],
)
def test_wan_to_yuan(raw: object, yuan: str) -> None:
    assert str(wan_to_yuan(raw)) == yuan


@pytest.mark.parametrize("raw", [0.5, "abc", ""])
def test_wan_to_yuan_refuses_float_and_non_amounts(raw: object) -> None:
    with pytest.raises(MoneyError):
        wan_to_yuan(raw)


# --- working days (official 2024 National Day schedule: Oct 1–7 off; Sun Sep 29 and Sat Oct 12 worked) ---


@pytest.mark.django_db  # entered schedules are read from the database
@pytest.mark.parametrize(
    "day, working",
    [
        (D(2024, 9, 27), True),  # Friday
        (D(2024, 9, 28), False),  # Saturday
        (D(2024, 9, 29), True),  # Sunday, make-up working day
        (D(2024, 9, 30), True),  # Monday
        *[(D(2024, 10, d), False) for d in range(1, 8)],  # National Day holiday, Tue 1 … Mon 7
        (D(2024, 10, 8), True),
        (D(2024, 10, 11), True),
        (D(2024, 10, 12), True),  # Saturday, make-up working day
        (D(2024, 10, 13), False),  # Sunday
        (D(2024, 10, 14), True),
    ],
)
def test_is_workday_2024_national_day(day: dt.date, working: bool) -> None:
    assert is_workday(day) is working


@pytest.mark.django_db  # entered schedules are read from the database
@pytest.mark.parametrize(
    "start, count, expected",
    [
        (D(2024, 9, 27), 0, D(2024, 9, 27)),  # zero working days: the start itself
        (D(2024, 9, 27), 1, D(2024, 9, 29)),  # Saturday skipped, the make-up Sunday counts
        (D(2024, 9, 28), 1, D(2024, 9, 29)),
        (D(2024, 9, 29), 1, D(2024, 9, 30)),
        (D(2024, 9, 30), 1, D(2024, 10, 8)),  # the whole holiday is skipped
        (D(2024, 10, 1), 1, D(2024, 10, 8)),  # starting inside the holiday
        (D(2024, 10, 8), 3, D(2024, 10, 11)),  # 9, 10, 11
        (D(2024, 10, 8), 4, D(2024, 10, 12)),  # the make-up Saturday counts
        (D(2024, 10, 8), 5, D(2024, 10, 14)),  # Sunday 13 does not
        (D(2024, 9, 26), 10, D(2024, 10, 15)),  # 27, 29, 30, 8, 9, 10, 11, 12, 14, 15
    ],
)
def test_add_workdays_across_national_day_2024(start: dt.date, count: int, expected: dt.date) -> None:
    assert add_workdays(start, count) == expected


def test_add_workdays_refuses_negative_count() -> None:
    with pytest.raises(ValueError):
        add_workdays(D(2024, 10, 8), -1)


BEYOND = D(2099, 6, 1)  # far beyond any published calendar


@pytest.mark.django_db  # entered schedules are read from the database
def test_calendar_unavailable_beyond_the_package_data() -> None:
    with pytest.raises(CalendarUnavailable) as info:
        is_workday(BEYOND)
    assert "2099" in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.django_db  # entered schedules are read from the database
def test_add_workdays_running_into_an_unknown_year_raises() -> None:
    with pytest.raises(CalendarUnavailable):
        add_workdays(D(2098, 12, 30), 5)


@pytest.mark.django_db  # entered schedules are read from the database
def test_calendar_unavailable_before_the_package_data() -> None:
    with pytest.raises(CalendarUnavailable):
        is_workday(D(1999, 10, 1))
