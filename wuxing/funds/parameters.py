"""The documented defaults of a year's funding parameters (docs/decisions.md §53), and which of them are
readings the seed leaves open (shown as “默认（非官方）” while they keep their default)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from wuxing.funds.engine import Params

DEFAULTS: dict[str, Any] = {
    "village_operating": Decimal("50000.00"),  # seed: raised from 3.7万元 to 5万元
    "village_operating_before": Decimal("37000.00"),
    "community_operating": Decimal("120000.00"),  # seed: raised from 9.6万元 to 12万元
    "community_operating_before": Decimal("96000.00"),
    "subsidy_rate": Decimal("0.7000"),  # seed: 70% of creation spending
    "subsidy_min_level": 4,  # seed: four stars or more
    "three_star_reward": Decimal("30000.00"),  # seed: 3万元
    "three_star_levels": "3",  # [open] exactly three stars
    "allowance_uplift_rate": Decimal("0.1000"),  # seed: 10%
    "allowance_levels": "3",  # [open] like the reward
    "base_allowance": None,  # entered by the district
    "run_years": 3,  # seed: three years in a row
    "zhengke_salary": None,  # [open] entered by the district
    "fuke_salary": None,  # [open] entered by the district
    "secretary_rule": "through_all",  # [open] the one who served through all the years
    "removal_breaks_run": True,  # [open] yes
    "mixed_run_counts": True,  # [open] yes: 5, 4, 5 is "four or better three years running"
}
# The readings the seed leaves open: flagged “默认（非官方）” in the UI while equal to their default.
OPEN_READINGS = (
    "three_star_levels",
    "allowance_levels",
    "secretary_rule",
    "removal_breaks_run",
    "mixed_run_counts",
)
# Amounts the seed does not give: no default, a line needing one is not computed and the page says so.
ENTERED_BY_DISTRICT = ("base_allowance", "zhengke_salary", "fuke_salary")


def parse_levels(text: str) -> frozenset[int]:
    """ "3, 4，5" → {3, 4, 5}; ValueError when a part is not a level 1–5."""
    parts = [p.strip() for p in text.replace("，", ",").replace("、", ",").split(",") if p.strip()]
    levels = set()
    for part in parts:
        if not (part.isascii() and part.isdigit() and 1 <= int(part) <= 5):
            raise ValueError(f"“{part}”不是 1–5 的星级")
        levels.add(int(part))
    return frozenset(levels)


def as_params(row: Any) -> Params:
    return Params(
        year=row.year,
        village_operating=row.village_operating,
        community_operating=row.community_operating,
        subsidy_rate=row.subsidy_rate,
        subsidy_min_level=row.subsidy_min_level,
        three_star_reward=row.three_star_reward,
        three_star_levels=parse_levels(row.three_star_levels),
        allowance_uplift_rate=row.allowance_uplift_rate,
        allowance_levels=parse_levels(row.allowance_levels),
        base_allowance=row.base_allowance,
        run_years=row.run_years,
        zhengke_salary=row.zhengke_salary,
        fuke_salary=row.fuke_salary,
        secretary_rule=row.secretary_rule,
        removal_breaks_run=row.removal_breaks_run,
        mixed_run_counts=row.mixed_run_counts,
    )


def flags(row: Any) -> dict[str, str]:
    """Field name → a flag for the page: “默认（非官方）” for an open reading at its default, “未录入” for
    an amount the district has not entered."""
    out: dict[str, str] = {}
    for name in OPEN_READINGS:
        if getattr(row, name) == DEFAULTS[name]:
            out[name] = "默认（非官方）"
    for name in ENTERED_BY_DISTRICT:
        if getattr(row, name) is None:
            out[name] = "未录入"
    return out
