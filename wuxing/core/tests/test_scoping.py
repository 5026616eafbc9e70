"""The authority choke point: who sees which organisations, people, posts and units."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from wuxing.accounts.models import Role, User
from wuxing.core.scoping import (
    get_visible,
    sees_whole_district,
    visible_orgs,
    visible_people,
    visible_posts,
    visible_units,
)
from wuxing.orgs.models import OrgUnit

ALL = {"北关区", "彰北街道", "柏庄镇", "西漳涧村", "阳光社区", "后万金村"}


def names(qs: Any) -> set[str]:
    return {str(o) for o in qs}


@pytest.mark.parametrize(
    "role, orgs, people, units",
    [
        ("admin", ALL, {"李建国", "王秀英"}, {"区财政局", "区民政局"}),
        ("leader", ALL, {"李建国", "王秀英"}, {"区财政局", "区民政局"}),
        ("street_a", {"彰北街道", "西漳涧村", "阳光社区"}, {"李建国"}, {"区财政局"}),
        ("street_b", {"柏庄镇", "后万金村"}, {"王秀英"}, {"区民政局"}),
        ("secretary_a", {"西漳涧村"}, {"李建国"}, {"区财政局"}),
        ("unit", {"西漳涧村"}, {"李建国"}, {"区财政局"}),
    ],
)
def test_visibility_per_role(
    world: Any, role: str, orgs: set[str], people: set[str], units: set[str]
) -> None:
    user = world.users[role]
    assert names(visible_orgs(user)) == orgs
    assert names(visible_people(user)) == people
    assert {p.person.name for p in visible_posts(user)} == people
    assert names(visible_units(user)) == units
    assert visible_units(user).count() == len(units)  # no duplicate rows from the join


def test_twelve_streets_each_see_only_their_own(world: Any) -> None:
    """Sorted insertion renumbers sibling paths; every street still sees exactly its own subtree."""
    from wuxing.core.management.base import system_user
    from wuxing.orgs import services

    actor = system_user()
    for i in range(3, 13):
        street = services.create_street(
            actor, {"code": f"S{i:02d}", "name": f"街道{i}", "street_kind": "street"}
        )
        services.create_branch(
            actor,
            street,
            {"code": f"S{i:02d}01", "name": f"村{i}", "area_kind": "rural", "branch_type": "branch"},
        )
    for i in (3, 10, 12):
        user = User.objects.create_user(
            f"s{i}", role=Role.STREET_STAFF, scope_org=OrgUnit.objects.get(code=f"S{i:02d}")
        )
        assert names(visible_orgs(user)) == {f"街道{i}", f"村{i}"}
    street_a = User.objects.get(username="street_a")
    assert names(visible_orgs(street_a)) == {"彰北街道", "西漳涧村", "阳光社区"}


def test_nobody_without_scope_sees_anything(world: Any) -> None:
    anonymous = AnonymousUser()
    inactive = world.users["street_a"]
    inactive.is_active = False
    no_scope = User.objects.create_user("orphan", role=Role.STREET_STAFF)
    no_unit = User.objects.create_user("orphan_unit", role=Role.UNIT)
    for user in (anonymous, inactive, no_scope, no_unit):
        assert not visible_orgs(user).exists()
        assert not visible_people(user).exists()
        assert not visible_posts(user).exists()
        assert not visible_units(user).exists()


def test_superuser_sees_everything(world: Any) -> None:
    root = User.objects.create_superuser("root", password="x", role=Role.SECRETARY)
    assert names(visible_orgs(root)) == ALL
    assert sees_whole_district(root)
    assert not sees_whole_district(world.users["street_a"])
    assert sees_whole_district(world.users["leader"])


@pytest.mark.parametrize("pk", [999999, "abc", None])
def test_get_visible_answers_404(world: Any, pk: Any) -> None:
    with pytest.raises(Http404):
        get_visible(visible_orgs(world.users["admin"]), pk=pk)


def test_get_visible_hides_other_streets(world: Any) -> None:
    with pytest.raises(Http404):
        get_visible(visible_orgs(world.users["street_a"]), pk=world.village_b.pk)
    assert get_visible(visible_orgs(world.users["street_b"]), pk=world.village_b.pk) == world.village_b
