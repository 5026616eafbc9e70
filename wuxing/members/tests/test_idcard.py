"""Resident identity numbers (GB 11643): the checksum, the birth date and sex they carry, the mask."""

from __future__ import annotations

import datetime as dt

import pytest

from wuxing.members import idcard

# A published example number with an X check character, and one with a digit.
X_NUMBER = "11010519491231002X"
DIGIT_NUMBER = "440524188001010014"


def test_known_numbers_pass() -> None:
    assert idcard.problems(X_NUMBER) == []
    assert idcard.problems(DIGIT_NUMBER) == []
    assert idcard.problems(X_NUMBER.lower()) == []  # a lower-case x is read as X
    assert idcard.birth_date_of(X_NUMBER) == dt.date(1949, 12, 31)
    assert idcard.sex_of(X_NUMBER) == "F" and idcard.sex_of(DIGIT_NUMBER) == "M"


@pytest.mark.parametrize(
    ("number", "words"),
    [
        ("110105194912310021", "校验码"),
        ("11010519491231002", "18 位"),
        ("1101051949123100２X", "18 位"),  # a full-width digit
        ("11010519490231002" + idcard.check_char("11010519490231002"), "出生日期"),
        ("", "18 位"),
    ],
)
def test_wrong_numbers_are_refused(number: str, words: str) -> None:
    found = idcard.problems(number)
    assert found and words in found[0]


@pytest.mark.parametrize(
    ("born", "ok"),
    [(dt.date(2000, 2, 29), True), (dt.date(1949, 12, 30), False), (dt.date(1950, 12, 31), False)],
)
def test_the_birth_date_must_match(born: dt.date, ok: bool) -> None:
    number = idcard.make("130104", dt.date(2000, 2, 29), 7, "M")
    assert (idcard.problems(number, birth_date=born) == []) is ok


def test_29_february_only_in_a_leap_year() -> None:
    first17 = "130104" + "20010229" + "123"
    assert "出生日期" in idcard.problems(first17 + idcard.check_char(first17))[0]


@pytest.mark.parametrize(("sex", "ok"), [("M", False), ("F", True)])
def test_the_sex_must_match(sex: str, ok: bool) -> None:
    assert (idcard.problems(X_NUMBER, sex=sex) == []) is ok


def test_made_numbers_are_valid() -> None:
    for serial in range(30):
        for sex in "MF":
            number = idcard.make("130104", dt.date(1990, 1, 1) + dt.timedelta(days=serial * 97), serial, sex)
            assert idcard.problems(number, sex=sex) == []


def test_the_mask_hides_the_birth_date() -> None:
    assert idcard.mask_id(X_NUMBER) == "110105********002X"
    assert "19491231" not in idcard.mask_id(X_NUMBER)
    assert idcard.mask_id("") == ""
    assert idcard.mask_id("12345") == "*****"
