"""The Beiguan demo's yearly reviews: 2023 already named (the demo ratings of 2023 become its official
record, as if the paper-based review of that year had been recorded, then published for 5 working days
from 2024-01-15 without objections), and 2024 open in its
self-assessment stage on a 2024 rulebook copied from 2023, so every role finds work to do. Idempotent."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from wuxing.core.management.base import system_user
from wuxing.reviews import services
from wuxing.reviews.models import ReviewCycle
from wuxing.rules import services as rule_services

NAMED_YEAR, OPEN_YEAR = 2023, 2024
KINDS = ("rural", "community")
# The demo's deadlines ([open] like the defaults; fixed dates so the demo loads the same on any day).
DEADLINES = {
    NAMED_YEAR: {
        "self_deadline": dt.date(2023, 12, 15),
        "street_deadline": dt.date(2023, 12, 29),
        "district_deadline": dt.date(2024, 1, 12),
    },
    OPEN_YEAR: {
        "self_deadline": dt.date(2024, 12, 20),
        "street_deadline": dt.date(2025, 1, 10),
        "district_deadline": dt.date(2025, 1, 24),
    },
}
NOTICE_DAY = dt.date(2024, 1, 15)  # 5 working days to 2024-01-19
OPENED = {NAMED_YEAR: dt.date(2023, 12, 1), OPEN_YEAR: dt.date(2024, 12, 2)}
REASON = "北关区演示数据"


def load_demo_reviews() -> str | None:
    if ReviewCycle.objects.exists():
        return None
    actor = system_user()
    if not all(rule_services.active_rulebook(NAMED_YEAR, kind) for kind in KINDS):
        return None
    named = 0
    with transaction.atomic():
        for kind in KINDS:
            cycle = services.open_cycle(
                actor, NAMED_YEAR, kind, opened_on=OPENED[NAMED_YEAR], deadlines=DEADLINES[NAMED_YEAR],
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
                actor, OPEN_YEAR, kind, opened_on=OPENED[OPEN_YEAR], deadlines=DEADLINES[OPEN_YEAR],
                comment=f"{REASON}：2024年度评星（自评阶段）",
            )  # fmt: skip
    return f"已生成年度评星演示：2023 年已命名（{named} 个组织的正式记录），2024 年处于自评阶段。"
