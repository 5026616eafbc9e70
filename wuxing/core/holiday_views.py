"""节假日安排: each year's official holidays and make-up working days, read by everyone, entered by the
district when the chinese-calendar package does not have the year (wuxing/core/holidays.py)."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from wuxing.core import services
from wuxing.core.excel import Column, Sheet, workbook_response
from wuxing.core.forms import VersionedFormMixin, show_conflict
from wuxing.core.history import history_entries
from wuxing.core.holidays import HOLIDAY, KIND_LABELS, MAX_TEXT, MAX_YEAR, MIN_YEAR, parse_schedule
from wuxing.core.locking import EditConflict
from wuxing.core.models import HolidayYear
from wuxing.core.views import plain_int
from wuxing.core.workdays import (
    PACKAGE_FIRST_YEAR,
    PACKAGE_LAST_YEAR,
    WorkCalendar,
    today,
    unavailable_message,
    workdays_per_month,
    year_days,
)

WEEKDAYS = "一二三四五六日"
EXAMPLE = "2027-01-01 元旦 放假\n2027-02-06 至 2027-02-13 春节 放假\n2027-02-14 春节 上班"


class HolidayYearForm(VersionedFormMixin, forms.ModelForm):
    reason = forms.CharField(label=_("修改原因"), max_length=200, required=False)

    class Meta:
        model = HolidayYear
        fields = ["source", "entries"]
        widgets = {
            "entries": forms.Textarea(attrs={"rows": 14, "placeholder": EXAMPLE, "maxlength": MAX_TEXT})
        }
        help_texts = {
            "entries": _(
                "每行一项：日期（或“起 至 止”）、节日名称、放假或上班。调休上班日须为周六或周日。"
                "元旦假期可从上一年 12 月底开始。"
            )
        }

    def __init__(self, *args: Any, year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.year = year
        self.fields["entries"].max_length = MAX_TEXT  # type: ignore[attr-defined]

    def clean_entries(self) -> str:
        text: str = self.cleaned_data["entries"]
        parse_schedule(text, self.year)  # every bad line, "第N行：…"
        return text


def _year_or_404(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404
    return year


def _day(day: dt.date, name: str) -> dict[str, Any]:
    return {"date": day, "weekday": "周" + WEEKDAYS[day.weekday()], "name": name}


def _months(year: int, cal: WorkCalendar, days: dict[dt.date, tuple[str, str]]) -> list[dict[str, Any]]:
    months = []
    for month, workdays in enumerate(workdays_per_month(year, cal), start=1):
        months.append(
            {
                "month": month,
                "days": calendar.monthrange(year, month)[1],
                "workdays": workdays,
                "off": [
                    _day(d, name) for d, (kind, name) in days.items() if d.month == month and kind == HOLIDAY
                ],
                "on": [
                    _day(d, name) for d, (kind, name) in days.items() if d.month == month and kind != HOLIDAY
                ],
            }
        )
    return months


@require_safe
def holiday_list(request: HttpRequest) -> HttpResponse:
    wanted = request.GET.get("year")
    if wanted is not None:  # the year picker
        year = plain_int(wanted, min_value=MIN_YEAR, max_value=MAX_YEAR)
        if year is not None:
            return redirect("core:holiday_year", year=year)
        messages.error(
            request, _("年度应为 %(min)s–%(max)s 之间的四位数字。") % {"min": MIN_YEAR, "max": MAX_YEAR}
        )
    cal = WorkCalendar()
    this_year = today().year
    years = sorted({*range(this_year - 1, this_year + 2), *cal.entered_years})
    rows = [{"year": y, "source": cal.source(y)} for y in years]
    entered = {h.year: h for h in HolidayYear.objects.all()}
    for row in rows:
        row["schedule"] = entered.get(row["year"])
    return render(
        request,
        "core/holidays.html",
        {
            "rows": rows,
            "package_first": PACKAGE_FIRST_YEAR,
            "package_last": PACKAGE_LAST_YEAR,
            "can_edit": request.user.has_perm("core.manage_holidays"),
            "min_year": MIN_YEAR,
            "max_year": MAX_YEAR,
        },
    )


@require_safe
def holiday_year(request: HttpRequest, year: int) -> HttpResponseBase:
    _year_or_404(year)
    cal = WorkCalendar()
    source, schedule, days = year_days(year, cal)
    if request.GET.get("format") == "xlsx" and source is not None:
        columns = [
            Column("date", "日期", width=14),
            Column("weekday", "星期", width=8),
            Column("kind", "类型", width=12),
            Column("name", "节日", width=16),
        ]
        rows = ([d, "周" + WEEKDAYS[d.weekday()], KIND_LABELS[k], n] for d, (k, n) in days.items())
        return workbook_response([Sheet(f"{year}年节假日安排", columns, rows)], f"{year}年节假日安排.xlsx")
    return render(
        request,
        "core/holiday_year.html",
        {
            "year": year,
            "source": source,
            "schedule": schedule,
            "months": _months(year, cal, days) if source else [],
            "missing": None if source else unavailable_message(year),
            "can_edit": request.user.has_perm("core.manage_holidays"),
            "history": history_entries(schedule) if schedule else [],
        },
    )


@require_http_methods(["GET", "POST"])
def holiday_edit(request: HttpRequest, year: int) -> HttpResponse:
    _year_or_404(year)
    if not request.user.has_perm("core.manage_holidays"):
        raise PermissionDenied
    schedule = HolidayYear.objects.filter(year=year).first()
    form = HolidayYearForm(request.POST or None, instance=schedule, year=year)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_holiday_year(
                request.user,
                year,
                form.cleaned_data["entries"],
                form.cleaned_data["source"],
                form.cleaned_data["reason"],
                expected_version=form.expected_version(),
            )
        except EditConflict as exc:
            show_conflict(form, exc)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("%(year)s 年节假日安排已保存。") % {"year": year})
            return redirect("core:holiday_year", year=year)
    return render(
        request,
        "core/holiday_edit.html",
        {
            "form": form,
            "year": year,
            "schedule": schedule,
            "package": PACKAGE_FIRST_YEAR <= year <= PACKAGE_LAST_YEAR,
        },
    )


@require_POST
def holiday_delete(request: HttpRequest, year: int) -> HttpResponse:
    _year_or_404(year)
    if not request.user.has_perm("core.manage_holidays"):
        raise PermissionDenied
    reason = request.POST.get("reason", "").strip()[:200]
    if not reason:
        messages.error(request, _("请填写删除原因。"))
        return redirect("core:holiday_year", year=year)
    services.delete_holiday_year(request.user, year, reason)
    messages.success(request, _("已删除 %(year)s 年录入的安排。") % {"year": year})
    return redirect("core:holiday_year", year=year)
