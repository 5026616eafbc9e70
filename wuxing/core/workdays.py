"""Working days from China's official holiday calendar (the chinese-calendar package)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


class CalendarUnavailable(ValueError):
    """The official calendar has no data for this date (usually: the package is older than the year)."""


def today() -> dt.date:
    """Today's date in Asia/Shanghai, whatever the server's zone."""
    return dt.datetime.now(tz=SHANGHAI).date()


def is_workday(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as exc:
        raise CalendarUnavailable(
            f"官方节假日数据尚未覆盖 {day.year} 年（请升级 chinesecalendar 包）：{day.isoformat()}"
        ) from exc


def add_workdays(start: dt.date, count: int) -> dt.date:
    """The date `count` working days after `start` (start itself not counted)."""
    if count < 0:
        raise ValueError("count must be >= 0")
    day = start
    remaining = count
    while remaining:
        day += dt.timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return day
