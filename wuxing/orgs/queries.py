"""Read side of the registry: always starts from the scoped queryset; set-based, no query per row."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr

from wuxing.core.scoping import scope, visible_orgs
from wuxing.core.workdays import today
from wuxing.orgs.models import DispatchedUnit, Level, OrgUnit, Person, Post, PostRole

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class StreetNameAnnotation(TypedDict):
    street_name: str | None


class OrgCountAnnotation(TypedDict):
    org_count: int


ORG_SORTS = {
    "code": "code",
    "-code": "-code",
    "name": "name",
    "-name": "-name",
    "members": "member_count",
    "-members": "-member_count",
    "street": "path",
    "-street": "-path",
}


def current_posts_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": today()})


def with_street_name(qs: QuerySet[OrgUnit]) -> QuerySet[OrgUnit]:
    """Annotate each branch with its street's name (one subquery, no query per row)."""
    street = OrgUnit.objects.filter(path=Substr(OuterRef("path"), 1, 2 * OrgUnit.steplen)).values("name")[:1]
    return qs.annotate(street_name=Subquery(street))


def with_street_and_secretary(qs: QuerySet[OrgUnit]) -> QuerySet[OrgUnit]:
    """Annotate each branch with its street's name and current secretary's name (two subqueries)."""
    street = OrgUnit.objects.filter(path=Substr(OuterRef("path"), 1, 2 * OrgUnit.steplen)).values("name")[:1]
    secretary = (
        Post.objects.filter(org=OuterRef("pk"), role=PostRole.SECRETARY)
        .filter(current_posts_q())
        .order_by("-start_date")
        .values("person__name")[:1]
    )
    return qs.annotate(street_name=Subquery(street), secretary_name=Subquery(secretary)).select_related(
        "assigned_unit"
    )


def branch_list(user: Any, params: dict[str, Any]) -> QuerySet[OrgUnit]:
    qs = visible_orgs(user).filter(level=Level.BRANCH)
    q = (params.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    street = params.get("street")
    if street:
        qs = qs.filter(path__startswith=street.path)
    if params.get("area_kind"):
        qs = qs.filter(area_kind=params["area_kind"])
    if params.get("branch_type"):
        qs = qs.filter(branch_type=params["branch_type"])
    if params.get("unit"):
        qs = qs.filter(assigned_unit=params["unit"])
    if params.get("demo") == "demo":
        qs = qs.filter(is_demo=True)
    elif params.get("demo") == "real":
        qs = qs.filter(is_demo=False)
    order = ORG_SORTS.get(params.get("sort") or "", "path")
    return with_street_and_secretary(qs).order_by(order, "code")


def visible_streets(user: Any) -> QuerySet[OrgUnit]:
    """Streets the user can see or that contain something the user can see (for filters and the tree)."""
    orgs = visible_orgs(user)
    if user.is_superuser or user.role in ("district_admin", "leader"):
        return OrgUnit.objects.streets().order_by("code")
    prefixes = {p[: 2 * OrgUnit.steplen] for p in orgs.values_list("path", flat=True)}
    return OrgUnit.objects.streets().filter(path__in=prefixes).order_by("code")


# Above this many visible organisations the tree lists its streets only and loads a street's
# organisations when it is opened (docs/decisions.md §26).
TREE_INLINE_LIMIT = 2000


def tree(user: Any, *, inline_limit: int | None = None) -> tuple[list[dict[str, Any]], int, bool]:
    """(streets with their counts and — when the scope is small enough to be shown at once — their
    visible branches, the number of visible branches, whether branches are loaded per street).
    A handful of queries whatever the size."""
    limit = TREE_INLINE_LIMIT if inline_limit is None else inline_limit
    streets = list(visible_streets(user))
    visible = visible_orgs(user).filter(level=Level.BRANCH)
    step = 2 * OrgUnit.steplen
    counts: dict[str, dict[str, int]] = {s.path: {"rural": 0, "community": 0} for s in streets}
    for prefix, kind, n in (
        visible.order_by()
        .annotate(sp=Substr("path", 1, step))
        .values_list("sp", "area_kind")
        .annotate(n=Count("pk"))
    ):
        counts.setdefault(prefix, {"rural": 0, "community": 0})[kind] = n
    total = sum(sum(c.values()) for c in counts.values())
    lazy = total > limit
    by_street: dict[str, list[OrgUnit]] = {s.path: [] for s in streets}
    if not lazy:
        for b in street_branches(user, None):
            by_street.setdefault(b.path[:step], []).append(b)
    openable = set(visible_orgs(user).filter(level=Level.STREET).values_list("pk", flat=True))
    groups = [
        {
            "street": s,
            "openable": s.pk in openable,
            "branches": by_street.get(s.path, []),
            "rural": counts.get(s.path, {}).get("rural", 0),
            "community": counts.get(s.path, {}).get("community", 0),
        }
        for s in streets
    ]
    return groups, total, lazy


def street_branches(user: Any, street: OrgUnit | None) -> QuerySet[OrgUnit]:
    """The visible branches (of one street, or all), with street, secretary and this year's star level."""
    from wuxing.rules import kept
    from wuxing.rules.queries import active_versions

    branches = visible_orgs(user).filter(level=Level.BRANCH)
    if street is not None:
        branches = branches.filter(path__startswith=street.path)
    qs = with_street_and_secretary(branches).order_by("path")
    year = kept.rating_years()[0]
    if active_versions(year):
        kept.refresh_scope(user, year, street=street)
        qs = kept.with_level(qs, year)
    return qs


def org_posts(org: OrgUnit) -> tuple[list[Post], list[Post]]:
    posts = list(org.posts.select_related("person").order_by("role", "-start_date"))
    current = [p for p in posts if p.is_current]
    past = [p for p in posts if not p.is_current]
    return current, past


PEOPLE_SORTS = {"name": "name", "-name": "-name", "org": "home_org__path", "-org": "-home_org__path"}


def people_list(user: Any, params: dict[str, Any]) -> QuerySet[WithAnnotations[Post, StreetNameAnnotation]]:
    """One row per post (a person without a post appears once with no role)."""
    qs = scope(Post.objects.select_related("person", "org"), user, "org")
    q = (params.get("q") or "").strip()
    if q:
        qs = qs.filter(
            Q(person__name__icontains=q) | Q(person__phone__icontains=q) | Q(org__name__icontains=q)
        )
    if params.get("street"):
        qs = qs.filter(org__path__startswith=params["street"].path)
    if params.get("role"):
        qs = qs.filter(role=params["role"])
    status = params.get("status") or "current"
    if status == "current":
        qs = qs.filter(current_posts_q())
    elif status == "past":
        qs = qs.exclude(current_posts_q())
    if params.get("street_leadership") == "yes":
        qs = qs.filter(on_street_leadership=True)
    street = OrgUnit.objects.filter(path=Substr(OuterRef("org__path"), 1, 2 * OrgUnit.steplen)).values(
        "name"
    )[:1]
    return qs.annotate(street_name=Subquery(street)).order_by("org__path", "role", "-start_date")


def unit_list(user: Any) -> QuerySet[WithAnnotations[DispatchedUnit, OrgCountAnnotation]]:
    from wuxing.core.scoping import visible_units

    return (
        visible_units(user)
        .annotate(
            org_count=Count("organisations", filter=Q(organisations__in=visible_orgs(user)), distinct=True)
        )
        .order_by("code")
    )


def people_without_posts(user: Any) -> QuerySet[Person]:
    return scope(Person.objects.filter(posts__isnull=True), user, "home_org")
