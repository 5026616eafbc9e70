from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wuxing.core.forms import (
    BoundedDateField,
    LongSelect,
    PlainIntegerField,
    VersionedFormMixin,
    choice_field,
    model_choice_field,
)
from wuxing.core.text import normalize_text
from wuxing.core.uploads import check_xlsx_upload
from wuxing.orgs.models import (
    MEMBER_COUNT_MAX,
    AreaKind,
    BranchType,
    DispatchedUnit,
    Level,
    OrgUnit,
    Person,
    Post,
)

REASON_FIELD_KW: dict[str, Any] = {
    "label": _("修改原因"),
    "required": False,
    "max_length": 200,
    "help_text": _("选填，将记入变更历史"),
}


class NormalizingMixin:
    """Full-width digits and stray spaces are tolerated in every text input."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # type: ignore[misc]
        for key, value in list(cleaned.items()):
            if isinstance(value, str):
                cleaned[key] = normalize_text(value)
        return cleaned


class BranchForm(VersionedFormMixin, NormalizingMixin, forms.ModelForm):
    parent = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label=_("所属街道/镇"), empty_label=None)
    member_count = PlainIntegerField(label=_("党员人数"), max_value=MEMBER_COUNT_MAX, initial=0)
    reason = forms.CharField(**REASON_FIELD_KW)

    class Meta:
        model = OrgUnit
        fields = ["code", "name", "area_kind", "branch_type", "member_count", "assigned_unit"]

    def __init__(self, *args: Any, streets: Any = None, can_assign_unit: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "parent").queryset = (
            streets if streets is not None else OrgUnit.objects.streets()
        )
        model_choice_field(self, "assigned_unit").queryset = DispatchedUnit.objects.all()
        if not can_assign_unit:  # 分包 is assigned by the district
            self.fields["assigned_unit"].disabled = True
            self.fields["assigned_unit"].help_text = _("由区委组织部分配")
        choice_field(self, "area_kind").choices = AreaKind.choices
        choice_field(self, "branch_type").choices = BranchType.choices
        self.fields["area_kind"].required = True
        self.fields["branch_type"].required = True
        if self.instance.pk:
            self.fields["parent"].initial = OrgUnit.objects.get_parent(self.instance)
        for name in ("code", "name"):
            self.fields[name].widget.attrs["autocomplete"] = "off"

    def clean_code(self) -> str:
        return normalize_text(self.cleaned_data["code"]).upper()


class StreetForm(VersionedFormMixin, NormalizingMixin, forms.ModelForm):
    reason = forms.CharField(**REASON_FIELD_KW)

    class Meta:
        model = OrgUnit
        fields = ["code", "name", "street_kind"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["street_kind"].required = True

    def clean_code(self) -> str:
        return normalize_text(self.cleaned_data["code"]).upper()


class OrgFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False)
    street = forms.ModelChoiceField(
        widget=LongSelect,
        queryset=OrgUnit.objects.none(),
        label=_("街道/镇"),
        required=False,
        empty_label=_("全部"),
    )
    area_kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部")), *list(AreaKind.choices)]
    )
    branch_type = forms.ChoiceField(
        label=_("组织形式"), required=False, choices=[("", _("全部")), *list(BranchType.choices)]
    )
    unit = forms.ModelChoiceField(
        queryset=DispatchedUnit.objects.none(), label=_("分包单位"), required=False, empty_label=_("全部")
    )
    demo = forms.ChoiceField(
        label=_("数据来源"),
        required=False,
        choices=[("", _("全部")), ("real", _("真实名称")), ("demo", _("演示虚构"))],
    )
    star_level = forms.TypedChoiceField(
        label=_("星级"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("全部"))] + [(str(i), f"{i}星") for i in range(5, -1, -1)],
    )

    def __init__(self, *args: Any, streets: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "street").queryset = streets
        model_choice_field(self, "unit").queryset = units


class PersonForm(VersionedFormMixin, NormalizingMixin, forms.ModelForm):
    reason = forms.CharField(**REASON_FIELD_KW)

    class Meta:
        model = Person
        fields = ["name", "gender", "birth_date", "phone", "home_org"]
        field_classes = {"birth_date": BoundedDateField}
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, orgs: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = orgs if orgs is not None else OrgUnit.objects.branches()
        model_choice_field(self, "home_org").queryset = qs.filter(level=Level.BRANCH)

    def clean_phone(self) -> str:
        phone = normalize_text(self.cleaned_data.get("phone", "")).replace(" ", "").replace("-", "")
        if phone and (not (phone.isascii() and phone.isdigit()) or len(phone) not in (7, 8, 11, 12)):
            raise forms.ValidationError(_("手机号应为 11 位数字"))
        return phone


class PostForm(VersionedFormMixin, NormalizingMixin, forms.ModelForm):
    reason = forms.CharField(**REASON_FIELD_KW)

    class Meta:
        model = Post
        fields = ["person", "role", "start_date", "end_date", "on_street_leadership"]
        field_classes = {"start_date": BoundedDateField, "end_date": BoundedDateField}
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, people: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if people is not None:
            model_choice_field(self, "person").queryset = people

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("离任日期不能早于任职日期"))
        return cleaned


class UnitForm(VersionedFormMixin, NormalizingMixin, forms.ModelForm):
    reason = forms.CharField(**REASON_FIELD_KW)

    class Meta:
        model = DispatchedUnit
        fields = ["code", "name", "contact", "phone"]


class DeleteForm(forms.Form):
    reason = forms.CharField(label=_("删除原因"), max_length=200)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的 Excel 文件"))
        check_xlsx_upload(f)  # size and zip, before anything is unpacked
        return f
