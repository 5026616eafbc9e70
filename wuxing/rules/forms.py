from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from wuxing.core.forms import BoundedDateField, LongSelect, PlainDecimalField, PlainIntegerField, choice_field
from wuxing.core.uploads import check_evidence, check_xlsx_upload
from wuxing.orgs.models import AreaKind
from wuxing.rules.schema import VALUE_INT_DIGITS, VALUE_LIMIT, VALUE_PLACES, Rulebook
from wuxing.rules.services import display_value


class RatingFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("年度"), coerce=int)
    street = forms.ChoiceField(label=_("街道/镇"), required=False, widget=LongSelect)
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
        choice_field(self, "year").choices = [(y, f"{y}年") for y in years]
        choice_field(self, "street").choices = [("", _("全部"))] + [
            (str(pk), name) for pk, name in streets.values_list("pk", "name")
        ]


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
    activate = forms.BooleanField(label=_("立即启用（新年度即可开始填报）"), required=False, initial=True)


class ScoreEntryForm(forms.Form):
    """One field per indicator, grouped by star; validation is the engine's validate_value.

    Each field has a hidden twin ``o_<code>`` holding the value the editor was shown, so the service saves
    only what this editor changed and refuses a change to a value someone else changed meanwhile
    (services.save_scores ``expected``). Indicators the user may not enter (the rulebook's ``entered_by``)
    are shown read-only.
    """

    note = forms.CharField(label=_("填报说明"), max_length=300, required=False)

    def __init__(
        self,
        *args: Any,
        book: Rulebook,
        initial_values: dict[str, Any],
        may_enter: Callable[[Any], bool] = lambda _ind: True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.book = book
        self.groups: list[tuple[Any, list[tuple[Any, str]]]] = []
        for star in book.stars:
            names = []
            for ind in star.indicators:
                name = f"v_{ind.code}"
                label = ind.name + (f"（{ind.unit}）" if ind.unit else "")
                shown = display_value(ind, initial_values.get(ind.code))
                if ind.form == "yes_no":
                    field: forms.Field = forms.ChoiceField(
                        label=label, required=False, choices=[("", "—未填报—"), ("是", "是"), ("否", "否")]
                    )
                else:
                    # No server-side max_length: the engine's validate_value checks the length and
                    # form of the number itself and says what is wrong ("数字过大：最多 11 位整数").
                    field = forms.CharField(label=label, required=False)
                    field.widget.attrs.update({"inputmode": "decimal", "maxlength": "30"})
                self.initial[name] = shown
                field.help_text = f"{ind.entry_hint()}（{ind.form_label}）"
                if not may_enter(ind):
                    field.disabled = True
                    field.help_text += f"（{ind.entered_by_label}，您只能查看）"
                self.fields[name] = field
                self.fields[f"o_{ind.code}"] = forms.CharField(
                    widget=forms.HiddenInput, required=False, max_length=30, initial=shown
                )
                names.append((ind, name))
            self.groups.append((star, names))

    def error_summary(self) -> list[tuple[str, str, str]]:
        """After a failed save: (anchor id, star name, message) per field error, in the form's order, for
        the summary at the top of the page that links to each field."""
        out: list[tuple[str, str, str]] = []
        if not self.is_bound:
            return out
        for star, names in self.groups:
            for _ind, name in names:
                for message in self.errors.get(name, ()):
                    out.append((self[name].id_for_label, star.name, str(message)))
        return out

    def star_error_counts(self) -> dict[str, int]:
        """Star code → how many of its fields have an error (the star index shows them)."""
        return {
            star.code: sum(1 for _ind, name in names if name in self.errors)
            for star, names in self.groups
            if self.is_bound
        }

    def raw_values(self) -> dict[str, Any]:
        """The submitted values of the fields that were on the editor's page (each came with its hidden
        "was shown" twin); a field missing from the submission is left alone, never cleared."""
        return {
            name[2:]: self.cleaned_data.get(name, "")
            for name in self.fields
            if name.startswith("v_") and f"o_{name[2:]}" in self.data
        }

    def shown_values(self) -> dict[str, Any] | None:
        """What the editor was shown per indicator; None when the page sent none (an old page), which the
        view refuses rather than overwrite blindly."""
        shown = {
            name[2:]: self.data.get(name)
            for name in self.fields
            if name.startswith("o_") and name in self.data
        }
        return shown or None

    def show_current(self, current: dict[str, str]) -> None:
        """After a conflict: the hidden "was shown" values become the values now stored, so submitting
        again saves deliberately over them."""
        data = cast(Any, self.data).copy()
        for code, value in current.items():
            data[f"o_{code}"] = value
        self.data = data


class VetoForm(forms.Form):
    veto_code = forms.ChoiceField(label=_("否决事项"))
    occurred_on = BoundedDateField(label=_("发生日期"), widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label=_("情况说明"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, book: Rulebook, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "veto_code").choices = veto_choices(book)


def veto_choices(book: Rulebook) -> list[tuple[str, str]]:
    """One choice per veto code, in rulebook order, naming every star it voids: a code listed under two
    stars is one event that voids both ("发生亡人或伤人事故（否决：生态宜居星、平安法治星）")."""
    stars: dict[str, list[str]] = {}
    first: dict[str, Any] = {}
    for star in book.stars:
        for veto in star.vetoes:
            stars.setdefault(veto.code, []).append(star.name)
            first.setdefault(veto.code, veto)
    return [
        (
            code,
            f"{veto.name}（否决：{'、'.join(stars[code])}）" + ("（默认条目）" if veto.placeholder else ""),
        )
        for code, veto in first.items()
    ]


class ImportScoresForm(forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的 Excel 文件"))
        check_xlsx_upload(f)  # size and zip, before anything is unpacked
        return f


class EvidenceForm(forms.Form):
    indicator = forms.CharField(widget=forms.HiddenInput)
    file = forms.FileField(label=_("佐证材料"))

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        check_evidence(f)  # size, and the type by content (magic bytes), not by name
        return f


class TuneForm(forms.Form):
    """The numbers of a rulebook as a form: each star's 达标分 and each indicator's points, targets and
    counts, plus the reading of 支部过硬星's relation to the others. Saving makes a new version."""

    reading = forms.ChoiceField(label=_("星与星的关系（非官方，可选）"), required=False)
    note = forms.CharField(label=_("修订说明"), max_length=300, required=False)
    activate = forms.BooleanField(
        label=_("保存后立即启用（评定将按新版本计算）"), required=False, initial=True
    )

    FIELD_LABELS = {
        "min_points": "达标分",
        "max_points": "满分",
        "target": "门槛值",
        "points_each": "每次得分",
        "min_count": "最少次数",
    }

    def __init__(
        self, *args: Any, book: Rulebook, reading: str | None, readings: dict[str, str], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.book = book
        choice_field(self, "reading").choices = [("", _("保持不变")), *readings.items()]
        self.fields["reading"].help_text = _("当前：%(r)s") % {"r": readings.get(reading or "", _("自定义"))}
        self.groups: list[tuple[Any, list[tuple[Any, list[tuple[str, str]]]], str]] = []
        for star in book.stars:
            star_field = f"n__{star.code}__min_points"
            self.fields[star_field] = PlainDecimalField(
                label=_("达标分"),
                initial=star.award.min_points,
                min_value=0,
                int_digits=VALUE_INT_DIGITS,
                decimal_places=2,
            )
            rows = []
            for ind in star.indicators:
                names = []
                for field in ("max_points", "target", "points_each", "min_count"):
                    value = getattr(ind, field)
                    if value is None:
                        continue
                    name = f"n__{ind.code}__{field}"
                    if field == "min_count":
                        self.fields[name] = PlainIntegerField(
                            label=self.FIELD_LABELS[field], initial=value, max_value=VALUE_LIMIT - 1
                        )
                    else:
                        self.fields[name] = PlainDecimalField(
                            label=self.FIELD_LABELS[field]
                            + (f"（{ind.unit}）" if field == "target" and ind.unit else ""),
                            initial=value,
                            int_digits=VALUE_INT_DIGITS,
                            decimal_places=2 if field != "target" else VALUE_PLACES,
                        )
                    names.append((name, self.FIELD_LABELS[field]))
                rows.append((ind, names))
            self.groups.append((star, rows, star_field))

    def numbers(self) -> dict[tuple[str, str], Any]:
        out: dict[tuple[str, str], Any] = {}
        for name, value in self.cleaned_data.items():
            if name.startswith("n__"):
                _prefix, code, field = name.split("__")
                out[(code, field)] = value
        return out
