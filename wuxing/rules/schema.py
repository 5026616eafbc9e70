"""The rulebook format (一星一细则): one year's star rules for one kind of organisation.

A rulebook is plain data, normally a YAML file under ``rulebooks/`` edited by the district. This module
validates it with pydantic v2 and turns every problem into Chinese, naming where it is::

    stars[2].indicators[3].target: 门槛型指标必须填写 target（第57行）

Positions are counted from 0, as in the YAML list; the line number is added when the rulebook came
from YAML text. Points are ``Decimal`` throughout and never float: YAML numbers are read straight into
``Decimal`` from their text.

No Django import here: the rating engine (``engine.py``) and its tests run without Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

__all__ = [
    "DEFAULT_BADGE_TITLES",
    "DEFAULT_MAX_COUNT",
    "FORMS",
    "FORM_LABELS",
    "KIND_LABELS",
    "OP_SYMBOLS",
    "VALUE_INT_DIGITS",
    "VALUE_LIMIT",
    "VALUE_PLACES",
    "Award",
    "Form",
    "Indicator",
    "Kind",
    "Rulebook",
    "RulebookError",
    "Star",
    "Veto",
    "default_badge",
    "error_message",
    "format_number",
    "load_rulebook_file",
    "load_rulebook_yaml",
    "parse_rulebook",
    "render_text",
    "with_unit",
]

STAR_COUNT = 5
CENT = Decimal("0.01")

# The largest value an indicator can take. rules.Score.value is DecimalField(max_digits=16,
# decimal_places=4), but SQLite keeps such a column as a double, exact to 15 significant digits (Django
# reads it back rounded to 15 and fails on 999999999999.9999), so a value has at most 11 digits before
# the point and 4 after: 15 in all, stored and read back exactly on SQLite and PostgreSQL. Rulebook
# numbers and entered values are bounded by it.
VALUE_INT_DIGITS = 11
VALUE_PLACES = 4
VALUE_LIMIT = 10**VALUE_INT_DIGITS  # exclusive
# Count indicators (per_occurrence, bonus, penalty) accept 0 up to ``max_count``; without one, 9999.
DEFAULT_MAX_COUNT = 9999
PASS_RATIO = Decimal("0.6")

Kind = Literal["rural", "community"]
KIND_LABELS: dict[str, str] = {"rural": "农村", "community": "城市社区"}

Form = Literal["yes_no", "per_occurrence", "threshold", "scale", "bonus", "penalty"]
FORMS: tuple[str, ...] = ("yes_no", "per_occurrence", "threshold", "scale", "bonus", "penalty")
FORM_LABELS: dict[str, str] = {
    "yes_no": "是否型",
    "per_occurrence": "计次型",
    "threshold": "门槛型",
    "scale": "评分型",
    "bonus": "加分型",
    "penalty": "扣分型",
}
COUNT_FORMS = frozenset({"per_occurrence", "bonus", "penalty"})

# Who enters an indicator's value (一星一细则 says who assesses what): the branch secretary's
# self-report, the street/town working group, or the district. Those above may always enter or correct
# what those below enter; those below may not change what those above assess.
EnteredBy = Literal["secretary", "street", "district"]
ENTERED_BY_LABELS: dict[str, str] = {
    "secretary": "村（社区）书记填报",
    "street": "街道（镇）专班评定",
    "district": "区委组织部评定",
}

Op = Literal[">=", "<=", ">", "<"]
OP_SYMBOLS: dict[str, str] = {">=": "≥", "<=": "≤", ">": "＞", "<": "＜"}

# Which optional fields each form uses, and which of those it cannot do without.
_FORM_FIELDS: dict[str, frozenset[str]] = {
    "yes_no": frozenset(),
    "per_occurrence": frozenset({"points_each", "min_count", "max_count", "unit"}),
    "bonus": frozenset({"points_each", "min_count", "max_count", "unit"}),
    "penalty": frozenset({"points_each", "max_count", "unit"}),
    "threshold": frozenset({"unit", "op", "target", "min_value", "max_value"}),
    "scale": frozenset({"pass_points"}),
}
_FORM_REQUIRED: dict[str, tuple[str, ...]] = {
    "yes_no": (),
    "per_occurrence": ("points_each",),
    "bonus": ("points_each",),
    "penalty": ("points_each",),
    "threshold": ("unit", "op", "target"),
    "scale": (),
}
_OPTIONAL_FORM_FIELDS = (
    "points_each",
    "min_count",
    "max_count",
    "unit",
    "op",
    "target",
    "min_value",
    "max_value",
    "pass_points",
)

# Units written straight after the number (80%); every other unit gets a space (20 万元).
_TIGHT_UNITS = frozenset({"%", "‰"})


def format_number(value: Decimal | int) -> str:
    """Plain text for a number in Chinese messages: 20 → "20", Decimal("18.50") → "18.5", never 2E+1."""
    kind = type(value)
    if kind is not Decimal:
        if kind is bool or not isinstance(value, int | Decimal):
            raise TypeError(f"format_number expects int or Decimal, not {kind.__name__}")
        if isinstance(value, int):
            return str(int(value))
    text = str(value)
    if "E" in text:
        if not value.is_finite():  # type: ignore[union-attr]
            return text
        text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def with_unit(value: Decimal | int, unit: str | None) -> str:
    """ "20 万元", "80%", or just "20" when there is no unit."""
    number = format_number(value)
    if not unit:
        return number
    return f"{number}{unit}" if unit in _TIGHT_UNITS else f"{number} {unit}"


# Descriptions may name a parameter instead of writing its number: "不低于 {target}（必达）" is shown as
# "不低于 20 万元（必达）" and follows the number when 参数调整 changes it.
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def render_text(text: str, values: Mapping[str, str]) -> str:
    """``text`` with every ``{name}`` of ``values`` replaced; anything else is left as it is."""
    if "{" not in text:
        return text
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _unknown_placeholders(text: str, values: Mapping[str, str]) -> list[str]:
    return [name for name in _PLACEHOLDER.findall(text) if name not in values]


def _placeholder_problem(field: str, unknown: list[str], values: Mapping[str, str]) -> tuple[tuple[str], str]:
    usable = "、".join("{" + name + "}" for name in values) or "无"
    named = "、".join("{" + name + "}" for name in unknown)
    return (field,), f"占位符 {named} 不可用；这里可用：{usable}"


def default_badge(placeholder: bool, official_name: bool) -> str:
    """What the 默认 badge of an item says: "" (official), "默认" (name and rule are defaults) or
    "默认分值" (an official name whose points and thresholds are defaults)."""
    if not placeholder:
        return ""
    return "默认分值" if official_name else "默认"


DEFAULT_BADGE_TITLES = {
    "默认": "默认规则，非官方：名称和分值、门槛都是平台的默认值",
    "默认分值": "名称为官方公布的标准；分值、门槛和题型是平台的默认值，非官方",
}


class RulebookError(ValueError):
    """Everything wrong with a rulebook, as a list of Chinese messages that each name a location."""

    def __init__(self, messages: list[str], readable: list[str] | None = None):
        self.messages = list(messages)
        # the same problems for people: the location by the names of stars and indicators first, the
        # internal path (stars[1].indicators[0].target) only as secondary text
        self.readable = list(readable) if readable is not None else list(self.messages)
        super().__init__("\n".join(self.messages))


# --------------------------------------------------------------------------- field types


def _problem(message: str) -> PydanticCustomError:
    return PydanticCustomError("wuxing_value", message)


def _check_star_code(value: str) -> str:
    if not _is_code(value, dotted=False):
        raise _problem("代码格式不正确：只能用小写英文字母、数字和下划线，并以字母开头（如 zbgy）")
    return value


def _check_item_code(value: str) -> str:
    if not _is_code(value, dotted=True):
        raise _problem("代码格式不正确：只能用小写英文字母、数字、下划线和点，并以字母开头（如 cyxw.income）")
    return value


def _is_code(value: str, *, dotted: bool) -> bool:
    if not value or not value.isascii() or not ("a" <= value[0] <= "z"):
        return False
    parts = value.split(".") if dotted else [value]
    return all(part and all(c.isdigit() or c == "_" or "a" <= c <= "z" for c in part) for part in parts)


def _check_not_blank(value: str) -> str:
    if not value.strip():
        raise _problem("不能为空")
    return value


def _reject_float_noise(value: Any) -> Any:
    # pydantic turns float into Decimal through str(); make that explicit and refuse bool.
    if isinstance(value, bool):
        raise PydanticCustomError("decimal_type", "应为数字")
    if isinstance(value, float):
        return Decimal(str(value))
    return value


def _check_number(value: Decimal) -> Decimal:
    """A rulebook number: finite, at most VALUE_INT_DIGITS digits before the point and VALUE_PLACES after
    (checked from the exponent, before any arithmetic, so 1e1000000 costs nothing)."""
    if not value.is_finite():
        raise PydanticCustomError("finite_number", "应为有限的数字")
    if not value.is_zero() and value.adjusted() >= VALUE_INT_DIGITS:
        raise _problem(f"数字过大：最多 {VALUE_INT_DIGITS} 位整数")
    exponent = value.as_tuple().exponent
    if (
        isinstance(exponent, int)
        and -exponent > VALUE_PLACES
        and value != value.quantize(Decimal(1).scaleb(-VALUE_PLACES))
    ):
        raise _problem(f"最多保留 {VALUE_PLACES} 位小数")
    return value


def _check_points(value: Decimal) -> Decimal:
    _check_number(value)
    if value < 0:
        raise _problem("不能为负数")
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        raise _problem("分值最多保留两位小数")
    return value


StarCode = Annotated[str, Strict(), AfterValidator(_check_star_code)]
ItemCode = Annotated[str, Strict(), AfterValidator(_check_item_code)]
Text = Annotated[str, Strict(), AfterValidator(_check_not_blank)]
FreeText = Annotated[str, Strict()]
Number = Annotated[Decimal, BeforeValidator(_reject_float_noise), AfterValidator(_check_number)]
Points = Annotated[Decimal, BeforeValidator(_reject_float_noise), AfterValidator(_check_points)]
Flag = Annotated[bool, Strict()]
Count = Annotated[int, Strict(), Field(ge=1, lt=VALUE_LIMIT)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _problems(problems: list[tuple[tuple[str | int, ...], str]]) -> PydanticCustomError:
    """Several semantic problems at once; each carries its location relative to the model."""
    return PydanticCustomError(
        "wuxing_problems", "规则书有 {count} 处问题", {"count": len(problems), "problems": problems}
    )


# --------------------------------------------------------------------------- the models


class Veto(_Model):
    """一票否决 item: a yes/no fact; when it happened, the star is void whatever the points.

    The code names the fact: if the same code is listed under two stars, the one event voids both.
    """

    code: ItemCode
    name: Text
    explanation: FreeText = ""
    placeholder: Flag = False
    official_name: Flag = False  # the name is official; with placeholder, only its use here is a default

    @property
    def default_badge(self) -> str:
        return default_badge(self.placeholder, self.official_name)

    @property
    def default_badge_title(self) -> str:
        return DEFAULT_BADGE_TITLES.get(self.default_badge, "")


class Award(_Model):
    min_points: Points
    required_indicators: tuple[ItemCode, ...] = ()


class Indicator(_Model):
    """One scoring item of a star. ``form`` decides which of the optional fields apply."""

    code: ItemCode
    name: Text
    form: Form
    max_points: Points
    # form-specific fields (None when the form does not use them)
    points_each: Points | None = None
    min_count: Count | None = None
    max_count: Count | None = None
    unit: Text | None = None
    op: Op | None = None
    target: Number | None = None
    min_value: Number | None = None
    max_value: Number | None = None
    pass_points: Points | None = None
    # description
    explanation: FreeText = ""
    focus_area: Text | None = None
    evidence: FreeText = ""
    entered_by: EnteredBy = "secretary"
    placeholder: Flag = False
    # The name is an official text (e.g. the eight published “三零” standards) while, with placeholder,
    # the points, thresholds and form are defaults: the badge says "默认分值" instead of "默认".
    official_name: Flag = False

    @model_validator(mode="after")
    def _check_form(self) -> Indicator:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        label = FORM_LABELS[self.form]
        allowed = _FORM_FIELDS[self.form]
        for field in _OPTIONAL_FORM_FIELDS:
            if getattr(self, field) is not None and field not in allowed:
                problems.append(((field,), f"{label}指标不使用 {field}，请删除"))
        for field in _FORM_REQUIRED[self.form]:
            if getattr(self, field) is None:
                problems.append(((field,), f"{label}指标必须填写 {field}"))
        if self.form == "threshold":
            low, high = self.input_bounds
            if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
                problems.append((("min_value",), "min_value 不能大于 max_value"))
            elif self.target is not None:
                if self.target < low:
                    problems.append((("target",), f"target 不能小于允许填报的最小值 {format_number(low)}"))
                if high is not None and self.target > high:
                    problems.append((("target",), f"target 不能大于允许填报的最大值 {format_number(high)}"))
        if self.form in COUNT_FORMS and self.effective_min_count > self.effective_max_count:
            problems.append(
                (
                    ("max_count",),
                    f"max_count（{self.effective_max_count}）不能小于 min_count（{self.effective_min_count}）",
                )
            )
        if self.form == "scale" and self.pass_points is not None and self.pass_points > self.max_points:
            problems.append((("pass_points",), "pass_points 不能大于 max_points"))
        if not problems:
            unknown = _unknown_placeholders(self.explanation, self.parameters)
            if unknown:
                problems.append(_placeholder_problem("explanation", unknown, self.parameters))
        if problems:
            raise _problems(problems)
        return self

    @property
    def parameters(self) -> dict[str, str]:
        """The numbers a description may name, as text: {target} "20 万元", {max_points} "15",
        {pass_points} "9", {min_count} "12 次" … (only those this indicator has)."""
        values = {"max_points": format_number(self.max_points)}
        if self.form == "scale":
            values["pass_points"] = format_number(self.effective_pass_points)
        if self.points_each is not None:
            values["points_each"] = format_number(self.points_each)
        if self.counts:
            values["min_count"] = with_unit(self.effective_min_count, self.count_unit)
            values["max_count"] = with_unit(self.effective_max_count, self.count_unit)
        for field in ("target", "min_value", "max_value"):
            number = getattr(self, field)
            if number is not None:
                values[field] = with_unit(number, self.unit)
        return values

    @property
    def explanation_text(self) -> str:
        """The explanation with its {placeholders} filled in from the numbers of this version."""
        return render_text(self.explanation, self.parameters)

    # -- derived facts used by the engine and the pages

    @property
    def form_label(self) -> str:
        return FORM_LABELS[self.form]

    @property
    def default_badge(self) -> str:
        return default_badge(self.placeholder, self.official_name)

    @property
    def default_badge_title(self) -> str:
        return DEFAULT_BADGE_TITLES.get(self.default_badge, "")

    @property
    def entered_by_label(self) -> str:
        return ENTERED_BY_LABELS[self.entered_by]

    @property
    def counts(self) -> bool:
        """True when the value is a count of occurrences (per_occurrence, bonus, penalty)."""
        return self.form in COUNT_FORMS

    @property
    def effective_min_count(self) -> int:
        return self.min_count if self.min_count is not None else 1

    @property
    def effective_max_count(self) -> int:
        """The largest count a 书记 may enter (max_count, or DEFAULT_MAX_COUNT when the rulebook says none)."""
        return self.max_count if self.max_count is not None else DEFAULT_MAX_COUNT

    @property
    def effective_pass_points(self) -> Decimal:
        if self.pass_points is not None:
            return self.pass_points
        return (self.max_points * PASS_RATIO).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def input_bounds(self) -> tuple[Decimal, Decimal | None]:
        """Allowed input range of a threshold value; the lower bound is 0 unless min_value says otherwise."""
        low = self.min_value if self.min_value is not None else Decimal(0)
        return low, self.max_value

    @property
    def count_unit(self) -> str:
        return self.unit or "次"

    def requirement_text(self) -> str:
        """What "met" means, in Chinese: "村集体经济收入 ≥ 20 万元"."""
        if self.form == "yes_no":
            return f"{self.name}：是"
        if self.form in ("per_occurrence", "bonus"):
            return f"{self.name} ≥ {with_unit(self.effective_min_count, self.count_unit)}"
        if self.form == "penalty":
            return f"{self.name} 须为 0 {self.count_unit}"
        if self.form == "threshold":
            assert self.op is not None and self.target is not None
            return f"{self.name} {OP_SYMBOLS[self.op]} {with_unit(self.target, self.unit)}"
        return f"{self.name} ≥ {format_number(self.effective_pass_points)} 分"

    def range_text(self) -> str:
        """What may be entered, in Chinese: "0–15 分", "0–9999 次", "0–100%", "是/否"."""
        if self.form == "yes_no":
            return "是/否"
        if self.counts:
            return f"0–{with_unit(self.effective_max_count, self.count_unit)}"
        if self.form == "threshold":
            low, high = self.input_bounds
            if high is None:
                return f"≥ {with_unit(low, self.unit)}"
            return f"{format_number(low)}–{with_unit(high, self.unit)}"
        return f"0–{format_number(self.max_points)} 分"

    def pass_text(self) -> str:
        """The pass line, in Chinese: "达标 ≥ 9 分", "达标为是", "达标 = 0 次"."""
        if self.form == "yes_no":
            return "达标为是"
        if self.form in ("per_occurrence", "bonus"):
            return f"达标 ≥ {with_unit(self.effective_min_count, self.count_unit)}"
        if self.form == "penalty":
            return f"达标 = 0 {self.count_unit}"
        if self.form == "threshold":
            assert self.op is not None and self.target is not None
            return f"达标 {OP_SYMBOLS[self.op]} {with_unit(self.target, self.unit)}"
        return f"达标 ≥ {format_number(self.effective_pass_points)} 分"

    def entry_hint(self) -> str:
        """Range and pass line for the entry form: "0–15 分，达标 ≥ 9 分"."""
        return f"{self.range_text()}，{self.pass_text()}"

    def value_text(self, value: object) -> str:
        """A typed value as Chinese text: 是, "3 次", "18 万元", "75%", "6 分"; 未填报 when None.
        Yes and no are plain words, without quotation marks."""
        if value is None:
            return "未填报"
        form = self.form
        if form == "yes_no":
            return "是" if value is True else "否"
        kind = type(value)
        if kind is not Decimal and kind is not int:
            return str(value)
        if form == "threshold":
            return with_unit(value, self.unit)  # type: ignore[arg-type]
        if form == "scale":
            return f"{format_number(value)} 分"  # type: ignore[arg-type]
        return with_unit(value, self.unit or "次")  # type: ignore[arg-type]


def _check_some_indicators(indicators: tuple[Indicator, ...]) -> tuple[Indicator, ...]:
    if not indicators:
        raise _problem("每颗星至少要有 1 个指标")
    return indicators


class Star(_Model):
    code: StarCode
    name: Text
    theme: FreeText = ""
    # what it takes, in words; may name {min_points} (达标分) and {base_points} (基础分满分)
    explanation: FreeText = ""
    working_group: FreeText = ""
    placeholder: Flag = False
    award: Award
    requires_stars: tuple[StarCode, ...] = ()
    vetoes: tuple[Veto, ...] = ()
    indicators: Annotated[tuple[Indicator, ...], AfterValidator(_check_some_indicators)]

    @property
    def max_points(self) -> Decimal:
        """Most points this star can reach: every item except penalties at its maximum (bonus included)."""
        return sum((i.max_points for i in self.indicators if i.form != "penalty"), Decimal(0))

    @property
    def base_points(self) -> Decimal:
        """The "out of" figure: items that are neither bonus nor penalty."""
        return sum((i.max_points for i in self.indicators if i.form not in ("bonus", "penalty")), Decimal(0))

    @model_validator(mode="after")
    def _check_star(self) -> Star:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        codes = {i.code for i in self.indicators}
        seen: set[str] = set()
        for n, code in enumerate(self.award.required_indicators):
            if code not in codes:
                problems.append((("award", "required_indicators", n), f"本星没有代码为 “{code}” 的指标"))
            elif code in seen:
                problems.append((("award", "required_indicators", n), f"必达指标 “{code}” 重复"))
            seen.add(code)
        if self.award.min_points > self.max_points:
            problems.append(
                (
                    ("award", "min_points"),
                    f"达标分 {format_number(self.award.min_points)} 超过本星最高可得 "
                    f"{format_number(self.max_points)} 分（扣分项不计）",
                )
            )
        seen = set()
        for n, veto in enumerate(self.vetoes):
            if veto.code in seen:
                problems.append((("vetoes", n, "code"), f"否决事项代码 “{veto.code}” 在本星重复"))
            seen.add(veto.code)
        unknown = _unknown_placeholders(self.explanation, self.parameters)
        if unknown:
            problems.append(_placeholder_problem("explanation", unknown, self.parameters))
        if problems:
            raise _problems(problems)
        return self

    @property
    def parameters(self) -> dict[str, str]:
        """The numbers a star's explanation may name: {min_points} (达标分), {base_points} (基础分满分)."""
        return {
            "min_points": format_number(self.award.min_points),
            "base_points": format_number(self.base_points),
        }

    @property
    def explanation_text(self) -> str:
        return render_text(self.explanation, self.parameters)


def _check_five(stars: tuple[Star, ...]) -> tuple[Star, ...]:
    if len(stars) != STAR_COUNT:
        raise _problem(f"必须恰好有 {STAR_COUNT} 颗星，现有 {len(stars)} 颗")
    return stars


class Rulebook(_Model):
    """One year's star rules for one kind of organisation."""

    year: Annotated[int, Strict(), Field(ge=2000, le=2100)]
    kind: Kind
    version: Annotated[int, Strict(), Field(ge=1)] = 1
    title: Text
    notes: FreeText = ""
    placeholder: Flag = False
    stars: Annotated[tuple[Star, ...], AfterValidator(_check_five)]

    @model_validator(mode="after")
    def _check_book(self) -> Rulebook:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        star_at: dict[str, int] = {}
        for s, star in enumerate(self.stars):
            if star.code in star_at:
                problems.append(
                    (
                        (("stars", s, "code")),
                        f"星代码 “{star.code}” 重复（已在 stars[{star_at[star.code]}] 使用）",
                    )
                )
            else:
                star_at[star.code] = s
        indicator_at: dict[str, str] = {}
        veto_names: dict[str, tuple[str, str]] = {}
        for s, star in enumerate(self.stars):
            for i, indicator in enumerate(star.indicators):
                where = f"stars[{s}].indicators[{i}]"
                if indicator.code in indicator_at:
                    problems.append(
                        (
                            ("stars", s, "indicators", i, "code"),
                            f"指标代码 “{indicator.code}” 重复（已在 {indicator_at[indicator.code]} 使用）",
                        )
                    )
                else:
                    indicator_at[indicator.code] = where
            for v, veto in enumerate(star.vetoes):
                if veto.code in veto_names and veto_names[veto.code][0] != veto.name:
                    first_name, first_where = veto_names[veto.code]
                    problems.append(
                        (
                            ("stars", s, "vetoes", v, "name"),
                            f"否决事项 “{veto.code}” 在 {first_where} 名为“{first_name}”，"
                            "同一代码的名称必须一致",
                        )
                    )
                veto_names.setdefault(veto.code, (veto.name, f"stars[{s}].vetoes[{v}]"))
            seen: set[str] = set()
            for r, required in enumerate(star.requires_stars):
                place: tuple[str | int, ...] = ("stars", s, "requires_stars", r)
                if required == star.code:
                    problems.append((place, "一颗星不能要求它自己"))
                elif required in seen:
                    problems.append((place, f"“{required}” 重复"))
                elif required not in star_at:
                    problems.append((place, f"没有代码为 “{required}” 的星"))
                seen.add(required)
        edges = {star.code: tuple(c for c in star.requires_stars if c != star.code) for star in self.stars}
        cycle = _find_cycle(edges, list(star_at))
        if cycle:
            s = star_at[cycle[0]]
            problems.append((("stars", s, "requires_stars"), "requires_stars 形成循环：" + " → ".join(cycle)))
        if problems:
            raise _problems(problems)
        return self

    # -- look-ups

    def star(self, code: str) -> Star:
        for star in self.stars:
            if star.code == code:
                return star
        raise KeyError(code)

    def indicator(self, code: str) -> Indicator:
        for _star, indicator in self.iter_indicators():
            if indicator.code == code:
                return indicator
        raise KeyError(code)

    def iter_indicators(self) -> Iterator[tuple[Star, Indicator]]:
        for star in self.stars:
            for indicator in star.indicators:
                yield star, indicator

    @property
    def has_placeholders(self) -> bool:
        """True when anything in the book is a default rather than an official rule."""
        return (
            self.placeholder
            or any(star.placeholder for star in self.stars)
            or any(indicator.placeholder for _star, indicator in self.iter_indicators())
            or any(veto.placeholder for star in self.stars for veto in star.vetoes)
        )

    # -- round trip

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain data, numbers as canonical text ("20", "1.25");
        ``parse_rulebook(rb.to_dict()) == rb``."""
        return _plain(self.model_dump(mode="python", exclude_none=True))

    def to_yaml(self) -> str:
        """YAML text, numbers written plainly (20, 1.25); ``load_rulebook_yaml(rb.to_yaml()) == rb``."""
        data = self.model_dump(mode="python", exclude_none=True)
        return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=110)


def _plain(value: Any) -> Any:
    """Decimals → canonical text (so equal numbers always look the same); tuples → lists."""
    if isinstance(value, Decimal):
        return format_number(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _find_cycle(edges: Mapping[str, tuple[str, ...]], order: list[str]) -> list[str] | None:
    """A cycle in the requires_stars graph as a path ["a", "b", "a"], or None (iterative depth-first)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for root in order:
        if state.get(root):
            continue
        path: list[str] = [root]
        stack: list[Iterator[str]] = [iter(edges.get(root, ()))]
        state[root] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            if nxt not in edges:
                continue
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(edges[nxt]))
    return None


# --------------------------------------------------------------------------- errors in Chinese

_SIMPLE_MESSAGES: dict[str, str] = {
    "missing": "缺少必填项",
    "extra_forbidden": "不认识的字段",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "decimal_type": "应为数字",
    "decimal_parsing": "应为数字",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "finite_number": "应为有限的数字",
    "list_type": "应为列表",
    "tuple_type": "应为列表",
    "set_type": "应为列表",
    "dict_type": "应为“字段: 值”形式的映射",
    "model_type": "应为“字段: 值”形式的映射",
    "model_attributes_type": "应为“字段: 值”形式的映射",
    "none_required": "不能填写",
}


def error_message(error: Mapping[str, Any]) -> str:
    """One pydantic error (type, ctx, msg) in Chinese; also used for the API's 422 answers."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind.startswith("wuxing_"):
        return str(error["msg"])
    if kind in _SIMPLE_MESSAGES:
        return _SIMPLE_MESSAGES[kind]
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace(" or ", "、").replace(", ", "、")
        return f"取值无效，应为以下之一：{expected}"
    if kind == "greater_than_equal":
        return f"不能小于 {ctx.get('ge')}"
    if kind == "greater_than":
        return f"必须大于 {ctx.get('gt')}"
    if kind == "less_than_equal":
        return f"不能大于 {ctx.get('le')}"
    if kind == "less_than":
        return f"必须小于 {ctx.get('lt')}"
    if kind in ("too_short", "string_too_short"):
        return f"至少要有 {ctx.get('min_length')} 项" if kind == "too_short" else "不能为空"
    if kind in ("too_long", "string_too_long"):
        return f"最多只能有 {ctx.get('max_length')} 项"
    return f"取值无效（{error['msg']}）"


def _loc_text(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "规则书"


def _line_for(loc: tuple[str | int, ...], lines: Mapping[tuple[str | int, ...], int] | None) -> int | None:
    if not lines:
        return None
    for end in range(len(loc), -1, -1):
        line = lines.get(tuple(loc[:end]))
        if line is not None:
            return line
    return None


def _problems_from(exc: ValidationError) -> list[tuple[tuple[str | int, ...], str]]:
    found: list[tuple[tuple[str | int, ...], str]] = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        if error["type"] == "wuxing_problems":
            for relative, text in error["ctx"]["problems"]:
                found.append(((*loc, *relative), text))
        else:
            found.append((loc, error_message(error)))
    return found


def _messages_from(exc: ValidationError, lines: Mapping[tuple[str | int, ...], int] | None) -> list[str]:
    messages = []
    for loc, text in _problems_from(exc):
        line = _line_for(loc, lines)
        suffix = f"（第{line}行）" if line is not None else ""
        messages.append(f"{_loc_text(loc)}: {text}{suffix}")
    return messages


_LIST_NOUNS = {"stars": "第{n}颗星", "indicators": "第{n}个指标", "vetoes": "第{n}个否决事项"}
_FIELD_NAMES = {"award": "获星条件"}


def _readable_loc(data: Any, loc: tuple[str | int, ...]) -> str:
    """A location by names: ("stars", 1, "indicators", 0, "target") → "产业兴旺星 › 村集体经济收入 › target"."""
    parts: list[str] = []
    node: Any = data
    i = 0
    while i < len(loc):
        part = loc[i]
        following = loc[i + 1] if i + 1 < len(loc) else None
        if isinstance(part, str) and isinstance(following, int) and part in _LIST_NOUNS:
            index: int = following
            items = node.get(part) if isinstance(node, Mapping) else None
            item = items[index] if isinstance(items, list | tuple) and 0 <= index < len(items) else None
            name = item.get("name") if isinstance(item, Mapping) else None
            parts.append(
                str(name) if isinstance(name, str) and name.strip() else _LIST_NOUNS[part].format(n=index + 1)
            )
            node = item
            i += 2
            continue
        parts.append(_FIELD_NAMES.get(str(part), str(part)))
        node = node.get(part) if isinstance(node, Mapping) else None
        i += 1
    return " › ".join(parts) or "规则书"


def _readable_from(
    exc: ValidationError, lines: Mapping[tuple[str | int, ...], int] | None, data: Any
) -> list[str]:
    messages = []
    for loc, text in _problems_from(exc):
        line = _line_for(loc, lines)
        where = f"第{line}行 " if line is not None else ""
        messages.append(f"{where}{_readable_loc(data, loc)}：{text}（位置 {_loc_text(loc)}）")
    return messages


def parse_rulebook(data: object, *, _lines: Mapping[tuple[str | int, ...], int] | None = None) -> Rulebook:
    """Validate plain data (from YAML, JSON or ``to_dict``) into a Rulebook, or raise RulebookError."""
    if not isinstance(data, Mapping):
        raise RulebookError(["规则书: 内容应为“字段: 值”形式的映射（YAML 顶层不能是列表或单个值）"])
    try:
        return Rulebook.model_validate(dict(data))
    except ValidationError as exc:
        raise RulebookError(_messages_from(exc, _lines), _readable_from(exc, _lines, data)) from None


# --------------------------------------------------------------------------- YAML


class _Loader(yaml.SafeLoader):
    """Safe loader that reads YAML floats as Decimal from their text and refuses duplicate keys."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    text = str(node.value).replace("_", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        return Decimal(str(loader.construct_yaml_float(node)))  # .inf, .nan, 1:30 — rejected later


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in result
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "键不能是列表或映射", key_node.start_mark
            ) from None
        if duplicate:
            raise yaml.constructor.ConstructorError(None, None, f"重复的键 “{key}”", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
    return result


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    # Python refuses int() of more than 4300 digits with a ValueError; anything this long is too big anyway
    if len(str(node.value).replace("_", "")) > VALUE_INT_DIGITS + 3:  # sign and 0x/0o prefixes
        raise yaml.constructor.ConstructorError(
            None, None, f"数字过大：最多 {VALUE_INT_DIGITS} 位整数", node.start_mark
        )
    return int(loader.construct_yaml_int(node))


_Loader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _Dumper(yaml.SafeDumper):
    """Writes Decimal as a plain YAML number, tuples as lists, multi-line text as a | block."""


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    text = format_number(value)  # canonical: 20, 1.25, never 20.00 or 2E+1
    tag = "tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int"
    return dumper.represent_scalar(tag, text)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value.rstrip("\n") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_sequence(dumper: yaml.SafeDumper, value: list[Any] | tuple[Any, ...]) -> yaml.SequenceNode:
    # lists of codes read best on one line: requires_stars: [cyxw, stjy]
    flow = all(isinstance(item, str) for item in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(Decimal, _represent_decimal)
_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(tuple, _represent_sequence)
_Dumper.add_representer(list, _represent_sequence)

_YAML_PROBLEMS: dict[str, str] = {
    "mapping values are not allowed here": "此处不能出现“键: 值”（检查冒号后的空格和缩进）",
    "could not find expected ':'": "缺少冒号“:”",
    "found character '\\t' that cannot start any token": "不能用 Tab 键缩进，请用空格",
    "found undefined alias": "引用了未定义的锚点",
    "did not find expected key": "缩进不一致，找不到预期的键",
    "did not find expected '-' indicator": "列表缩进不一致",
    "found unexpected end of stream": "文件意外结束（引号或括号没有闭合？）",
    "found unknown escape character": "引号内有无法识别的转义字符",
    "expected <block end>, but found '-'": "列表项缩进不一致",
    "expected <block end>": "缩进不一致",
    "expected chomping or indentation indicators": "“>”或“|”在 YAML 里表示多行文字，后面不能直接跟其他字符",
    "found character '%' that cannot start any token": "值不能以“%”开头",
    "found character '@' that cannot start any token": "值不能以“@”开头",
    "found character '`' that cannot start any token": "值不能以“`”开头",
    "found character": "值以 YAML 的特殊字符开头",
    "expected ',' or ']'": "方括号 [ ] 没有闭合，或列表项之间缺少逗号",
    "expected ',' or '}'": "花括号 { } 没有闭合，或项之间缺少逗号",
    "could not determine a constructor for the tag": "不认识以“!”开头的写法",
    "expected alphabetic or numeric character": "“*”或“&”后面应是名称（写星号请加引号）",
    "found unexpected ':'": "冒号的位置不对（值里有冒号时请给整个值加引号）",
    "while scanning a quoted scalar": "引号没有闭合",
}
# A plain YAML value may not start with these (or, for > and |, they start a block of text); such a value
# is written in quotes: op: ">=", unit: "%".
_SPECIAL_START = frozenset(">|%@`*&!,?#")
_KEY_VALUE = re.compile(r"^\s*(?:-\s+)?([^\s:#'\"][^:#]*?):\s+(.+?)\s*$")


def _quote_hint(text: str | None, line: int | None) -> str:
    """A hint for the line a YAML error points at, when its value needs quotes: "op: >=" → 请写成
    op: ">="."""
    if text is None or line is None:
        return ""
    lines = text.splitlines()
    if not 0 <= line < len(lines):
        return ""
    match = _KEY_VALUE.match(lines[line])
    if match is None:
        return ""
    key, value = match.group(1).strip(), match.group(2)
    if value[:1] in ("'", '"', "[", "{"):
        return ""  # quoted (maybe not closed: the message says so), or a list or mapping on one line
    if value[:1] in _SPECIAL_START or ": " in value:
        quoted = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'。提示：“{excerpt_text(value)}”含有 YAML 的特殊字符（如 >=、%、冒号），请加英文双引号，写成 {key}: "{excerpt_text(quoted)}"'
    return ""


def excerpt_text(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _yaml_message(exc: yaml.YAMLError, text: str | None = None) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = str(getattr(exc, "problem", None) or exc)
    context = str(getattr(exc, "context", None) or "")
    line = f"第{mark.line + 1}行" if mark is not None else "规则书"
    chinese = problem if not problem.isascii() else None  # our own constructors speak Chinese already
    if chinese is None:
        chinese = next((zh for en, zh in _YAML_PROBLEMS.items() if problem.startswith(en)), None)
    if chinese is None:
        chinese = next((zh for en, zh in _YAML_PROBLEMS.items() if context.startswith(en)), None)
    if chinese is None:
        chinese = "这一行的写法无法识别（检查缩进、冒号后的空格和引号）"
    hint = _quote_hint(text, mark.line if mark is not None else None)
    if not hint and mark is not None and mark.line > 0:  # the parser often notices on the next line
        hint = _quote_hint(text, mark.line - 1)
    return f"{line}: YAML 格式错误：{chinese}{hint}"


def _line_map(node: yaml.Node | None) -> dict[tuple[str | int, ...], int]:
    """Location path → 1-based line number, for every key and list item in the document."""
    lines: dict[tuple[str | int, ...], int] = {}
    if node is None:
        return lines
    stack: list[tuple[tuple[str | int, ...], yaml.Node]] = [((), node)]
    while stack:
        path, current = stack.pop()
        lines.setdefault(path, current.start_mark.line + 1)
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                if isinstance(key_node, yaml.ScalarNode):
                    child = (*path, str(key_node.value))
                    lines[child] = key_node.start_mark.line + 1
                    stack.append((child, value_node))
        elif isinstance(current, yaml.SequenceNode):
            for n, item in enumerate(current.value):
                stack.append(((*path, n), item))
    return lines


def load_rulebook_yaml(text: str) -> Rulebook:
    """Parse and validate a rulebook from YAML text; every problem becomes a RulebookError in Chinese."""
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise RulebookError([_yaml_message(exc, text)]) from None
    if data is None:
        raise RulebookError(["规则书: 内容为空"])
    return parse_rulebook(data, _lines=_line_map(node))


def load_rulebook_file(path: str | Path) -> Rulebook:
    """Load a rulebook YAML file (UTF-8); messages are prefixed with the file name."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise RulebookError([f"{path.name}: 文件不是 UTF-8 编码"]) from None
    try:
        return load_rulebook_yaml(text)
    except RulebookError as exc:
        raise RulebookError(
            [f"{path.name} {message}" for message in exc.messages],
            [f"{path.name} {message}" for message in exc.readable],
        ) from None
