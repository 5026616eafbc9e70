"""Shared form fields and helpers.

``PlainIntegerField`` and ``BoundedDateField`` bound what people type: a number is checked as text
before it is converted, a year lies in 1900–2100. ``VersionedFormMixin`` and ``show_conflict`` carry
the optimistic lock of an edit form (core.locking).

django-stubs types ``form.fields[name]`` as the base ``Field``, which has no ``choices`` or ``queryset``;
``choice_field`` and ``model_choice_field`` say which kind of field a name is (a cast: nothing is
checked or converted at run time).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from django import forms

from wuxing.core.dates import DateError, check_year
from wuxing.core.numbers import NumberError, parse_decimal, parse_whole


class LongSelect(forms.Select):
    """A select whose options are written straight out, not through one template render per option: a
    filter listing a province's streets (a thousand options) renders in about a millisecond instead of a
    tenth of a second. Same markup as forms.Select for flat choices (no option groups)."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> Any:
        from django.forms.utils import flatatt
        from django.utils.html import format_html, format_html_join

        chosen = {str(v) for v in (value if isinstance(value, list | tuple) else [value]) if v is not None}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((v, " selected" if str(v) in chosen else "", label) for v, label in self.choices),
        )
        final = self.build_attrs(self.attrs, attrs or {})
        final["name"] = name
        return format_html("<select{}>{}</select>", flatatt(final), options)


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def model_choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    return cast("forms.ModelChoiceField[Any]", form.fields[name])


class VersionedFormMixin:
    """A model form that sends back the ``lock_version`` its editor was shown (a hidden field), so the
    service can refuse a stale save (core.locking). Required when editing an existing row: a page that
    lost it is refused rather than allowed to overwrite blindly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form: Any = self
        self._editing = getattr(form.instance, "pk", None) is not None
        form.fields["lock_version"] = forms.IntegerField(
            widget=forms.HiddenInput, required=False, min_value=0, max_value=2_000_000_000
        )
        if self._editing:
            form.initial["lock_version"] = form.instance.lock_version

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        if self._editing and cleaned.get("lock_version") is None:
            # shown at the top of the form (a hidden field's own error would not be seen)
            self.add_error(None, "页面已过期（缺少版本号），请刷新页面后重新修改")  # type: ignore[attr-defined]
        return cleaned

    def expected_version(self) -> int | None:
        form: Any = self
        version: int | None = form.cleaned_data.get("lock_version")
        return version


def show_conflict(form: forms.BaseForm, exc: Any) -> None:
    """Put an EditConflict on the form: the message (who changed what) as a form error, and the hidden
    lock_version moved to the current one, so that submitting again — after reading the other person's
    change — saves deliberately."""
    form.add_error(None, exc.messages[0])
    data = cast(Any, form.data).copy()
    data["lock_version"] = str(exc.current.lock_version)
    form.data = data


class PlainIntegerField(forms.IntegerField):
    """A whole number between min_value and max_value, checked as text before it is converted
    (wuxing.core.numbers): full-width digits and thousands separators are fine, exponent notation and
    absurdly long input get their own Chinese message instead of a giant int()."""

    def __init__(self, *, min_value: int = 0, max_value: int, **kwargs: Any) -> None:
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)
        self.widget.attrs.setdefault("inputmode", "numeric")

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        assert self.max_value is not None and self.min_value is not None
        try:
            return parse_whole(value, max_value=int(self.max_value), min_value=int(self.min_value))
        except NumberError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None


class PlainDecimalField(forms.DecimalField):
    """A decimal number with at most ``int_digits`` digits before the point and ``decimal_places`` after,
    checked as text before it is converted (wuxing.core.numbers), like PlainIntegerField."""

    def __init__(self, *, int_digits: int, decimal_places: int, **kwargs: Any) -> None:
        self.int_digits = int_digits
        super().__init__(decimal_places=decimal_places, **kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]  # stubs: IntegerField
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        assert self.decimal_places is not None
        try:
            return parse_decimal(value, int_digits=self.int_digits, places=self.decimal_places)
        except NumberError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None


class BoundedDateField(forms.DateField):
    """A date field that refuses years outside YEAR_MIN–YEAR_MAX (wuxing.core.dates) in Chinese."""

    def to_python(self, value: Any) -> dt.date | None:
        date = super().to_python(value)
        if date is not None:
            try:
                check_year(date)
            except DateError as exc:
                raise forms.ValidationError(str(exc), code="invalid") from None
        return date
