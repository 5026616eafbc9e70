from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wuxing.competition.models import PolicyBasis, PolicyMode, WeakState
from wuxing.competition.parameters import DEFAULTS
from wuxing.core.forms import BoundedDateField, LongSelect, PlainDecimalField, PlainIntegerField, choice_field

YES_NO = [("1", _("是")), ("0", _("否"))]


def weight(label: Any) -> PlainDecimalField:
    return PlainDecimalField(
        label=label, int_digits=1, decimal_places=4, min_value=Decimal(0), max_value=Decimal(1)
    )


class ParametersForm(forms.Form):
    min_level = PlainIntegerField(label=_("参加月考评的最低星级（上一年度）"), min_value=0, max_value=5)
    drop_extremes_from = PlainIntegerField(
        label=_("观摩评分：评分人达到几人时去掉一个最高分和一个最低分"), min_value=3, max_value=99
    )
    monthly_weight = weight(_("季度排名中月考评权重（0–1）"))
    observation_weight = weight(_("季度排名中观摩权重（0–1）"))
    policy_basis = forms.ChoiceField(label=_("末位判定依据"), choices=PolicyBasis.choices)
    policy_mode = forms.ChoiceField(label=_("末位的范围"), choices=PolicyMode.choices)
    policy_n = PlainIntegerField(label=_("末位 N（名或百分比）"), min_value=1, max_value=100)
    policy_k = PlainIntegerField(
        label=_("连续末位期数 K（达到 K 期预警，K+1 期提出降档建议）"), min_value=1, max_value=12
    )
    goal_branch_level = PlainIntegerField(
        label=_("目标：每个村(社区)党组织至少达到的星级"), min_value=1, max_value=5
    )
    goal_street_five = PlainIntegerField(label=_("目标：每个街道(镇)五星党组织数"), min_value=0, max_value=50)
    goal_street_four = PlainIntegerField(label=_("目标：每个街道(镇)四星党组织数"), min_value=0, max_value=50)
    four_counts_five = forms.TypedChoiceField(
        label=_("超出五星目标的五星组织计入四星目标"), choices=YES_NO, coerce=lambda v: v == "1"
    )
    closest_count = PlainIntegerField(label=_("每个未达标目标列出的最接近组织数"), min_value=1, max_value=50)
    reason = forms.CharField(label=_("修改原因"), max_length=300, help_text=_("必填，记入修改记录"))
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2_000_000_000)

    @staticmethod
    def initial_from(row: Any) -> dict[str, Any]:
        data = {name: getattr(row, name) for name in DEFAULTS}
        data["four_counts_five"] = "1" if row.four_counts_five else "0"
        return data

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in DEFAULTS}


class ChecklistForm(forms.Form):
    items = forms.CharField(
        label=_("考评项目"), widget=forms.Textarea(attrs={"rows": 8}), max_length=5000,
        help_text=_("每行一项：编码|项目|分值，分值合计 100"),
    )  # fmt: skip
    reason = forms.CharField(label=_("修改原因"), max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=1_000_000)


class MonthlyImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))
    reason = forms.CharField(label=_("说明"), max_length=300, required=False)


class EventForm(forms.Form):
    title = forms.CharField(label=_("名称"), max_length=100)
    held_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    organiser = forms.TypedChoiceField(label=_("组织者"), coerce=int)
    orgs = forms.CharField(
        label=_("观摩路线（组织编码，按顺序，逗号或换行分隔）"), widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )  # fmt: skip
    observers = forms.CharField(
        label=_("评分人（每行一人）"), widget=forms.Textarea(attrs={"rows": 4}), max_length=3000
    )

    def __init__(self, *args: Any, organisers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organiser"].choices = organisers  # type: ignore[attr-defined]


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", _("确认降档")), ("reject", _("不采纳"))])
    comment = forms.CharField(label=_("决定说明"), max_length=500)
    lock_version = forms.IntegerField(min_value=0, max_value=2_000_000_000)


class ReserveForm(forms.Form):
    org = forms.CharField(label=_("组织编码"), max_length=32)
    target_level = PlainIntegerField(label=_("目标星级"), min_value=2, max_value=5, initial=5)
    cadre = forms.CharField(label=_("责任干部"), max_length=50)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class WeakForm(forms.Form):
    org = forms.CharField(label=_("组织编码"), max_length=32)
    designated_on = forms.DateField(label=_("认定日期"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("认定原因"), max_length=300)
    plan = forms.CharField(
        label=_("整顿方案"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=3000
    )


class WeakUpdateForm(forms.Form):
    state = forms.ChoiceField(label=_("状态"), choices=WeakState.choices)
    plan = forms.CharField(
        label=_("整顿方案"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=3000
    )
    comment = forms.CharField(label=_("说明"), max_length=300)
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2_000_000_000)


class RankingFilterForm(forms.Form):
    """The rankings pages' filters: a street (of those in the ranking the user sees) and a search."""

    street = forms.ChoiceField(label=_("街道/镇"), required=False, widget=LongSelect)
    q = forms.CharField(label=_("组织名称或编码"), required=False, max_length=50, strip=True)

    def __init__(self, *args: Any, streets: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "street").choices = [("", _("全部")), *streets]


def item_field_name(code: str) -> str:
    return f"item_{code}"


class MonthlyScoreForm(forms.Form):
    """One organisation's month (§81): one field per checklist item, checked as the import checks a row
    (services.MonthlyChecks: 0–the item's points, at most two decimals, errors naming the item)."""

    scored_by = forms.CharField(label=_("评分人/评分组"), max_length=100, required=False)
    reason = forms.CharField(
        label=_("修改原因"),
        max_length=300,
        required=False,
        help_text=_("修改已录入的得分时必填，记入修改记录"),
    )
    lock_version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=2_000_000_000
    )

    def __init__(self, *args: Any, checklist: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = [(i["code"], i["name"], Decimal(str(i["points"]))) for i in checklist.items]
        fields = {}
        for code, name, points in self.items:
            fields[item_field_name(code)] = forms.CharField(
                label=_("%(name)s（满分 %(points)s）") % {"name": name, "points": points},
                max_length=20,
                required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}),
            )
        # the items first, in the checklist's order
        self.fields = {**fields, **self.fields}

    def clean(self) -> dict[str, Any]:
        from wuxing.competition.services import monthly_points
        from wuxing.core.excel import RowError

        cleaned: dict[str, Any] = super().clean() or {}
        for code, name, points in self.items:
            key = item_field_name(code)
            if key in self.errors:
                continue
            try:
                cleaned[key] = monthly_points(cleaned.get(key), points, key, name)
            except RowError as exc:
                self.add_error(key, exc.message)
        return cleaned

    def item_values(self) -> dict[str, str]:
        return {code: str(self.cleaned_data[item_field_name(code)]) for code, _n, _p in self.items}

    def expected_version(self) -> int | None:
        version: int | None = self.cleaned_data.get("lock_version")
        return version


class EventEditForm(forms.Form):
    """Correct an event's details and route (§82)."""

    title = forms.CharField(label=_("名称"), max_length=100)
    held_on = BoundedDateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    orgs = forms.CharField(
        label=_("观摩路线（组织编码，按顺序，逗号或换行分隔）"), widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )  # fmt: skip
    observers = forms.CharField(
        label=_("评分人（每行一人）"), widget=forms.Textarea(attrs={"rows": 4}), max_length=3000
    )
    reason = forms.CharField(label=_("修改原因"), max_length=200)
    drop_scores = forms.BooleanField(
        label=_("同时删除被移出的组织和评分人的评分"), required=False,
        help_text=_("不勾选时，移出已有评分的组织或评分人会被拒绝"),
    )  # fmt: skip
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2_000_000_000)


class ObservationImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))
    reason = forms.CharField(label=_("说明"), max_length=200, required=False)
