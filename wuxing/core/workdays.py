"""Working days from China's official holiday calendar.

Two sources, in this order:
1. a year's schedule entered by the district (`core.HolidayYear`, see wuxing/core/holidays.py) — it
   replaces everything else for that year, and its dates at the edge of the year (a New Year's break
   that starts on 30 December) win over the neighbouring year's data;
2. the `chinese-calendar` package's data (through 2026 for the locked version).
A year with neither raises `CalendarUnavailable`, whose message names the year and says where to enter
it: a working day is never guessed.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
from chinese_calendar import constants as package_data

from wuxing.core.holidays import HOLIDAY, WORKDAY, day_kinds, parse_schedule

SHANGHAI = ZoneInfo("Asia/Shanghai")

PACKAGE_FIRST_YEAR = min(package_data.holidays).year
PACKAGE_LAST_YEAR = max(package_data.holidays).year


class CalendarUnavailable(ValueError):
    """Neither an entered schedule nor the package covers this date's year."""


def unavailable_message(year: int) -> str:
    return (
        f"{year} 年的官方节假日安排尚未录入，无法计算工作日：请区委组织部在“节假日安排”中"
        f"按国务院办公厅通知录入 {year} 年的放假和调休上班日期"
    )


def today() -> dt.date:
    """Today's date in Asia/Shanghai, whatever the server's zone."""
    return dt.datetime.now(tz=SHANGHAI).date()


def package_covers(year: int) -> bool:
    return PACKAGE_FIRST_YEAR <= year <= PACKAGE_LAST_YEAR


# The package names holidays in English.
_PACKAGE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def package_days(year: int) -> dict[dt.date, tuple[str, str]]:
    """The package's holidays and make-up working days of `year`, like `day_kinds`."""
    days: dict[dt.date, tuple[str, str]] = {}
    for day, holiday in package_data.holidays.items():
        if day.year == year:
            days[day] = (HOLIDAY, _PACKAGE_NAMES.get(holiday, "节假日"))
    for day, holiday in package_data.workdays.items():
        if day.year == year:
            days[day] = (WORKDAY, _PACKAGE_NAMES.get(holiday, "节假日"))
    return dict(sorted(days.items()))


class WorkCalendar:
    """Working days for many dates with one database query: the entered schedules are read once."""

    def __init__(self) -> None:
        self._entered_years: set[int] | None = None
        self.overrides: dict[dt.date, bool] = {}

    @property
    def entered_years(self) -> set[int]:
        if self._entered_years is None:  # read on first use
            from wuxing.core.models import HolidayYear

            self._entered_years = set()
            for schedule in HolidayYear.objects.only("year", "entries"):
                self._entered_years.add(schedule.year)
                for day, (kind, _name) in day_kinds(parse_schedule(schedule.entries, schedule.year)).items():
                    self.overrides[day] = kind == WORKDAY
        return self._entered_years

    def covers(self, year: int) -> bool:
        return year in self.entered_years or package_covers(year)

    def source(self, year: int) -> str | None:
        """'entered', 'package' or None (no data: working days of that year cannot be computed)."""
        if year in self.entered_years:
            return "entered"
        return "package" if package_covers(year) else None

    def is_workday(self, day: dt.date) -> bool:
        entered = self.entered_years
        if day in self.overrides:
            return self.overrides[day]
        if day.year in entered:
            return day.weekday() < 5
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError as exc:
            raise CalendarUnavailable(unavailable_message(day.year)) from exc

    def add_workdays(self, start: dt.date, count: int) -> dt.date:
        """The date `count` working days after `start` (start itself not counted)."""
        if count < 0:
            raise ValueError("count must be >= 0")
        day = start
        remaining = count
        while remaining:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                remaining -= 1
        return day

    def workdays_between(self, first: dt.date, last: dt.date) -> int:
        """Working days from `first` to `last`, both included."""
        return sum(1 for i in range((last - first).days + 1) if self.is_workday(first + dt.timedelta(days=i)))


def is_workday(day: dt.date) -> bool:
    return WorkCalendar().is_workday(day)


def add_workdays(start: dt.date, count: int) -> dt.date:
    """The date `count` working days after `start` (start itself not counted)."""
    return WorkCalendar().add_workdays(start, count)


def year_days(year: int, cal: WorkCalendar) -> tuple[str | None, Any, dict[dt.date, tuple[str, str]]]:
    """A year's source ('entered', 'package' or None), its entered `HolidayYear` (or None) and its
    holidays and make-up working days (date → (kind, name)) — what the page, the API and the command show."""
    from wuxing.core.models import HolidayYear

    source = cal.source(year)
    if source == "entered":
        schedule = HolidayYear.objects.get(year=year)
        return source, schedule, day_kinds(parse_schedule(schedule.entries, year))
    if source == "package":
        return source, None, package_days(year)
    return None, None, {}


def workdays_per_month(year: int, cal: WorkCalendar) -> list[int]:
    """Working days in each month of `year`, January first."""
    return [
        cal.workdays_between(dt.date(year, m, 1), dt.date(year, m, calendar.monthrange(year, m)[1]))
        for m in range(1, 13)
    ]
