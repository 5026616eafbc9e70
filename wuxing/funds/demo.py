"""The Beiguan demo's funds: official levels of 2021 and 2022 (before the platform; invented, source
“演示”) for every organisation, shaped on its named 2023 level so that in 2023 and in 2024 some
organisations earn each reward — five stars three years running (正科级), four or better (副科级, one of
them 5, 4, 5), three stars (branch reward and allowance uplift), creation subsidies — and some narrowly
miss (a three in 2022, a star removed in 2022, a secretary on the street leadership where the registry
has one, approved spending of a three-star organisation). 2024 is under review in the demo (self-assessment, no values): its stars are
the estimate 预估（未命名） from the named 2023 record (docs/decisions.md §76), shown but never approved.
The 2023 and 2024 parameters are saved with invented salary standards and base allowance (the seed has
none; the change reason says 演示). Idempotent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

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


def _claim(actor: object, org: Any, year: int, amount: str, text: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = SimpleUploadedFile("演示票据.pdf", b"%PDF-1.4 demo receipt", content_type="application/pdf")
    return services.submit_claim(actor, org, year, Decimal(amount), f"{text}（演示）", pdf)


def _approved(actor: object, org: Any, year: int, amount: str, text: str) -> Any:
    claim = _claim(actor, org, year, amount, text)
    services.claim_transition(actor, claim, "verify", REASON)
    return services.claim_transition(actor, claim, "approve", REASON)


def _claims(actor: object, eligible: list[int], too_low: list[int]) -> None:
    """Creation spending (演示) of 2023 and 2024: subsidised for four stars or more, noted for a three;
    one 2024 claim returned by the street and corrected (its versions), and the 2023 ledger approved,
    then a 2023 claim reopened by the district and the ledger approved again (version 2 shows the
    subsidy line that changed)."""
    from wuxing.orgs.models import OrgUnit

    orgs = {o.pk: o for o in OrgUnit.objects.filter(pk__in=[*eligible, *too_low])}
    picked = [orgs[pk] for pk in [*eligible, *too_low] if pk in orgs]
    amounts = ["86500.00", "42380.50", "15999.99", "20000.00"]
    first = None
    for org, amount in zip(picked, amounts, strict=False):
        claim = _approved(actor, org, 2023, amount, "党群服务阵地改造")
        first = first or claim
    for org, amount in zip([*picked[:2], *picked[-1:]], ["31250.00", "18888.88", "9000.00"], strict=False):
        _approved(actor, org, 2024, amount, "党员活动室设备购置")
    if picked:
        claim = _claim(actor, picked[0], 2024, "12600.00", "宣传栏制作")
        services.claim_transition(actor, claim, "return", "票据金额与申报金额不符，请更正（演示）")
        services.resubmit_claim(
            actor, claim, Decimal("12060.00"), "宣传栏制作（演示）", None, "按票据更正金额"
        )
    services.approve_ledger(actor, 2023, f"{REASON}：2023年度发放台账审定", expected_version=0)
    if first is not None:
        services.claim_transition(actor, first, "reopen", "票据与另一笔重复报销，撤回批准待核（演示）")
        services.approve_ledger(
            actor, 2023, f"{REASON}：撤回一笔重复报销的创建经费后重新审定", expected_version=1
        )


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
    narrow_miss = set(fours[:1])  # 4, 3, 4: misses by one year in 2023, and 3, 4, 4 in 2024
    removed = set(fours[1:2])  # 4, 4 (a star removed in 2022), 4: broken in 2023 and 2024
    mixed = set(fives[:1])  # 5, 4, 5: four or better → 副科级 (2024: 4, 5, 5)
    for org_id, level in named:
        levels = {2021: level, 2022: level}
        if org_id in narrow_miss:
            levels[2022] = 3
        if org_id in mixed:
            levels[2022] = 4
        if level <= 3:  # plausible history below the rewards: one star less in 2021
            levels[2021] = max(level - 1, 0)
        for year, value in levels.items():
            secretary = secretaries.get(org_id, "")
            rows.append(
                HistoricLevel(
                    org_id=org_id, year=year, level=value, source=HistoricLevel.Source.DEMO,
                    star_removed=(org_id in removed and year == 2022), secretary=secretary,
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
        "2023、2024 年度参数（工资标准和基本补贴为演示金额），2023、2024 年的创建经费申报，"
        "2023 年度发放台账第 1、2 版；2024 年评星未命名，款项为预估（未命名）。"
    )
