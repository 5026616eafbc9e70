"""The Beiguan demo's 动态竞争 (all scores invented, flagged 演示): the 2023 monthly evaluation of the
branches at three stars or more in 2022, twelve months of plausible scores on the default checklist; two
observation events — 解放路街道's own tour of its communities on 21 February and the district's second-
quarter 季观摩 (seven observers, one of them far off, so the robust mean shows); one organisation last in
October and November (a last-place warning for its street, no proposal); the five reserve candidates of
beiguan.md with their responsible cadres; one weak branch in rectification. Idempotent."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

from wuxing.competition import services
from wuxing.competition.models import MonthlyScore, ObservationEvent, ReserveCandidate
from wuxing.core.management.base import system_user
from wuxing.orgs.models import Level, OrgUnit

YEAR = 2023
REASON = "北关区演示数据（演示评分）"
RESERVE = {  # beiguan.md: the reserve of five-star candidates; the cadres are invented (演示)
    "西漳涧村": "王卫东（演示）",
    "西苏度村": "李春生（演示）",
    "北花村": "张海燕（演示）",
    "盘庚中社区": "刘立新（演示）",
    "光辉路社区": "陈晓峰（演示）",
}
OBSERVERS_JFL = ["街道党工委书记（演示）", "组织委员（演示）", "党建办主任（演示）", "社区书记甲（演示）",
                 "社区书记乙（演示）"]  # fmt: skip
OBSERVERS_DISTRICT = [f"观摩组成员{i}（演示）" for i in range(1, 8)]


def _item_scores(rng: random.Random, items: list[dict[str, object]], share: float) -> dict[str, str]:
    out = {}
    for item in items:
        full = Decimal(str(item["points"]))
        value = full * Decimal(str(min(1.0, max(0.3, rng.gauss(share, 0.03)))))
        out[str(item["code"])] = str(value.quantize(Decimal("0.5")))
    return out


def load_demo_competition() -> str | None:
    from wuxing.competition.queries import eligible

    if MonthlyScore.objects.filter(year=YEAR).exists() or ObservationEvent.objects.exists():
        return None
    actor = system_user()
    taking_part = eligible(actor, YEAR)
    if len(taking_part) < 3:
        return None
    rng = random.Random(2023)
    with transaction.atomic():
        checklist = services.ensure_checklist(actor, YEAR)
        base = {
            info.pk: 0.72 + 0.05 * (level - 3) + rng.uniform(-0.05, 0.08) for info, level, _s in taking_part
        }
        laggard = min(base, key=lambda pk: base[pk])
        others = sorted(pk for pk in base if pk != laggard)
        # each month one other organisation is clearly last, never the same two months running; the
        # laggard is last in October and November only (a warning for its street, no proposal)
        floors = {m: others[(m * 7) % len(others)] for m in range(1, 13) if m not in (10, 11)}
        rows = []
        for month in range(1, 13):
            for info, _level, _source in taking_part:
                share = max(0.62, base[info.pk] + 0.01 * month / 3)
                if info.pk == laggard:
                    share = 0.40 if month in (10, 11) else 0.80
                elif floors.get(month) == info.pk:
                    share = 0.45
                items = _item_scores(rng, checklist.items, share)
                total = sum((Decimal(v) for v in items.values()), Decimal(0))
                rows.append(MonthlyScore(org_id=info.pk, year=YEAR, month=month, checklist=checklist,
                                         items=items, total=total, scored_by="街道考评组（演示）"))  # fmt: skip
        from simple_history.utils import bulk_create_with_history

        bulk_create_with_history(rows, MonthlyScore, default_change_reason=REASON)
        events = _events(actor, rng, [info.pk for info, _l, _s in taking_part])
        reserve = _reserve(actor)
        _weak(actor)
        cases = services.apply_policy(actor, YEAR)
    return (
        f"已生成动态竞争演示：{len(taking_part)} 个组织 2023 年 12 个月的月考评（演示），{events} 次观摩，"
        f"{reserve} 个储备对象，{len(cases)} 条末位预警。"
    )


def _events(actor: object, rng: random.Random, taking_part: list[int]) -> int:
    made = 0
    jfl = OrgUnit.objects.filter(level=Level.STREET, name="解放路街道").first()
    if jfl is not None:
        stops = list(OrgUnit.objects.filter(level=Level.BRANCH, path__startswith=jfl.path).order_by("code"))
        if stops:
            event = services.create_event(
                actor, title="解放路街道创建成果现场观摩（演示）", held_on=dt.date(YEAR, 2, 21), organiser=jfl,
                orgs=stops, observers=OBSERVERS_JFL, is_demo=True,
            )  # fmt: skip
            _score(actor, event, stops, OBSERVERS_JFL, rng)
            made += 1
    chosen = list(OrgUnit.objects.filter(pk__in=taking_part).order_by("code"))[::6][:10]
    if chosen:
        event = services.create_event(
            actor, title="第二季度全区季观摩（演示）", held_on=dt.date(YEAR, 5, 18), organiser=None, orgs=chosen,
            observers=OBSERVERS_DISTRICT, is_demo=True,
        )  # fmt: skip
        _score(actor, event, chosen, OBSERVERS_DISTRICT, rng, outlier=True)
        made += 1
    return made


def _score(
    actor: object, event: ObservationEvent, orgs: list[OrgUnit], observers: list[str], rng: random.Random,
    outlier: bool = False,
) -> None:  # fmt: skip
    scores = {}
    for org in orgs:
        centre = rng.uniform(76, 93)
        for i, name in enumerate(observers):
            value = centre + rng.uniform(-4, 4)
            if outlier and i == len(observers) - 1:
                value = 55 if org.pk % 2 else 99  # one observer far off: dropped by the robust mean
            scores[(name, org.pk)] = str(Decimal(str(min(100.0, value))).quantize(Decimal("0.5")))
    services.save_observation_scores(actor, event, scores, REASON)


def _reserve(actor: object) -> int:
    made = 0
    for name, cadre in RESERVE.items():
        org = OrgUnit.objects.filter(level=Level.BRANCH, name=name).first()
        if org is not None and not ReserveCandidate.objects.filter(org=org, year=YEAR).exists():
            services.designate_reserve(actor, org, YEAR, 5, cadre, "五星储备对象（beiguan.md）", is_demo=True)
            made += 1
    return made


def _weak(actor: object) -> None:
    from wuxing.competition.models import WeakState
    from wuxing.reviews.models import NamedResult

    low = (
        NamedResult.objects.filter(year=YEAR, level__lte=1)
        .order_by("org__code")
        .select_related("org")
        .first()
    )
    if low is None:
        return
    row = services.designate_weak(
        actor, low.org, YEAR, dt.date(YEAR, 3, 15), "班子战斗力不强，组织生活不规范（演示）",
        "调整充实村“两委”班子；街道包联干部每周驻村；每月开展主题党日（演示）", is_demo=True,
    )  # fmt: skip
    services.update_weak(actor, row, state=WeakState.RECTIFYING, plan="", comment="开始整顿（演示）")
