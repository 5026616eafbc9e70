"""The Beiguan demo's funds: official levels of 2021 and 2022 (before the platform; invented, source
“演示”) for every organisation, shaped on its named 2023 level so that in 2023 some organisations earn each
reward — five stars three years running (正科级), four or better (副科级, one of them 5, 4, 5), three stars
(branch reward and allowance uplift) — and some narrowly miss (a three in 2021, a star removed in 2022).
The 2023 and 2024 parameters are saved with invented salary standards and base allowance (the seed has
none; the change reason says 演示). Idempotent."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from wuxing.core.management.base import system_user
from wuxing.funds import services
from wuxing.funds.models import FundParameters, HistoricLevel

REASON = "北关区演示数据（演示金额，非官方标准）"
DEMO_AMOUNTS = {
    "zhengke_salary": Decimal("96000.00"),
    "fuke_salary": Decimal("84000.00"),
    "base_allowance": Decimal("24000.00"),
}


def _claims(actor: object, eligible: list[int], too_low: list[int]) -> None:
    """Approved 2023 creation spending (演示): subsidised for four stars or more, noted for a three."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from wuxing.orgs.models import OrgUnit

    amounts = [Decimal("86500.00"), Decimal("42380.50"), Decimal("15999.99"), Decimal("20000.00")]
    for org, amount in zip(OrgUnit.objects.filter(pk__in=[*eligible, *too_low]), amounts, strict=False):
        pdf = SimpleUploadedFile("演示票据.pdf", b"%PDF-1.4 demo receipt", content_type="application/pdf")
        claim = services.submit_claim(actor, org, 2023, amount, "党群服务阵地改造（演示）", pdf)
        services.claim_transition(actor, claim, "verify", REASON)
        services.claim_transition(actor, claim, "approve", REASON)


def load_demo_funds() -> str | None:
    from wuxing.orgs.models import Post, PostRole
    from wuxing.reviews.models import NamedResult

    if HistoricLevel.objects.exists() or FundParameters.objects.exists():
        return None
    named = list(NamedResult.objects.filter(year=2023).order_by("org__code").values_list("org_id", "level"))
    if not named:
        return None
    secretaries = dict(
        Post.objects.filter(role=PostRole.SECRETARY, end_date__isnull=True).values_list(
            "org_id", "person__name"
        )
    )
    rows: list[HistoricLevel] = []
    fours = [org_id for org_id, level in named if level == 4]
    fives = [org_id for org_id, level in named if level == 5]
    narrow_miss = set(fours[:1])  # 3, 4, 4: misses by one year
    removed = set(fours[1:2])  # 4, 4 (a star removed in 2022), 4
    mixed = set(fives[:1])  # 5, 4, 5: four or better → 副科级
    for org_id, level in named:
        levels = {2021: level, 2022: level}
        if org_id in narrow_miss:
            levels[2021] = 3
        if org_id in mixed:
            levels[2022] = 4
        if level <= 3:  # plausible history below the rewards: one star less in 2021
            levels[2021] = max(level - 1, 0)
        for year, value in levels.items():
            rows.append(
                HistoricLevel(
                    org_id=org_id, year=year, level=value, source=HistoricLevel.Source.DEMO,
                    star_removed=(org_id in removed and year == 2022), secretary=secretaries.get(org_id, ""),
                )
            )  # fmt: skip
    actor = system_user()
    with transaction.atomic():
        from simple_history.utils import bulk_create_with_history

        bulk_create_with_history(rows, HistoricLevel, default_change_reason=REASON)
        for year in (2023, 2024):
            services.save_parameters(actor, year, dict(DEMO_AMOUNTS), REASON)
        _claims(actor, [*fives[:1], *fours[2:4]], [o for o, level in named if level == 3][:1])
    return (
        f"已生成投入保障演示：{len(named)} 个组织 2021、2022 年的星级（演示），"
        "2023、2024 年度参数（工资标准和基本补贴为演示金额）。"
    )
