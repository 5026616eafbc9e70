"""Dates and years from what people type or paste: bounded before they are built.

Every date the platform keeps lies between 1900 and 2100 (birth dates, terms of office, veto events,
campaign years); a year outside that range is a typing error, reported in Chinese rather than passed
on to ``datetime`` (which overflows for 99999999999-1-1) or to the database.

Pure Python, no Django.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

__all__ = ["YEAR_MAX", "YEAR_MIN", "DateError", "check_year", "parse_date", "year_message"]

YEAR_MIN = 1900
YEAR_MAX = 2100

# 2021-03-15, 2021/3/15, 2021.3.15, 2021年3月15日 (after NFKC, so full-width digits work too)
_DATE = re.compile(r"([0-9]+)-([0-9]+)-([0-9]+)")


def year_message() -> str:
    return f"年份应在 {YEAR_MIN}–{YEAR_MAX} 之间"


class DateError(ValueError):
    """Not a date, or a date outside YEAR_MIN–YEAR_MAX; the message is Chinese."""


def check_year(value: dt.date) -> dt.date:
    if not YEAR_MIN <= value.year <= YEAR_MAX:
        raise DateError(year_message())
    return value


def parse_date(raw: object) -> dt.date:
    """A date from a cell or typed text; raises DateError ("不是有效的日期" or the year range)."""
    if isinstance(raw, dt.datetime):
        return check_year(raw.date())
    if isinstance(raw, dt.date):
        return check_year(raw)
    text = "".join(unicodedata.normalize("NFKC", str(raw)).split())
    text = text.replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-")
    match = _DATE.fullmatch(text[:-1] if text.endswith("日") else text)
    if match is None:
        raise DateError("不是有效的日期")
    year_text, month_text, day_text = match.groups()
    if len(year_text) > 4 or not YEAR_MIN <= int(year_text) <= YEAR_MAX:  # never int() of 5,000 digits
        raise DateError(year_message())
    if len(month_text) > 2 or len(day_text) > 2:
        raise DateError("不是有效的日期")
    try:
        value = dt.date(int(year_text), int(month_text), int(day_text))
    except ValueError:
        raise DateError("不是有效的日期") from None
    return value
