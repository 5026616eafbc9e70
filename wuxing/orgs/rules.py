"""Object permissions for the registry (django-rules predicates).

Reading is governed by wuxing.core.scoping; these predicates govern writing.
- district admin: everything in the registry;
- street/town staff: organisations, people and posts inside their own street (not the street itself);
- secretaries, dispatched units and leaders: read only.
"""

from __future__ import annotations

from typing import Any

import rules


@rules.predicate
def is_district_admin(user: Any) -> bool:
    return bool(
        user.is_authenticated and user.is_active and (user.is_superuser or user.role == "district_admin")
    )


@rules.predicate
def is_street_staff(user: Any) -> bool:
    return bool(
        user.is_authenticated and user.is_active and user.role == "street_staff" and user.scope_org_id
    )


def _inside_own_street(user: Any, org: Any) -> bool:
    if org is None:
        return False
    return bool(org.path.startswith(user.scope_org.path) and org.pk != user.scope_org_id)


@rules.predicate
def org_in_own_street(user: Any, org: Any) -> bool:
    """`org` is an OrgUnit strictly inside the user's street (for add: the parent, which may be the street)."""
    return _inside_own_street(user, org)


@rules.predicate
def parent_is_own_street(user: Any, parent: Any) -> bool:
    return bool(parent is not None and parent.pk == user.scope_org_id)


@rules.predicate
def person_in_own_street(user: Any, person: Any) -> bool:
    return person is not None and _inside_own_street(user, person.home_org)


@rules.predicate
def post_in_own_street(user: Any, post: Any) -> bool:
    return post is not None and _inside_own_street(user, post.org)


can_manage_registry = is_district_admin | is_street_staff

rules.add_perm("orgs.add_branch", is_district_admin | (is_street_staff & parent_is_own_street))
rules.add_perm("orgs.change_orgunit", is_district_admin | (is_street_staff & org_in_own_street))
rules.add_perm("orgs.delete_orgunit", is_district_admin)
rules.add_perm("orgs.add_street", is_district_admin)
rules.add_perm("orgs.change_person", is_district_admin | (is_street_staff & person_in_own_street))
rules.add_perm("orgs.change_post", is_district_admin | (is_street_staff & post_in_own_street))
rules.add_perm("orgs.manage_registry", can_manage_registry)
rules.add_perm("orgs.import", can_manage_registry)
rules.add_perm("orgs.manage_units", is_district_admin)
rules.add_perm("accounts.manage", is_district_admin)
rules.add_perm("core.manage_holidays", is_district_admin)  # the official holiday schedule of a year
rules.add_perm("core.read_privacy_log", is_district_admin)  # who saw full personal data


# --- star rules, scores and vetoes ---------------------------------------------------------------------------


@rules.predicate
def is_secretary_of(user: Any, org: Any) -> bool:
    return bool(
        user.is_authenticated and user.role == "secretary" and org is not None and org.pk == user.scope_org_id
    )


rules.add_perm("starrules.manage_rulebooks", is_district_admin)


# Who enters indicator values: the district, the street for its own organisations, the secretary for
# their own organisation (self-assessment data).
@rules.predicate
def is_secretary(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role == "secretary" and user.scope_org_id)


rules.add_perm("starrules.enter_scores", is_district_admin | is_street_staff | is_secretary)
rules.add_perm(
    "starrules.enter_scores_for", is_district_admin | (is_street_staff & org_in_own_street) | is_secretary_of
)
rules.add_perm("starrules.record_veto", is_district_admin | (is_street_staff & org_in_own_street))
