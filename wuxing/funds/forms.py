from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wuxing.core.forms import PlainDecimalField, PlainIntegerField
from wuxing.funds.models import SecretaryRule

PERCENT_FIELDS = ("subsidy_rate", "allowance_uplift_rate")  # shown and entered in per cent


def money(label: Any, required: bool = True, help_text: Any = "") -> PlainDecimalField:
    return PlainDecimalField(
        label=label, int_digits=9, decimal_places=2, min_value=Decimal(0), required=required,
        help_text=help_text,
    )  # fmt: skip


def percent(label: Any) -> PlainDecimalField:
    return PlainDecimalField(
        label=label, int_digits=3, decimal_places=2, min_value=Decimal(0), max_value=Decimal(100)
    )


YES_NO = [("1", _("是")), ("0", _("否"))]


class ParametersForm(forms.Form):
    village_operating = money(_("村级组织运转经费（元/年）"))
    village_operating_before = money(_("原村级运转经费（元/年）"))
    community_operating = money(_("社区运转经费（元/年）"))
    community_operating_before = money(_("原社区运转经费（元/年）"))
    subsidy_rate = percent(_("创建经费奖补比例（%）"))
    subsidy_min_level = PlainIntegerField(label=_("创建经费奖补最低星级"), min_value=1, max_value=5)
    three_star_reward = money(_("三星支部奖励（元）"))
    three_star_levels = forms.CharField(
        label=_("支部奖励适用星级"), max_length=20, help_text=_("逗号分隔，如“3”或“3,4,5”")
    )
    allowance_uplift_rate = percent(_("“两委”成员补贴提高比例（%）"))
    allowance_levels = forms.CharField(
        label=_("补贴提高适用星级"), max_length=20, help_text=_("逗号分隔，如“3”或“3,4,5”")
    )
    base_allowance = money(_("“两委”成员基本补贴（元/人·年）"), required=False, help_text=_("区委组织部录入"))
    run_years = PlainIntegerField(label=_("连续年数"), min_value=2, max_value=10)
    zhengke_salary = money(
        _("正科级事业人员工资标准（元/年）"), required=False, help_text=_("区委组织部录入")
    )
    fuke_salary = money(_("副科级事业人员工资标准（元/年）"), required=False, help_text=_("区委组织部录入"))
    secretary_rule = forms.ChoiceField(label=_("书记任期变动时"), choices=SecretaryRule.choices)
    removal_breaks_run = forms.TypedChoiceField(
        label=_("摘星中断连续年数"), choices=YES_NO, coerce=lambda v: v == "1"
    )
    mixed_run_counts = forms.TypedChoiceField(
        label=_("四、五星交替计为“四星及以上连续”"), choices=YES_NO, coerce=lambda v: v == "1"
    )
    reason = forms.CharField(label=_("修改原因"), max_length=300, help_text=_("必填，记入修改记录"))
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2_000_000_000)

    @staticmethod
    def initial_from(row: Any) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name in ParametersForm.base_fields:
            if name in ("reason",):
                continue
            value = getattr(row, name)
            if name in PERCENT_FIELDS:
                value = f"{(value * 100).normalize():f}"
            elif isinstance(value, bool):
                value = "1" if value else "0"
            data[name] = value
        return data

    def values(self) -> dict[str, Any]:
        out = {k: v for k, v in self.cleaned_data.items() if k not in ("reason", "lock_version")}
        for name in PERCENT_FIELDS:
            out[name] = (out[name] / 100).quantize(Decimal("0.0001"))
        return out


class HistoryImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))
    reason = forms.CharField(label=_("说明"), max_length=300, required=False)


class ClaimForm(forms.Form):
    org = forms.TypedChoiceField(label=_("组织"), coerce=int)
    year = PlainIntegerField(label=_("年度"), min_value=1900, max_value=2100)
    amount = money(_("支出金额（元）"))
    description = forms.CharField(label=_("支出内容"), max_length=300)
    receipt = forms.FileField(label=_("票据（PDF、图片、Word 或 Excel）"))

    def __init__(self, *args: Any, orgs: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["org"]
        field.choices = orgs


class ClaimActionForm(forms.Form):
    comment = forms.CharField(label=_("意见"), max_length=500, required=False)
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2_000_000_000)


class ClaimResubmitForm(forms.Form):
    amount = money(_("支出金额（元）"))
    description = forms.CharField(label=_("支出内容"), max_length=300)
    receipt = forms.FileField(label=_("新票据（不更换可不选）"), required=False)
    comment = forms.CharField(label=_("更正说明"), max_length=300, required=False)
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2_000_000_000)
