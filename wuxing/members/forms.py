"""Forms of 发展党员: every input bounded (core/forms.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wuxing.core.dates import YEAR_MAX, YEAR_MIN
from wuxing.core.forms import BoundedDateField, PlainIntegerField
from wuxing.members import steps
from wuxing.members.models import Education, Sex
from wuxing.orgs.models import OrgUnit

DATE = forms.DateInput(attrs={"type": "date"})
VERSION = {"widget": forms.HiddenInput, "min_value": 0, "max_value": 2_000_000_000}


class ApplicantForm(forms.Form):
    org = forms.ModelChoiceField(label=_("党组织"), queryset=OrgUnit.objects.none())
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号"), max_length=18, min_length=18)
    sex = forms.ChoiceField(label=_("性别"), choices=Sex.choices)
    birth_date = BoundedDateField(label=_("出生日期"), widget=DATE)
    education = forms.ChoiceField(label=_("学历"), choices=Education.choices)
    occupation = forms.CharField(label=_("职业"), max_length=50, required=False)
    front_line = forms.BooleanField(label=_("生产工作一线"), required=False)
    wealth_leader = forms.BooleanField(label=_("致富带头人"), required=False)

    def __init__(self, *args: Any, orgs: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["org"]
        field.queryset = orgs if orgs is not None else OrgUnit.objects.none()


class ApplicantEditForm(ApplicantForm):
    """Correcting a person's details (decisions §80): the identity number is never sent to the page; left
    empty it stays as it is."""

    reason = forms.CharField(label=_("修改理由"), max_length=300)
    lock_version = forms.IntegerField(**VERSION)  # type: ignore[arg-type]

    def __init__(self, *args: Any, masked: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["id_number"]
        field.required = False
        field.min_length = None
        field.validators = []
        field.label = _("新身份证号（不修改请留空）")
        field.help_text = _("现为 %(masked)s") % {"masked": masked} if masked else ""

    def clean_id_number(self) -> str:
        value = str(self.cleaned_data.get("id_number") or "").strip()
        if value and len(value) != 18:
            raise forms.ValidationError(_("身份证号应为 18 位"))
        return value


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回理由"), max_length=300)
    lock_version = forms.IntegerField(**VERSION)  # type: ignore[arg-type]


class StepForm(forms.Form):
    step = forms.TypedChoiceField(
        label=_("步骤"), coerce=int, choices=[(s.n, s.label) for s in steps.all_steps().values()]
    )
    done_on = BoundedDateField(label=_("日期"), widget=DATE)
    done_by = forms.CharField(label=_("经办人"), max_length=50, required=False)
    documents = forms.CharField(label=_("材料"), max_length=300, required=False)
    decision = forms.CharField(label=_("结论/决定"), max_length=300, required=False)
    comment = forms.CharField(
        label=_("说明"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    entitled = PlainIntegerField(label=_("应到会有表决权的正式党员"), max_value=9999, required=False)
    present = PlainIntegerField(label=_("实到会有表决权的党员"), max_value=9999, required=False)
    votes_for = PlainIntegerField(label=_("赞成票（含书面意见）"), max_value=9999, required=False)
    training_days = PlainIntegerField(label=_("集中培训天数"), max_value=365, required=False)
    training_hours = PlainIntegerField(label=_("集中培训学时"), max_value=9999, required=False)
    sponsor_1 = forms.CharField(label=_("入党介绍人（一）"), max_length=50, required=False)
    sponsor_2 = forms.CharField(label=_("入党介绍人（二）"), max_length=50, required=False)
    sponsors_full = forms.BooleanField(label=_("两名介绍人均为正式党员"), required=False)
    special_reason = forms.CharField(label=_("超过三个月审批的特殊情况说明"), max_length=300, required=False)
    override_reason = forms.CharField(
        label=_("越过规则的理由（仅区委组织部）"), max_length=500, required=False
    )
    lock_version = forms.IntegerField(**VERSION)  # type: ignore[arg-type]

    def step_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        data: dict[str, Any] = {}
        for key in ("entitled", "present", "votes_for", "training_days", "training_hours"):
            if d.get(key) is not None:
                data[key] = d[key]
        sponsors = [s for s in (d.get("sponsor_1", "").strip(), d.get("sponsor_2", "").strip()) if s]
        if sponsors or d.get("sponsors_full"):
            data["sponsors"] = sponsors
            data["sponsors_full"] = bool(d.get("sponsors_full"))
        if d.get("special_reason", "").strip():
            data["special_reason"] = d["special_reason"].strip()
        return data


class ExtensionForm(forms.Form):
    done_on = BoundedDateField(label=_("批准延长日期"), widget=DATE)
    months = PlainIntegerField(label=_("延长月数"), min_value=0, max_value=99)
    comment = forms.CharField(label=_("说明"), max_length=500, required=False)
    override_reason = forms.CharField(
        label=_("越过规则的理由（仅区委组织部）"), max_length=500, required=False
    )
    lock_version = forms.IntegerField(**VERSION)  # type: ignore[arg-type]


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("文书"), choices=[(k, d.name) for k, d in steps.doc_kinds().items()])
    number = forms.CharField(label=_("文号"), max_length=60, required=False)
    dated = BoundedDateField(label=_("日期（公示为开始日期）"), widget=DATE)
    ends_on = BoundedDateField(label=_("公示截止日期"), widget=DATE, required=False)
    comment = forms.CharField(label=_("说明"), max_length=300, required=False)
    override_reason = forms.CharField(
        label=_("越过规则的理由（仅区委组织部）"), max_length=500, required=False
    )
    lock_version = forms.IntegerField(**VERSION)  # type: ignore[arg-type]


class QuotaForm(forms.Form):
    org = forms.ModelChoiceField(label=_("党组织"), queryset=OrgUnit.objects.none())
    year = PlainIntegerField(label=_("年度"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    count = PlainIntegerField(label=_("发展计划名额"), max_value=999)
    reason = forms.CharField(label=_("依据"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["org"]
        field.queryset = OrgUnit.objects.branches().order_by("path")


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))
    reason = forms.CharField(label=_("说明"), max_length=200, required=False)
