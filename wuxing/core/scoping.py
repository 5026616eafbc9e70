"""The one choke point for authority.

Every queryset used by a page, API endpoint, export or command starts here. Authority follows the
organisation tree: the district sees everything; a street/town user sees the subtree of its street; a
secretary sees their own organisation; a dispatched unit sees the organisations assigned to it; a leader
reads everything. Objects outside a user's scope are simply absent, so a denied object answers 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import Http404

if TYPE_CHECKING:
    from wuxing.accounts.models import User
    from wuxing.orgs.models import OrgUnit

WHOLE_DISTRICT_ROLES = {"district_admin", "leader"}


def org_filter(user: Any, prefix: str = "") -> Q | None:
    """A Q object restricting OrgUnit rows (reached through `prefix`, e.g. "org__") to the user's scope.

    Returns None when the user sees everything. An anonymous or inactive user sees nothing.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser or user.role in WHOLE_DISTRICT_ROLES:
        return None
    if user.role == "street_staff" and user.scope_org_id:
        return Q(**{f"{prefix}path__startswith": user.scope_org.path})
    if user.role == "secretary" and user.scope_org_id:
        return Q(**{f"{prefix}pk": user.scope_org_id})
    if user.role == "unit" and user.unit_id:
        return Q(**{f"{prefix}assigned_unit_id": user.unit_id})
    return Q(pk__in=[])


def scope(queryset: QuerySet[Any], user: Any, org_field: str | None = None) -> QuerySet[Any]:
    """Restrict any queryset whose rows belong to an organisation (via `org_field`) to what `user` sees.

    `org_field=None` means the queryset is of OrgUnit itself.
    """
    prefix = f"{org_field}__" if org_field else ""
    condition = org_filter(user, prefix)
    if condition is None:
        return queryset
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    return queryset.filter(condition)


def visible_orgs(user: Any) -> QuerySet[OrgUnit]:
    from wuxing.orgs.models import OrgUnit

    return scope(OrgUnit.objects.all(), user)


def visible_people(user: Any) -> QuerySet[Any]:
    from wuxing.orgs.models import Person

    return scope(Person.objects.select_related("home_org"), user, "home_org")


def visible_posts(user: Any) -> QuerySet[Any]:
    from wuxing.orgs.models import Post

    return scope(Post.objects.select_related("person", "org"), user, "org")


def visible_units(user: Any) -> QuerySet[Any]:
    from wuxing.orgs.models import DispatchedUnit

    qs = DispatchedUnit.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if user.is_superuser or user.role in WHOLE_DISTRICT_ROLES:
        return qs
    if user.role == "unit":
        return qs.filter(pk=user.unit_id)
    # Streets and secretaries see the units that help organisations they can see.
    return qs.filter(organisations__in=visible_orgs(user)).distinct()


def get_visible(queryset: QuerySet[Any], **lookup: Any) -> Any:
    """Fetch one object from an already-scoped queryset, or raise 404 (never 403)."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def sees_whole_district(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role in WHOLE_DISTRICT_ROLES))
