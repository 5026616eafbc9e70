"""Forms of the yearly review. Every form that changes an assessment carries the lock_version it was
shown (core.forms.VersionedFormMixin): a stale page is refused with the other person's change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from wuxing.core.dates import YEAR_MAX, YEAR_MIN
from wuxing.core.forms import BoundedDateField, PlainIntegerField, VersionedFormMixin
from wuxing.core.uploads import EVIDENCE_TYPES_TEXT, check_evidence
from wuxing.orgs.models import AreaKind
from wuxing.reviews.models import Assessment, ReviewCycle


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


ISO_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DeadlinesForm(VersionedFormMixin, forms.ModelForm):
    """The district changes an open cycle's deadlines (services.change_deadlines checks the order, the
    notice and the version); shown with the current values and the version they were read at."""

    self_deadline = BoundedDateField(label=_("自评截止"), widget=ISO_DATE)
    street_deadline = BoundedDateField(label=_("街道初评截止"), widget=ISO_DATE)
    district_deadline = BoundedDateField(label=_("区级审核截止"), widget=ISO_DATE)
    notice_workdays = PlainIntegerField(label=_("公示期（工作日）"), min_value=1, max_value=60)
    reason = forms.CharField(label=_("修改原因"), max_length=300, help_text=_("必填，记入办理记录"))

    class Meta:
        model = ReviewCycle
        fields = ["self_deadline", "street_deadline", "district_deadline", "notice_workdays"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.notice_start is not None:
            self.fields["notice_workdays"].disabled = True
            self.fields["notice_workdays"].help_text = _("公示已经开始，公示期不能再修改")

    def _post_clean(self) -> None:
        """The service assigns and validates (ordering errors name their field there); the form does
        not write its values onto the instance, so a refused change leaves the shown row untouched."""

    def changes(self) -> dict[str, Any]:
        return {key: self.cleaned_data.get(key) for key in self.Meta.fields}


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
    """A removal needs its evidence: a file, a recorded veto event, or both (at least one)."""

    star_code = forms.ChoiceField(label=_("摘除的星"))
    removed_on = BoundedDateField(label=_("摘星日期"))
    reason = forms.CharField(label=_("原因"), max_length=300)
    veto_event = forms.TypedChoiceField(
        label=_("依据的一票否决事项"), coerce=int, required=False, empty_value=None
    )
    evidence = forms.FileField(
        label=_("佐证材料"),
        required=False,
        help_text=format_lazy("{}{}", _("佐证材料与一票否决事项至少提供一项；可上传 "), EVIDENCE_TYPES_TEXT),
    )

    def clean_evidence(self) -> Any:
        f = self.cleaned_data.get("evidence")
        if f:
            check_evidence(f)  # size, and the type by content (magic bytes), not by name
        return f or None

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if not self.has_error("evidence") and not cleaned.get("evidence") and not cleaned.get("veto_event"):
            self.add_error("evidence", _("摘星须有依据：请上传佐证材料，或选择已登记的一票否决事项"))
        return cleaned

    def __init__(
        self, *args: Any, stars: list[tuple[str, str]], vetoes: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["star_code"].choices = stars  # type: ignore[attr-defined]
        self.fields["veto_event"].choices = [("", "—"), *vetoes]  # type: ignore[attr-defined]
