"""The Beiguan demo's yearly reviews: 2023 already named (the demo ratings of 2023 become its official
record, as if the paper-based review of that year had been recorded, then published for 5 working days
from 2024-01-15 without objections), and 2024 open in its self-assessment stage on a 2024 rulebook copied
from 2023, so every role finds work to do. Idempotent.

The open cycle is opened on the day the demo is loaded, with deadlines counted from that day (the
defaults of services.DEFAULTS in official working days; calendar-day offsets when the official calendar
lacks a year they reach), so its "待我处理" is never overdue on the day of a demonstration. The named
2023 cycle keeps its fixed dates: it is history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from wuxing.core.management.base import system_user
from wuxing.core.workdays import WorkCalendar, today
from wuxing.reviews import services
from wuxing.reviews.models import ReviewCycle
from wuxing.rules import services as rule_services

NAMED_YEAR, OPEN_YEAR = 2023, 2024
KINDS = ("rural", "community")
# The named year's deadlines ([open] like the defaults; fixed: 2023 is history in the demo).
NAMED_DEADLINES = {
    "self_deadline": dt.date(2023, 12, 15),
    "street_deadline": dt.date(2023, 12, 29),
    "district_deadline": dt.date(2024, 1, 12),
}
NOTICE_DAY = dt.date(2024, 1, 15)  # 5 working days to 2024-01-19
NAMED_OPENED = dt.date(2023, 12, 1)
# When the official calendar lacks a year the working-day defaults reach (e.g. loaded in December, the
# next year not entered yet): roughly the same lengths in calendar days (15, 10 and 10 working days).
FALLBACK_DAYS = {"self_deadline": 21, "street_deadline": 35, "district_deadline": 49}
REASON = "北关区演示数据"


def open_deadlines(day: dt.date, cal: WorkCalendar | None = None) -> dict[str, Any]:
    """The open cycle's deadlines counted from `day`: the defaults in official working days, or the
    FALLBACK_DAYS in calendar days when the calendar cannot count them (never a failed demo load)."""
    try:
        values = services.default_deadlines(day, cal or WorkCalendar())
    except ValidationError:  # a year the calendar does not know (services.default_deadlines names it)
        return {key: day + dt.timedelta(days=n) for key, n in FALLBACK_DAYS.items()}
    return {key: values[key] for key in FALLBACK_DAYS}


def load_demo_reviews() -> str | None:
    if ReviewCycle.objects.exists():
        return None
    actor = system_user()
    if not all(rule_services.active_rulebook(NAMED_YEAR, kind) for kind in KINDS):
        return None
    named = 0
    opened = today()
    deadlines = open_deadlines(opened)
    with transaction.atomic():
        for kind in KINDS:
            cycle = services.open_cycle(
                actor, NAMED_YEAR, kind, opened_on=NAMED_OPENED, deadlines=NAMED_DEADLINES,
                comment=f"{REASON}：2023年度评星",
            )  # fmt: skip
            services.record_offline_review(actor, cycle, f"{REASON}：补录2023年度线下评审结果")
            services.start_notice(actor, cycle, NOTICE_DAY, f"{REASON}：2023年度公示")
            named += services.name_cycle(actor, cycle, f"{REASON}：2023年度命名")
        for kind in KINDS:
            source = rule_services.active_rulebook(NAMED_YEAR, kind)
            if rule_services.active_rulebook(OPEN_YEAR, kind) is None and source is not None:
                rule_services.clone_to_year(actor, source, OPEN_YEAR, f"{REASON}：沿用2023年细则")
            services.open_cycle(
                actor, OPEN_YEAR, kind, opened_on=opened, deadlines=deadlines,
                comment=f"{REASON}：2024年度评星（自评阶段）",
            )  # fmt: skip
    return (
        f"已生成年度评星演示：2023 年已命名（{named} 个组织的正式记录），2024 年处于自评阶段"
        f"（今天启动，自评截止 {deadlines['self_deadline']:%Y-%m-%d}）。"
    )
