"""wuxing holidays: show a year's official holiday schedule, or enter it from a text file.

    wuxing holidays 2027                                   # the year's days, its source, working days per month
    wuxing holidays 2027 --load notice.txt --source "国办发明电〔2026〕X号" --reason "按通知录入" [--user admin]

The file has one line per holiday or make-up working day, as on the 节假日安排 page
(wuxing/core/holidays.py); every bad line is reported and nothing is saved.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError, CommandParser

from wuxing.core import services
from wuxing.core.holidays import HOLIDAY, MAX_TEXT, MAX_YEAR, MIN_YEAR
from wuxing.core.management.base import WuxingCommand
from wuxing.core.models import HolidayYear
from wuxing.core.workdays import WorkCalendar, unavailable_message, workdays_per_month, year_days


class Command(WuxingCommand):
    help = "查看某年度的官方节假日安排，或从文本文件录入（每行：日期、节日名称、放假或上班）"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("year", type=int, help="年度")
        parser.add_argument("--load", metavar="FILE", help="从该文本文件（UTF-8）录入该年度的安排")
        parser.add_argument("--source", default="", help="依据：通知名称或文号（录入时必填）")
        parser.add_argument("--reason", default="", help="录入或修改原因")

    def handle(self, *args: Any, **options: Any) -> None:
        year: int = options["year"]
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise CommandError(f"年度应在 {MIN_YEAR}–{MAX_YEAR} 之间")
        if options["load"]:
            self.load(year, Path(options["load"]), options)
        self.show(year)

    def load(self, year: int, path: Path, options: dict[str, Any]) -> None:
        if not options["source"].strip():
            raise CommandError("请用 --source 写明依据（通知名称或文号）")
        try:
            if path.stat().st_size > MAX_TEXT * 4:
                raise CommandError(f"文件过大：最多 {MAX_TEXT} 个字符")
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取文件 {path}：请使用 UTF-8 编码的文本文件") from exc
        current = HolidayYear.objects.filter(year=year).first()
        try:
            services.save_holiday_year(
                self.acting_user(options),
                year,
                text,
                options["source"],
                options["reason"],
                expected_version=current.lock_version if current else None,
            )
        except PermissionDenied as exc:
            raise CommandError("该账号无权录入节假日安排（仅区委组织部）") from exc
        except ValidationError as exc:
            raise CommandError("未保存：\n" + "\n".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"已保存 {year} 年节假日安排。"))

    def show(self, year: int) -> None:
        cal = WorkCalendar()
        source, schedule, days = year_days(year, cal)
        if source is None:
            raise CommandError(unavailable_message(year))
        if schedule is not None:
            self.stdout.write(f"{year} 年：区委组织部录入（依据：{schedule.source}）")
        else:
            self.stdout.write(f"{year} 年：内置官方数据（chinese-calendar）")
        for day, (kind, name) in sorted(days.items()):
            self.stdout.write(f"  {day.isoformat()}  {'放假' if kind == HOLIDAY else '上班'}  {name}")
        counts = workdays_per_month(year, cal)
        self.stdout.write("各月工作日：" + "  ".join(f"{m}月 {n}" for m, n in enumerate(counts, start=1)))
