from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wuxing.orgs.models import AreaKind
from wuxing.rules.schema import Rulebook


class RatingFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int)
    street = forms.ChoiceField(label=_("街道/镇"), required=False)
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部")), *list(AreaKind.choices)]
    )
    level = forms.ChoiceField(
        label=_("星级"),
        required=False,
        choices=[("", _("全部"))] + [(str(i), f"{i}星") for i in range(5, -1, -1)],
    )
    q = forms.CharField(label=_("搜索"), required=False)

    def __init__(self, *args: Any, years: list[int], streets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, f"{y}年") for y in years]
        self.fields["street"].choices = [("", _("全部"))] + [(str(s.pk), s.name) for s in streets]


class RulebookYamlForm(forms.Form):
    content = forms.CharField(
        label=_("细则内容（YAML）"),
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false", "class": "mono"}),
    )
    note = forms.CharField(label=_("修订说明"), max_length=300, required=False)
    activate = forms.BooleanField(
        label=_("保存后立即启用（评定将按此版本计算）"), required=False, initial=True
    )


class RulebookUploadForm(forms.Form):
    file = forms.FileField(label=_("YAML 文件"))
    note = forms.CharField(label=_("修订说明"), max_length=300, required=False)
    activate = forms.BooleanField(label=_("加载后立即启用"), required=False, initial=True)

    def clean_file(self) -> str:
        f = self.cleaned_data["file"]
        if f.size > 1024 * 1024:
            raise forms.ValidationError(_("文件不能超过 1MB"))
        try:
            return f.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(_("文件不是 UTF-8 编码的文本")) from exc


class CloneForm(forms.Form):
    year = forms.IntegerField(label=_("新年度"), min_value=2000, max_value=2100)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class ScoreEntryForm(forms.Form):
    """One field per indicator, grouped by star; validation is the engine's validate_value."""

    note = forms.CharField(label=_("填报说明"), max_length=300, required=False)

    def __init__(self, *args: Any, book: Rulebook, initial_values: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.book = book
        self.groups: list[tuple[Any, list[tuple[Any, str]]]] = []
        for star in book.stars:
            names = []
            for ind in star.indicators:
                name = f"v_{ind.code}"
                label = ind.name + (f"（{ind.unit}）" if ind.unit else "")
                if ind.form == "yes_no":
                    field: forms.Field = forms.ChoiceField(
                        label=label, required=False, choices=[("", "—未填报—"), ("是", "是"), ("否", "否")]
                    )
                    init = initial_values.get(ind.code)
                    self.initial[name] = "" if init is None else ("是" if init else "否")
                else:
                    field = forms.CharField(label=label, required=False, max_length=30)
                    field.widget.attrs["inputmode"] = "decimal"
                    init = initial_values.get(ind.code)
                    self.initial[name] = "" if init is None else str(init)
                field.help_text = f"{ind.form_label}：{ind.requirement_text()}"
                self.fields[name] = field
                names.append((ind, name))
            self.groups.append((star, names))

    def raw_values(self) -> dict[str, Any]:
        return {name[2:]: self.cleaned_data.get(name, "") for name in self.fields if name.startswith("v_")}


class VetoForm(forms.Form):
    veto_code = forms.ChoiceField(label=_("否决事项"))
    occurred_on = forms.DateField(label=_("发生日期"), widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label=_("情况说明"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, book: Rulebook, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["veto_code"].choices = [
            (v.code, f"{s.name}：{v.name}" + ("（默认条目）" if v.placeholder else ""))
            for s in book.stars
            for v in s.vetoes
        ]


class ImportScoresForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的 Excel 文件"))
        return f


class EvidenceForm(forms.Form):
    indicator = forms.CharField(widget=forms.HiddenInput)
    file = forms.FileField(label=_("佐证材料"))

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("文件不能超过 20MB"))
        allowed = (".jpg", ".jpeg", ".png", ".pdf", ".doc", ".docx", ".xls", ".xlsx")
        if not f.name.lower().endswith(allowed):
            raise forms.ValidationError(_("只接受图片、PDF、Word、Excel 文件"))
        return f
