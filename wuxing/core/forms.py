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
