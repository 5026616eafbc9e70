"""The official holiday schedule of a year, for scripts that count working days themselves."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from wuxing.core.holidays import HOLIDAY, MAX_YEAR, MIN_YEAR
from wuxing.core.workdays import WorkCalendar, unavailable_message, workdays_per_month, year_days

router = Router()


class HolidayDayOut(Schema):
    date: dt.date = Field(..., description="日期")
    kind: Literal["holiday", "workday"] = Field(..., description="holiday 放假，workday 调休上班")
    name: str = Field(..., description="节日名称")


class HolidayYearOut(Schema):
    year: int = Field(..., description="年度")
    source: Literal["entered", "package"] = Field(
        ..., description="entered 区委组织部按通知录入；package 内置官方数据（chinese-calendar）"
    )
    basis: str = Field(..., description="录入依据（通知名称或文号；内置数据为空）")
    days: list[HolidayDayOut] = Field(..., description="放假日和调休上班日，按日期排序")
    workdays_per_month: list[int] = Field(..., description="1–12 月各月的工作日数")


class ErrorOut(Schema):
    detail: str


@router.get(
    "/{int:year}",
    response={200: HolidayYearOut, 404: ErrorOut},
    summary="一个年度的节假日安排",
    description="放假日、调休上班日和各月工作日数。未录入且内置数据没有的年度返回 404，说明需录入。",
)
def holiday_year(request: HttpRequest, year: int) -> Any:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise HttpError(404, f"年度应在 {MIN_YEAR}–{MAX_YEAR} 之间")
    cal = WorkCalendar()
    source, schedule, days = year_days(year, cal)
    if source is None:
        raise HttpError(404, unavailable_message(year))
    return {
        "year": year,
        "source": source,
        "basis": schedule.source if schedule else "",
        "days": [
            {"date": d, "kind": "holiday" if k == HOLIDAY else "workday", "name": n}
            for d, (k, n) in sorted(days.items())
        ],
        "workdays_per_month": workdays_per_month(year, cal),
    }
