"""The documented defaults of a year's competition parameters and goals (docs/decisions.md §57), and which
of them are readings the seed leaves open (shown as “默认（非官方）” while they keep their default)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

DEFAULTS: dict[str, Any] = {
    "min_level": 3,  # seed: branches of three stars or more are evaluated monthly
    "drop_extremes_from": 5,  # [open] drop the highest and the lowest from 5 observers on
    "monthly_weight": Decimal("0.6000"),  # [open]
    "observation_weight": Decimal("0.4000"),  # [open]
    "policy_basis": "month",  # [open] the monthly ranking is the period
    "policy_mode": "bottom_n",  # [open] last place …
    "policy_n": 1,  # [open] … one place (ties included)
    "policy_k": 2,  # [open] two periods running → warning; one more → downgrade proposal
    "goal_branch_level": 3,  # seed: every rural and community organisation three stars or more
    "goal_street_five": 1,  # seed: every street/town one five-star …
    "goal_street_four": 2,  # seed: … and two four-star organisations
    "four_counts_five": True,  # [open] a five beyond the five-star goal counts as a four
    "closest_count": 5,  # [open] how many organisations closest to a goal a page lists
}
OPEN_READINGS = (
    "drop_extremes_from",
    "monthly_weight",
    "observation_weight",
    "policy_basis",
    "policy_mode",
    "policy_n",
    "policy_k",
    "four_counts_five",
    "closest_count",
)
SEED_TEXT = {
    "min_level": "三星及以上支部月考评",
    "goal_branch_level": "所有农村、社区党组织达到三星及以上",
    "goal_street_five": "每个街道(镇)创建一个五星党组织",
    "goal_street_four": "每个街道(镇)创建两个四星党组织",
}

# The seed names no monthly checklist: this one (one item per theme of the stars, 100 points) is a default
# the district replaces with its own version (shown as 默认（非官方）).
DEFAULT_CHECKLIST: list[dict[str, Any]] = [
    {"code": "zzsh", "name": "组织生活规范（三会一课、主题党日）", "points": 25},
    {"code": "tzjs", "name": "台账与佐证材料及时完整", "points": 15},
    {"code": "dbrw", "name": "短板任务推进", "points": 25},
    {"code": "fwqz", "name": "服务群众与办结民生实事", "points": 20},
    {"code": "aqwd", "name": "安全稳定与无负面清单事项", "points": 15},
]


def flags(row: Any) -> dict[str, str]:
    """Field name → “默认（非官方）” for an open reading at its default."""
    return {name: "默认（非官方）" for name in OPEN_READINGS if getattr(row, name) == DEFAULTS[name]}
