"""Fixtures for the 动态竞争 tests: the module's world with the shipped 2023 rulebooks, more branches, and
last year's official levels (funds' imported rows) that put them in the monthly evaluation."""

from __future__ import annotations

from typing import Any

import pytest

from wuxing.api.tests.conftest import bearer, token_for  # noqa: F401  (API clients per role)
from wuxing.core.tests.worldcache import _world_ids, world  # noqa: F401  (one world per module)
from wuxing.rules.tests.conftest import _rulebook_ids, rulebooks  # noqa: F401

YEAR = 2023


def db_state() -> dict[str, Any]:
    """What a refused action must leave alone."""
    from wuxing.competition.models import (
        Checklist,
        CompetitionParameters,
        MonthlyScore,
        ObservationEvent,
        ObservationScore,
        ObservationStop,
        PolicyCase,
        ReserveCandidate,
        WeakBranch,
    )
    from wuxing.core.models import DecisionLog

    return {
        "params": list(CompetitionParameters.objects.order_by("pk").values()),
        "checklists": Checklist.objects.count(),
        "monthly": list(
            MonthlyScore.objects.order_by("pk").values_list(
                "pk", "total", "items", "scored_by", "lock_version"
            )
        ),
        "monthly_history": MonthlyScore.history.count(),
        "events": list(
            ObservationEvent.objects.order_by("pk").values_list("pk", "lock_version", "title", "observers")
        ),
        "stops": list(ObservationStop.objects.order_by("pk").values_list("event_id", "org_id", "position")),
        "obs": list(ObservationScore.objects.order_by("pk").values_list("observer", "org_id", "score")),
        "cases": list(PolicyCase.objects.order_by("pk").values_list("pk", "state", "lock_version")),
        "reserve": ReserveCandidate.objects.count(),
        "weak": list(WeakBranch.objects.order_by("pk").values_list("pk", "state", "plan")),
        "logs": DecisionLog.objects.count(),
    }


@pytest.fixture
def branches(world: Any) -> dict[str, Any]:  # noqa: F811
    """Street A (彰北街道): ZB001 西漳涧村, ZB002 阳光社区 and ZB003–ZB005; street B (柏庄镇): BZ001 后万金村,
    BZ002, BZ003. All at three stars in 2022 (imported), so all take part in 2023's evaluation."""
    from wuxing.core.management.base import system_user
    from wuxing.funds.models import HistoricLevel
    from wuxing.orgs import services

    actor = system_user()
    base = {"branch_type": "branch", "member_count": 30, "area_kind": "rural"}
    out = {"ZB001": world.village_a, "ZB002": world.community_a, "BZ001": world.village_b}
    for code, street in (("ZB003", world.street_a), ("ZB004", world.street_a), ("ZB005", world.street_a),
                         ("BZ002", world.street_b), ("BZ003", world.street_b)):  # fmt: skip
        out[code] = services.create_branch(actor, street, {**base, "code": code, "name": f"{code}村"})
    HistoricLevel.objects.bulk_create([HistoricLevel(org=o, year=YEAR - 1, level=3) for o in out.values()])
    return out


def put_month(branches: dict[str, Any], month: int, totals: dict[str, str]) -> None:
    """Monthly totals straight into the table (code → total)."""
    from decimal import Decimal

    from wuxing.competition.models import Checklist, MonthlyScore
    from wuxing.competition.parameters import DEFAULT_CHECKLIST

    checklist, _ = Checklist.objects.get_or_create(
        year=YEAR, version=1, defaults={"items": DEFAULT_CHECKLIST}
    )
    for code, total in totals.items():
        MonthlyScore.objects.update_or_create(
            org=branches[code], year=YEAR, month=month,
            defaults={"checklist": checklist, "total": Decimal(total), "items": {}},
        )  # fmt: skip
