"""The official holiday schedule of a year as the district enters it (国务院办公厅关于节假日安排的通知).

The `chinese-calendar` package carries the State Council's schedules up to the year it was released for
(2026 for the locked version). Each December the next year's notice is published before any package
release has it, so the district admin types the notice in, one line per holiday or make-up working day:

    2027-01-01 元旦 放假
    2027-02-06 至 2027-02-13 春节 放假
    2027-02-14 春节 上班

A date is `YYYY-MM-DD` (also `YYYY/M/D`, `YYYY.M.D`, `YYYY年M月D日`); a range is two dates joined by
`至`, `~` or `到`; the kind is 放假 (also 休) or 上班 (also 班, 调休上班, 补班). An entered year replaces
the package's data for that year; a year with neither is refused by `core.workdays` with a message naming
the year — a working day is never guessed.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError

HOLIDAY, WORKDAY = "holiday", "workday"
KIND_LABELS = {HOLIDAY: "放假", WORKDAY: "调休上班"}
_KIND_WORDS = {
    "放假": HOLIDAY,
    "休": HOLIDAY,
    "休息": HOLIDAY,
    "上班": WORKDAY,
    "班": WORKDAY,
    "调休上班": WORKDAY,
    "补班": WORKDAY,
}

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_TEXT = 4000  # characters: a notice has about ten lines
MAX_LINES = 60
MAX_LINE = 100
MAX_RANGE_DAYS = 15  # the longest official break is 8–9 days
# A year's notice may start its New Year's break in the last days of the year before (2018: from
# 2017-12-30) and never reaches further; dates outside the year by more than this are typing errors.
EDGE_DAYS = 7

_DATE = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_LINE = re.compile(rf"{_DATE}(?:\s*(?:至|~|到|—|－)\s*{_DATE})?\s+(\S{{1,12}})\s+(\S{{1,4}})")


@dataclass(frozen=True)
class Entry:
    """One line of a schedule: a day or a run of days, its holiday's name and whether it is off or on."""

    first: dt.date
    last: dt.date
    name: str
    kind: str

    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def line(self) -> str:
        span = self.first.isoformat()
        if self.last != self.first:
            span += f" 至 {self.last.isoformat()}"
        return f"{span} {self.name} {'放假' if self.kind == HOLIDAY else '上班'}"


def _date(year: str, month: str, day: str) -> dt.date | None:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_schedule(text: str, year: int) -> list[Entry]:
    """The entries of `text` for `year`, or ValidationError listing every bad line ("第N行：…")."""
    if len(text) > MAX_TEXT:
        raise ValidationError(f"内容过长：最多 {MAX_TEXT} 个字符")
    lines = [unicodedata.normalize("NFKC", raw).strip() for raw in text.replace("\r", "").split("\n")]
    numbered = [(n, line) for n, line in enumerate(lines, start=1) if line]
    if not numbered:
        raise ValidationError("请至少填写一行：日期、节日名称、放假或上班")
    if len(numbered) > MAX_LINES:
        raise ValidationError(f"行数过多：最多 {MAX_LINES} 行")
    low = dt.date(year, 1, 1) - dt.timedelta(days=EDGE_DAYS)
    high = dt.date(year, 12, 31) + dt.timedelta(days=EDGE_DAYS)
    errors: list[str] = []
    entries: list[Entry] = []
    seen: dict[dt.date, int] = {}
    for n, line in numbered:
        if len(line) > MAX_LINE:
            errors.append(f"第{n}行：过长（最多 {MAX_LINE} 个字符）")
            continue
        match = _LINE.fullmatch(line)
        if match is None:
            errors.append(f"第{n}行：格式应为“2027-02-06 至 2027-02-13 春节 放假”或“2027-02-14 春节 上班”")
            continue
        first = _date(*match.group(1, 2, 3))
        last = _date(*match.group(4, 5, 6)) if match.group(4) else first
        name, word = match.group(7), match.group(8)
        kind = _KIND_WORDS.get(word)
        if first is None or last is None:
            errors.append(f"第{n}行：日期不存在")
            continue
        if kind is None:
            errors.append(f"第{n}行：最后一项应为“放假”或“上班”，而不是“{word}”")
            continue
        if last < first:
            errors.append(f"第{n}行：结束日期早于开始日期")
            continue
        if (last - first).days + 1 > MAX_RANGE_DAYS:
            errors.append(f"第{n}行：一段假期最多 {MAX_RANGE_DAYS} 天")
            continue
        if first < low or last > high:
            errors.append(f"第{n}行：日期应在 {year} 年内（元旦假期可从上一年 12 月底开始）")
            continue
        entry = Entry(first, last, name, kind)
        bad = False
        for day in entry.days():
            if day in seen:
                errors.append(f"第{n}行：{day.isoformat()} 已在第{seen[day]}行填写")
                bad = True
                break
            if kind == WORKDAY and day.weekday() < 5:
                errors.append(f"第{n}行：调休上班日 {day.isoformat()} 是工作日（周一至周五），应为周六或周日")
                bad = True
                break
        if bad:
            continue
        for day in entry.days():
            seen[day] = n
        entries.append(entry)
    if errors:
        raise ValidationError(errors)
    entries.sort(key=lambda e: e.first)
    return entries


def canonical_text(entries: list[Entry]) -> str:
    return "\n".join(entry.line() for entry in entries)


def day_kinds(entries: list[Entry]) -> dict[dt.date, tuple[str, str]]:
    """date → (kind, holiday name) for every day the entries name."""
    return {day: (entry.kind, entry.name) for entry in entries for day in entry.days()}
