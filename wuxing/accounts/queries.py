"""Read side of accounts: who may see which accounts, the secretaries still without one, decision logs.

Accounts are managed by the district (`accounts.manage`); everybody else sees only their own tokens.
Organisation-related reads start from the scoping choke point (wuxing.core.scoping).
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from wuxing.accounts.models import ApiToken, Role, User
from wuxing.core.models import DecisionLog
from wuxing.core.scoping import visible_orgs
from wuxing.orgs.models import Level, OrgUnit, Post, PostRole
from wuxing.orgs.queries import current_posts_q, with_street_and_secretary

STREET_PATH_LEN = 2 * OrgUnit.steplen

ACTION_LABELS = {
    "account_created": _("新建账号"),
    "account_updated": _("修改账号"),
    "account_deactivated": _("停用账号"),
    "account_reactivated": _("恢复账号"),
    "password_reset": _("重置密码"),
    "password_change": _("本人修改密码"),
    "token_issued": _("创建 API 令牌"),
    "token_revoked": _("作废 API 令牌"),
}


def visible_users(user: Any) -> QuerySet[User]:
    """Accounts `user` may see and manage: all of them for the district, none for anyone else."""
    qs = User.objects.select_related("scope_org", "unit")
    if getattr(user, "is_authenticated", False) and user.is_active and user.has_perm("accounts.manage"):
        return qs
    return qs.none()


def user_list(user: Any, params: dict[str, Any]) -> QuerySet[User]:
    """The account list with filters: role, street (accounts whose scope lies in it), status, search."""
    qs = visible_users(user)
    if params.get("role"):
        qs = qs.filter(role=params["role"])
    street = params.get("street")
    if street is not None:
        qs = qs.filter(scope_org__path__startswith=street.path)
    status = params.get("status") or "active"
    if status == "active":
        qs = qs.filter(is_active=True)
    elif status == "inactive":
        qs = qs.filter(is_active=False)
    q = (params.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    street_name = OrgUnit.objects.filter(
        level=Level.STREET, path=Substr(OuterRef("scope_org__path"), 1, STREET_PATH_LEN)
    ).values("name")[:1]
    return qs.annotate(street_name=Subquery(street_name)).order_by("username")


def secretary_candidates(user: Any, street: OrgUnit | None = None) -> QuerySet[OrgUnit]:
    """Branches (visible to `user`) whose current secretary has no account yet.

    "Has an account" means: some account (active or not) is linked to that person. Each row carries
    `secretary_person_id`, `secretary_name`, `street_name` and `has_other_account` (another active secretary
    account is already scoped to this branch, e.g. a predecessor's, which the district may want to stop).
    """
    current_secretary = (
        Post.objects.filter(org=OuterRef("pk"), role=PostRole.SECRETARY)
        .filter(current_posts_q())
        .order_by("-start_date")
        .values("person_id")[:1]
    )
    qs = visible_orgs(user).filter(level=Level.BRANCH)
    if street is not None:
        qs = qs.filter(path__startswith=street.path)
    qs = (
        qs.annotate(secretary_person_id=Subquery(current_secretary))
        .filter(secretary_person_id__isnull=False)
        .exclude(Exists(User.objects.filter(person_id=OuterRef("secretary_person_id"))))
        .annotate(
            has_other_account=Exists(
                User.objects.filter(scope_org=OuterRef("pk"), role=Role.SECRETARY, is_active=True)
            )
        )
    )
    return with_street_and_secretary(qs).order_by("path")


def user_decisions(target: User, limit: int = 100) -> QuerySet[DecisionLog]:
    """The decision-log entries about one account (newest first)."""
    return DecisionLog.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(target.pk)
    ).select_related("actor")[:limit]


def tokens_of(user: Any) -> QuerySet[ApiToken]:
    """A user's own API tokens (the only tokens a page may show to them)."""
    if not getattr(user, "is_authenticated", False):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")
