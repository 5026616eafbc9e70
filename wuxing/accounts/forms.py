from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wuxing.accounts.models import Role, User
from wuxing.core.forms import LongSelect
from wuxing.orgs.models import DispatchedUnit, OrgUnit
from wuxing.orgs.queries import with_street_and_secretary

STATUS_CHOICES = [("active", _("启用")), ("inactive", _("已停用")), ("all", _("全部"))]


class BranchChoiceField(forms.ModelChoiceField):
    """Branches labelled with their street (annotated, so no query per option)."""

    def label_from_instance(self, obj: Any) -> str:
        street = getattr(obj, "street_name", "") or ""
        return f"{street} · {obj.name}（{obj.code}）" if street else f"{obj.name}（{obj.code}）"


def _choices(form: forms.Form, name: str) -> forms.ModelChoiceField:
    return cast(forms.ModelChoiceField, form.fields[name])


def _branches() -> Any:
    return with_street_and_secretary(OrgUnit.objects.branches()).order_by("path")


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, help_text=_("用户名或姓名"))
    role = forms.ChoiceField(label=_("角色"), required=False, choices=[("", _("全部")), *Role.choices])
    street = forms.ModelChoiceField(
        widget=LongSelect,
        label=_("街道/镇"),
        required=False,
        queryset=OrgUnit.objects.none(),
        empty_label=_("全部"),
    )
    status = forms.ChoiceField(label=_("状态"), required=False, choices=STATUS_CHOICES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "street").queryset = OrgUnit.objects.streets().order_by("code")
        self.fields["q"].widget.attrs["placeholder"] = _("用户名或姓名")


class ScopeFormMixin(forms.Form):
    """Role plus the one scope field that role needs, validated with messages in Chinese."""

    full_name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    street = forms.ModelChoiceField(
        widget=LongSelect,
        label=_("所属街道/镇"),
        required=False,
        queryset=OrgUnit.objects.none(),
        help_text=_("街道/镇工作人员填写"),
    )
    branch = BranchChoiceField(
        label=_("所在村/社区党组织"),
        required=False,
        queryset=OrgUnit.objects.none(),
        help_text=_("村/社区党组织书记填写"),
    )
    unit = forms.ModelChoiceField(
        label=_("区直单位"),
        required=False,
        queryset=DispatchedUnit.objects.none(),
        help_text=_("区直单位账号填写"),
    )
    reason = forms.CharField(
        label=_("原因"), required=False, max_length=200, help_text=_("选填，将记入操作记录")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "street").queryset = OrgUnit.objects.streets().order_by("code")
        _choices(self, "branch").queryset = _branches()
        _choices(self, "unit").queryset = DispatchedUnit.objects.order_by("code")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        role = cleaned.get("role")
        cleaned["scope_org"] = None
        if role == Role.STREET_STAFF:
            if not cleaned.get("street"):
                self.add_error("street", _("街道/镇工作人员必须指定所属街道/镇"))
            cleaned["scope_org"] = cleaned.get("street")
        elif role == Role.SECRETARY:
            if not cleaned.get("branch"):
                self.add_error("branch", _("书记账号必须指定所在村/社区党组织"))
            cleaned["scope_org"] = cleaned.get("branch")
        elif role == Role.UNIT and not cleaned.get("unit"):
            self.add_error("unit", _("区直单位账号必须指定单位"))
        if role != Role.UNIT:
            cleaned["unit"] = None
        if cleaned.get("full_name"):
            cleaned["full_name"] = cleaned["full_name"].strip()
        return cleaned

    def apply_service_errors(self, exc: ValidationError) -> None:
        """Show a service's ValidationError on the matching field (scope_org → street or branch)."""
        role = self.cleaned_data.get("role")
        mapping = {"scope_org": "branch" if role == Role.SECRETARY else "street"}
        if hasattr(exc, "error_dict"):
            for key, errors in exc.error_dict.items():
                name = mapping.get(key, key)
                target = name if name in self.fields else None
                for error in errors:
                    for message in error.messages:
                        self.add_error(target, message)
        else:
            for message in exc.messages:
                self.add_error(None, message)


class UserCreateForm(ScopeFormMixin):
    field_order = ["username", "full_name", "role", "street", "branch", "unit", "password1", "password2"]

    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        help_text=_("登录用，字母、数字和 @ . + - _；如 sj_zb001"),
    )
    password1 = forms.CharField(
        label=_("初始密码"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("留空则自动生成随机密码（只显示一次）。无论哪种，首次登录都须修改密码。"),
    )
    password2 = forms.CharField(
        label=_("再次输入初始密码"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs["autocomplete"] = "off"

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        User.username_validator(username)
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("该用户名已被使用"))
        return username

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        p1, p2 = cleaned.get("password1") or "", cleaned.get("password2") or ""
        if p1 or p2:
            if p1 != p2:
                self.add_error("password2", _("两次输入的密码不一致"))
            else:
                candidate = User(
                    username=cleaned.get("username") or "", full_name=cleaned.get("full_name") or ""
                )
                try:
                    password_validation.validate_password(p1, candidate)
                except ValidationError as exc:
                    self.add_error("password1", exc)
        return cleaned


class UserEditForm(ScopeFormMixin):
    def __init__(self, *args: Any, instance: User, **kwargs: Any) -> None:
        initial = kwargs.pop("initial", None) or {}
        initial.update(
            {
                "full_name": instance.full_name,
                "role": instance.role,
                "street": instance.scope_org if instance.role == Role.STREET_STAFF else None,
                "branch": instance.scope_org if instance.role == Role.SECRETARY else None,
                "unit": instance.unit,
            }
        )
        super().__init__(*args, initial=initial, **kwargs)
        self.instance = instance


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        if not required:
            self.fields["reason"].help_text = _("选填，将记入操作记录")


class SecretaryFilterForm(forms.Form):
    street = forms.ModelChoiceField(
        widget=LongSelect,
        label=_("街道/镇"),
        required=False,
        queryset=OrgUnit.objects.none(),
        empty_label=_("全部"),
    )

    def __init__(self, *args: Any, streets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "street").queryset = streets


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("用途"),
        max_length=100,
        help_text=_("如：与某某系统对接、数据统计脚本"),
    )
