"""Accounts: who can log in, with which role and over which part of the organisation tree."""

from __future__ import annotations

import hashlib
import secrets
from typing import ClassVar, Self

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from wuxing.orgs.models import DispatchedUnit, Level, OrgUnit, Person


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", _("区委组织部管理员")
    STREET_STAFF = "street_staff", _("街道/镇工作人员")
    SECRETARY = "secretary", _("村/社区党组织书记")
    UNIT = "unit", _("区直单位")
    LEADER = "leader", _("领导")


class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=50, blank=True, default="")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.LEADER)
    scope_org = models.ForeignKey(
        OrgUnit,
        verbose_name=_("负责范围"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("街道/镇工作人员选街道/镇；书记选本村/社区党组织"),
    )
    unit = models.ForeignKey(
        DispatchedUnit,
        verbose_name=_("区直单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    person = models.ForeignKey(
        Person, verbose_name=_("对应人员"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_demo = models.BooleanField(_("演示账号"), default=False)
    must_change_password = models.BooleanField(_("下次登录须修改密码"), default=False)
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    objects: ClassVar[UserManager[Self]] = UserManager()

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.username

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.role == Role.STREET_STAFF and (not self.scope_org or self.scope_org.level != Level.STREET):
            errors["scope_org"] = str(_("街道/镇工作人员必须指定所属街道/镇"))
        if self.role == Role.SECRETARY and (not self.scope_org or self.scope_org.level != Level.BRANCH):
            errors["scope_org"] = str(_("书记账号必须指定所在村/社区党组织"))
        if self.role == Role.UNIT and not self.unit_id:
            errors["unit"] = str(_("区直单位账号必须指定单位"))
        if errors:
            raise ValidationError(errors)

    @property
    def role_label(self) -> str:
        return str(self.get_role_display())


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def find(self, raw: str) -> ApiToken | None:
        return (
            self.filter(key_hash=_hash_token(raw), revoked_at__isnull=True, user__is_active=True)
            .select_related("user", "user__scope_org", "user__unit")
            .first()
        )


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the raw token is shown once at creation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("用途"), max_length=100)
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        raw = "wx_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=raw[:8], key_hash=_hash_token(raw))
        return token, raw
