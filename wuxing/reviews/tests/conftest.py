"""Fixtures for the review tests: the module's world with the shipped 2023 rulebooks, and a 2023 rural
cycle opened on them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from wuxing.api.tests.conftest import bearer, token_for  # noqa: F401  (API clients per role)
from wuxing.core.management.base import system_user
from wuxing.core.tests.worldcache import _world_ids, world  # noqa: F401  (one world per module)
from wuxing.rules.tests.conftest import _rulebook_ids, rulebooks  # noqa: F401

DEADLINES = {
    "self_deadline": dt.date(2023, 12, 15),
    "street_deadline": dt.date(2023, 12, 29),
    "district_deadline": dt.date(2024, 1, 12),
}


@pytest.fixture
def cycle(rulebooks: dict[str, Any]) -> Any:  # noqa: F811
    from wuxing.reviews import services

    return services.open_cycle(
        system_user(), 2023, "rural", opened_on=dt.date(2023, 12, 1), deadlines=DEADLINES
    )


def db_state() -> dict[str, Any]:
    """What a refused action must leave alone."""
    from wuxing.core.models import DecisionLog
    from wuxing.reviews.models import Assessment, NamedResult, ReviewCycle, StarRemoval, ValueChange
    from wuxing.rules.models import Score

    return {
        "assessments": list(
            Assessment.objects.order_by("pk").values_list(
                "pk", "state", "lock_version", "target_level", "comment"
            )
        ),
        "cycles": list(
            ReviewCycle.objects.order_by("pk").values_list(
                "pk",
                "status",
                "lock_version",
                "self_deadline",
                "street_deadline",
                "district_deadline",
                "notice_workdays",
            )
        ),
        "history": ReviewCycle.history.count(),
        "removals": list(StarRemoval.objects.order_by("pk").values_list("pk", "star_code", "evidence")),
        "logs": DecisionLog.objects.count(),
        "changes": ValueChange.objects.count(),
        "named": NamedResult.objects.count(),
        "scores": list(Score.objects.order_by("pk").values_list("pk", "value")),
    }
