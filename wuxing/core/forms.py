"""Typed access to a form's fields.

django-stubs types ``form.fields[name]`` as the base ``Field``, which has no ``choices`` or ``queryset``;
these helpers say which kind of field a name is (a cast: nothing is checked or converted at run time).
"""

from __future__ import annotations

from typing import Any, cast

from django import forms


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
