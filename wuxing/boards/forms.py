"""Forms of 补齐短板: every input bounded (core/forms.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wuxing.boards.models import NOTE_MAX, OWNER_MAX, TITLE_MAX, FocusArea, TrainingKind
from wuxing.core.dates import YEAR_MAX, YEAR_MIN
from wuxing.core.forms import BoundedDateField, PlainDecimalField, PlainIntegerField
from wuxing.core.money import YUAN_INT_DIGITS


class TaskForm(forms.Form):
    title = forms.CharField(label=_("任务"), max_length=TITLE_MAX)
    focus_area = forms.ModelChoiceField(
        label=_("重点领域"), queryset=FocusArea.objects.all(), required=False, empty_label=_("（不指定）")
    )
    owner = forms.CharField(label=_("责任人"), max_length=OWNER_MAX, required=False)
    deadline = BoundedDateField(label=_("完成时限"), widget=forms.DateInput(attrs={"type": "date"}))
    year = PlainIntegerField(label=_("年度"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    reason = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args: Any, area_kind: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if area_kind:
            field: Any = self.fields["focus_area"]
            field.queryset = FocusArea.objects.filter(area_kind__in=["", area_kind])


class FromGapsForm(forms.Form):
    year = PlainIntegerField(label=_("年度"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    deadline = BoundedDateField(
        label=_("完成时限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    owner = forms.CharField(label=_("责任人"), max_length=OWNER_MAX, required=False)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("进展情况"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.FileField(label=_("照片或文件"), required=False)


class CloseForm(NoteForm):
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2_000_000_000)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=200)
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2_000_000_000)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))


class VisitForm(forms.Form):
    visited_on = BoundedDateField(label=_("走访日期"), widget=forms.DateInput(attrs={"type": "date"}))
    money = PlainDecimalField(
        label=_("帮扶资金（元）"), int_digits=YUAN_INT_DIGITS, decimal_places=2, required=False, min_value=0
    )
    projects = forms.CharField(label=_("帮扶项目"), max_length=300, required=False)
    people = PlainIntegerField(label=_("参与人数"), max_value=9999, required=False)
    note = forms.CharField(label=_("说明"), max_length=NOTE_MAX, required=False)


class SessionForm(forms.Form):
    topic = forms.CharField(label=_("主题"), max_length=TITLE_MAX)
    kind = forms.ChoiceField(label=_("类型"), choices=TrainingKind.choices)
    held_on = BoundedDateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    hours = PlainDecimalField(label=_("学时"), int_digits=4, decimal_places=1, required=False, min_value=0)


class GroupForm(forms.Form):
    star_code = forms.ChoiceField(label=_("星"))
    leader = forms.CharField(label=_("专班组长"), max_length=OWNER_MAX)
    members = forms.CharField(label=_("成员"), max_length=500, required=False)
    duties = forms.CharField(
        label=_("职责"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    lock_version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=2_000_000_000
    )

    def __init__(self, *args: Any, stars: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["star_code"]
        field.choices = stars


class TaskEditForm(forms.Form):
    """Re-assign or re-date an open task (the street or the district)."""

    title = forms.CharField(label=_("任务"), max_length=TITLE_MAX)
    focus_area = forms.ModelChoiceField(
        label=_("重点领域"), queryset=FocusArea.objects.all(), required=False, empty_label=_("（不指定）")
    )
    owner = forms.CharField(label=_("责任人"), max_length=OWNER_MAX, required=False)
    deadline = BoundedDateField(label=_("完成时限"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("修改原因"), max_length=200, required=False)
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2_000_000_000)

    def __init__(self, *args: Any, area_kind: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if area_kind:
            field: Any = self.fields["focus_area"]
            field.queryset = FocusArea.objects.filter(area_kind__in=["", area_kind])
