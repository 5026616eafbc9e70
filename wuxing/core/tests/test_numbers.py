"""Bounded numbers and dates (wuxing.core.numbers, wuxing.core.dates): form and size are checked before
anything is converted, so hostile input is refused quickly with a Chinese message."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest

from wuxing.core.dates import DateError, parse_date
from wuxing.core.numbers import NumberError, parse_decimal, parse_whole

D = Decimal
HUGE_INT = pytest.param(10**5000, id="int-of-5001-digits")  # str() of it would itself fail


def short(value: object) -> str:
    """Test ids: the type and the first characters (a 5,000-digit id is unreadable)."""
    return f"{type(value).__name__}-{str(value)[:12]}"


def refused(raw: object, **bounds: int) -> NumberError:
    with pytest.raises(NumberError) as caught:
        parse_decimal(raw, **bounds)  # type: ignore[arg-type]
    return caught.value


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0", D(0)),
        ("12", D(12)),
        ("-12.5", D("-12.5")),
        ("+3", D(3)),
        (".5", D("0.5")),
        ("5.", D(5)),
        ("１２，３４５．５", D("12345.5")),  # full-width digits, comma and point
        ("1,234,567", D(1234567)),
        (" 1 234 ", D(1234)),
        ("999999999999.9999", D("999999999999.9999")),  # 12 + 4 digits: the most a score holds
        ("000000000000000000001", D(1)),  # leading zeros do not count
        ("1.50000000", D("1.5")),  # nor do trailing ones
        (7, D(7)),
        (0.1, D("0.1")),
        (85.5, D("85.5")),
        (D("1E+3"), D(1000)),
    ],
)
def test_plain_numbers_are_read_exactly(raw, expected):
    assert parse_decimal(raw, int_digits=12, places=4) == expected


def test_exponent_notation_is_refused_with_its_own_message():
    for raw in ["1e5", "1E5", "2.5e-3", "1e1000000", "-1e300000", "１ｅ５"]:
        error = refused(raw, int_digits=12, places=4)
        assert (error.kind, str(error)) == ("exponent", "请填写普通数字，不要用科学计数法"), raw


@pytest.mark.parametrize(
    "raw",
    ["1000000000000", "-1000000000000", "9" * 100, "9" * 5000, 10**12, HUGE_INT, 1e12, 1e300, D("1E+12")],
    ids=short,
)
def test_more_integer_digits_than_the_field_holds_is_too_big(raw):
    error = refused(raw, int_digits=12, places=4)
    assert (error.kind, str(error)) == ("too_big", "数字过大：最多 12 位整数")


@pytest.mark.parametrize("raw", ["1.00001", "0.12345", D("1E-5"), 1e-300, 0.30000000000000004])
def test_more_decimals_than_the_field_holds_is_refused_not_rounded(raw):
    error = refused(raw, int_digits=12, places=4)
    assert (error.kind, str(error)) == ("places", "最多保留 4 位小数")


@pytest.mark.parametrize(
    "raw",
    ["", "abc", "NaN", "Infinity", "-", ".", "1.2.3", "1-2", "٣", "١٢", "0x10", True, float("nan"), D("NaN")],
)
def test_anything_else_is_not_a_plain_number(raw):
    assert refused(raw, int_digits=12, places=4).kind == "form"


@pytest.mark.parametrize(
    "raw",
    [
        "1e1000000",
        "9" * 5000,
        "9" * 100,
        HUGE_INT,
        D("1E+1000000"),
        1e300,
        "-" + "9" * 5000,
        "1." + "1" * 5000,
    ],
    ids=short,
)
def test_hostile_input_is_refused_in_under_50_ms(raw):
    start = time.perf_counter()
    with pytest.raises(NumberError):
        parse_decimal(raw, int_digits=12, places=4)
    with pytest.raises(NumberError):
        parse_whole(raw, max_value=9999)
    assert time.perf_counter() - start < 0.05


@pytest.mark.parametrize(
    ("raw", "expected"), [("0", 0), ("9999", 9999), ("３", 3), ("3.0", 3), (5.0, 5), (D(7), 7)]
)
def test_whole_numbers_within_range(raw, expected):
    value = parse_whole(raw, max_value=9999)
    assert value == expected and type(value) is int


@pytest.mark.parametrize("raw", ["-1", "1.5", "9998.5", "三", 2.5, True, "1,2.5"])
def test_whole_numbers_say_their_range(raw):
    with pytest.raises(NumberError, match=r"^应为 0–9999 之间的整数$"):
        parse_whole(raw, max_value=9999)


def test_whole_number_boundaries():
    assert parse_whole("99999", max_value=99999) == 99999
    with pytest.raises(NumberError, match=r"^数字过大：最多 5 位整数$"):
        parse_whole("100000", max_value=99999)
    # a bound that is not all nines: 21 has no more digits than 20 but is out of range
    assert parse_whole("20", max_value=20) == 20
    with pytest.raises(NumberError, match=r"^应为 0–20 之间的整数$"):
        parse_whole("21", max_value=20)
    assert parse_whole("-5", max_value=5, min_value=-5) == -5
    with pytest.raises(NumberError, match=r"^应为 -5–5 之间的整数$"):
        parse_whole("-6", max_value=5, min_value=-5)


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2021-03-15", dt.date(2021, 3, 15)),
        ("2021/3/5", dt.date(2021, 3, 5)),
        ("2021.3.5", dt.date(2021, 3, 5)),
        ("2021年3月15日", dt.date(2021, 3, 15)),
        ("２０２１－０３－１５", dt.date(2021, 3, 15)),
        ("1900-01-01", dt.date(1900, 1, 1)),
        ("2100-12-31", dt.date(2100, 12, 31)),
        (dt.datetime(2021, 3, 15, 8, 30), dt.date(2021, 3, 15)),  # noqa: DTZ001  (cells are naive)
        (dt.date(1900, 1, 1), dt.date(1900, 1, 1)),
    ],
)
def test_dates_within_1900_to_2100(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "1899-12-31",
        "2101-01-01",
        "99999999999-1-1",
        "99999-01-01",
        "9" * 5000 + "-1-1",
        "0001-01-01",
        dt.date(1899, 12, 31),
        dt.datetime(2101, 1, 1),  # noqa: DTZ001  (cells are naive)
    ],
    ids=short,
)
def test_years_outside_1900_to_2100_are_a_chinese_error(raw):
    start = time.perf_counter()
    with pytest.raises(DateError, match="年份应在 1900–2100 之间"):
        parse_date(raw)
    assert time.perf_counter() - start < 0.05


@pytest.mark.parametrize(
    "raw", ["2023-02-30", "2023-13-01", "2023-1-001", "明天", "", "٢٠٢٣-٠١-٠١", "2023-01"]
)
def test_impossible_dates_are_a_chinese_error(raw):
    with pytest.raises(DateError, match="不是有效的日期"):
        parse_date(raw)
