"""The time limits and thresholds of the pipeline as data: each with its documented default and its
standing ([national] the 2014 rules, [local] common local practice, [open] not verified — shown as
"默认（非官方）"). The district may enter a new version from a date (`RuleVersion`); a step is judged by
the version in force on the step's date."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from wuxing.members.models import RuleVersion


@dataclass(frozen=True)
class Limit:
    key: str
    label: str
    default: int
    standing: str  # national, local, open
    unit: str
    low: int = 0
    high: int = 120

    @property
    def unofficial(self) -> bool:
        return self.standing != "national"


LIMITS: tuple[Limit, ...] = (
    Limit("min_age", "申请入党最低年龄", 18, "national", "周岁", 16, 30),
    Limit("talk_months", "收到申请后谈话时限", 1, "national", "个月", 1, 12),
    Limit("applied_before_activist_months", "申请入党后确定为积极分子的最短间隔", 6, "open", "个月", 0, 24),
    Limit("activist_years", "积极分子培养期（超过）", 1, "national", "年", 1, 5),
    Limit("assessment_months", "积极分子考察间隔", 6, "national", "个月", 1, 12),
    Limit("training_days", "集中培训最少天数", 3, "national", "天", 1, 30),
    Limit("training_hours", "集中培训最少学时", 24, "national", "学时", 1, 200),
    Limit("sponsors", "入党介绍人人数", 2, "national", "人", 1, 5),
    Limit("approval_months", "上级党委审批时限", 3, "national", "个月", 1, 12),
    Limit("approval_max_months", "特殊情况审批最长时限", 6, "national", "个月", 1, 12),
    Limit("probation_months", "预备期", 12, "national", "个月", 6, 36),
    Limit("extension_min_months", "延长预备期最短", 6, "national", "个月", 1, 12),
    Limit("extension_max_months", "延长预备期最长", 12, "national", "个月", 1, 24),
    Limit("full_approval_months", "转正审批时限", 3, "national", "个月", 1, 12),
    Limit("notice_workdays", "公示最少工作日", 5, "open", "个工作日", 1, 30),
    Limit("answer_r2_months", "预审请示答复时限", 1, "open", "个月", 1, 12),
    Limit("answer_r3_months", "接收预备党员请示答复时限", 3, "open", "个月", 1, 12),
    Limit("answer_r4_months", "转正请示答复时限", 3, "open", "个月", 1, 12),
)
BY_KEY = {limit.key: limit for limit in LIMITS}
DEFAULTS = {limit.key: limit.default for limit in LIMITS}


class Params(dict[str, int]):
    """One version's values (a dict key → int) with the version's name."""

    source: str = "默认"


def defaults() -> Params:
    params = Params(DEFAULTS)
    params.source = "默认（未录入规则版本）"
    return params


class ParamBook:
    """Every entered version, read once; `on(day)` gives the values in force that day."""

    def __init__(self, versions: list[RuleVersion] | None = None) -> None:
        rows = versions if versions is not None else list(RuleVersion.objects.order_by("effective_from"))
        self.versions = sorted(rows, key=lambda v: v.effective_from)

    def on(self, day: dt.date) -> Params:
        params = defaults()
        for version in self.versions:
            if version.effective_from <= day:
                params = Params({**DEFAULTS, **clean_values(version.values)})
                params.source = f"{version.effective_from:%Y-%m-%d} 起：{version.source}"
        return params


def clean_values(values: Any) -> dict[str, int]:
    if not isinstance(values, dict):
        return {}
    return {k: int(v) for k, v in values.items() if k in BY_KEY and isinstance(v, int)}


def check_values(values: dict[str, Any]) -> dict[str, str]:
    """Errors by key for a version the district enters."""
    errors = {}
    for key, value in values.items():
        limit = BY_KEY.get(key)
        if limit is None:
            errors[key] = "未知参数"
        elif not isinstance(value, int) or not limit.low <= value <= limit.high:
            errors[key] = f"{limit.label}应为 {limit.low}–{limit.high} 的整数"
    merged = {**DEFAULTS, **{k: v for k, v in values.items() if k not in errors}}
    if merged["approval_max_months"] < merged["approval_months"]:
        errors["approval_max_months"] = "特殊情况审批最长时限不能短于一般时限"
    if merged["extension_max_months"] < merged["extension_min_months"]:
        errors["extension_max_months"] = "延长预备期最长不能短于最短"
    return errors


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; a day the month lacks becomes its last day (31 Jan + 1 → 28/29 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def birthday(born: dt.date, age: int) -> dt.date:
    """The day a person born on `born` reaches `age`; born on 29 February: 1 March in a common year."""
    year = born.year + age
    if born.month == 2 and born.day == 29 and not calendar.isleap(year):
        return dt.date(year, 3, 1)
    return born.replace(year=year)
