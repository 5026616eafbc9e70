"""Forms of the yearly review. Every form that changes an assessment carries the lock_version it was
shown (core.forms.VersionedFormMixin): a stale page is refused with the other person's change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wuxing.core.dates import YEAR_MAX, YEAR_MIN
from wuxing.core.forms import BoundedDateField, PlainIntegerField, VersionedFormMixin
from wuxing.orgs.models import AreaKind
from wuxing.reviews.models import Assessment


class OpenCycleForm(forms.Form):
    year = PlainIntegerField(label=_("年度"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    kind = forms.ChoiceField(label=_("适用类型"), choices=AreaKind.choices)
    self_deadline = BoundedDateField(
        label=_("自评截止"), required=False, help_text=_("留空：启动后 15 个工作日（默认，非官方）")
    )
    street_deadline = BoundedDateField(
        label=_("街道初评截止"), required=False, help_text=_("留空：自评截止后 10 个工作日（默认，非官方）")
    )
    district_deadline = BoundedDateField(
        label=_("区级审核截止"), required=False, help_text=_("留空：初评截止后 10 个工作日（默认，非官方）")
    )
    notice_workdays = PlainIntegerField(
        label=_("公示期（工作日）"), min_value=1, max_value=60, initial=5, required=False
    )
    comment = forms.CharField(label=_("说明"), max_length=300, required=False)

    def deadlines(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            key: data.get(key)
            for key in ("self_deadline", "street_deadline", "district_deadline", "notice_workdays")
        }


class TargetForm(VersionedFormMixin, forms.ModelForm):
    target_level = PlainIntegerField(label=_("目标星级"), min_value=0, max_value=5, required=False)

    class Meta:
        model = Assessment
        fields = ["target_level"]


class ActionForm(VersionedFormMixin, forms.ModelForm):
    """submit / return / forward / approve: an optional comment (mandatory for a return)."""

    comment_text = forms.CharField(label=_("意见"), max_length=500, required=False)

    class Meta:
        model = Assessment
        fields: list[str] = []


class ValueChangeForm(forms.Form):
    indicator = forms.CharField(max_length=64)
    value = forms.CharField(label=_("新值"), max_length=40, required=False)
    shown = forms.CharField(max_length=40, required=False)
    reason = forms.CharField(label=_("理由"), max_length=300)


class NoticeForm(forms.Form):
    start = BoundedDateField(label=_("公示开始日期"), help_text=_("非工作日时从其后第一个工作日起算"))
    comment = forms.CharField(label=_("说明"), max_length=300, required=False)


class ObjectionForm(forms.Form):
    org = forms.TypedChoiceField(label=_("组织"), coerce=int)
    raised_on = BoundedDateField(label=_("提出日期"))
    text = forms.CharField(label=_("异议内容"), max_length=500)

    def __init__(self, *args: Any, orgs: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = orgs  # type: ignore[attr-defined]


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("处理结果"), max_length=500)


class StarRemovalForm(forms.Form):
    star_code = forms.ChoiceField(label=_("摘除的星"))
    removed_on = BoundedDateField(label=_("摘星日期"))
    reason = forms.CharField(label=_("原因"), max_length=300)
    veto_event = forms.TypedChoiceField(
        label=_("依据的一票否决事项"), coerce=int, required=False, empty_value=None
    )

    def __init__(
        self, *args: Any, stars: list[tuple[str, str]], vetoes: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["star_code"].choices = stars  # type: ignore[attr-defined]
        self.fields["veto_event"].choices = [("", "—"), *vetoes]  # type: ignore[attr-defined]
