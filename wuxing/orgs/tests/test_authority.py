"""Authority on every registry page: URL × role → expected status (NetBox-style table).

Objects come from the `world` fixture: street A (彰北街道) holds village_a (西漳涧村, secretary 李建国,
helped by unit U01) and community_a (阳光社区); street B (柏庄镇) holds village_b (后万金村, secretary 王秀英,
helped by unit U02). "Own" objects are street A's; "other" objects are street B's.

Expected statuses are written out by hand from the rules (wuxing/orgs/rules.py and the scoping choke point):
objects outside the user's scope answer 404, visible objects the user may not change answer 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest

from wuxing.orgs.models import DispatchedUnit, OrgUnit, Person, Post, PostRole

ROLES = ("admin", "leader", "street_a", "street_b", "secretary_a", "unit")

# Shorthands for the status tables below, in ROLES order.
ALL_200 = dict.fromkeys(ROLES, 200)


def statuses(
    admin: int, leader: int, street_a: int, street_b: int, secretary_a: int, unit: int
) -> dict[str, int]:
    return {
        "admin": admin,
        "leader": leader,
        "street_a": street_a,
        "street_b": street_b,
        "secretary_a": secretary_a,
        "unit": unit,
    }


def person_b(w: Any) -> Person:
    return Person.objects.get(home_org=w.village_b)


def post_of(org: OrgUnit) -> Post:
    return Post.objects.get(org=org, role=PostRole.SECRETARY)


@dataclass(frozen=True)
class Case:
    name: str
    url: Callable[[Any], str]
    expected: dict[str, int]


CASES = [
    # lists and exports: every logged-in role reads (its own part of) the registry
    Case("org_list", lambda w: "/orgs/", ALL_200),
    Case("org_list_xlsx", lambda w: "/orgs/?format=xlsx", ALL_200),
    Case("tree", lambda w: "/orgs/tree/", ALL_200),
    # a street's organisations for the tree: whoever sees something in the street, 404 otherwise
    Case(
        "tree_street_a",
        lambda w: f"/orgs/tree/streets/{w.street_a.pk}/",
        {**ALL_200, "street_b": 404},
    ),
    Case(
        "tree_street_b",
        lambda w: f"/orgs/tree/streets/{w.street_b.pk}/",
        {**ALL_200, "street_a": 404, "secretary_a": 404, "unit": 404},
    ),
    Case(
        "org_list_junk_params",
        lambda w: "/orgs/?street=abc&unit=x&area_kind=zzz&sort=bogus&page=abc",
        ALL_200,
    ),
    Case("people_junk_params", lambda w: "/orgs/people/?street=abc&status=bogus&page=-1", ALL_200),
    Case("people", lambda w: "/orgs/people/", ALL_200),
    Case("people_xlsx", lambda w: "/orgs/people/?format=xlsx", ALL_200),
    Case("units", lambda w: "/orgs/units/", ALL_200),
    Case("units_xlsx", lambda w: "/orgs/units/?format=xlsx", ALL_200),
    # organisation profiles
    Case(
        "org_detail_own_village", lambda w: f"/orgs/{w.village_a.pk}/", statuses(200, 200, 200, 404, 200, 200)
    ),
    Case(
        "org_detail_own_community",
        lambda w: f"/orgs/{w.community_a.pk}/",
        statuses(200, 200, 200, 404, 404, 404),
    ),
    Case(
        "org_detail_other_village",
        lambda w: f"/orgs/{w.village_b.pk}/",
        statuses(200, 200, 404, 200, 404, 404),
    ),
    Case(
        "org_detail_own_street", lambda w: f"/orgs/{w.street_a.pk}/", statuses(200, 200, 200, 404, 404, 404)
    ),
    Case("org_detail_district", lambda w: f"/orgs/{w.district.pk}/", statuses(200, 200, 404, 404, 404, 404)),
    Case("org_detail_missing", lambda w: "/orgs/999999/", statuses(404, 404, 404, 404, 404, 404)),
    # organisation edits: leader/secretary/unit read only; a street cannot edit its own street node
    Case(
        "org_edit_own_village",
        lambda w: f"/orgs/{w.village_a.pk}/edit/",
        statuses(200, 403, 200, 404, 403, 403),
    ),
    Case(
        "org_edit_other_village",
        lambda w: f"/orgs/{w.village_b.pk}/edit/",
        statuses(200, 403, 404, 200, 404, 404),
    ),
    Case(
        "org_edit_own_street",
        lambda w: f"/orgs/{w.street_a.pk}/edit/",
        statuses(200, 403, 403, 404, 404, 404),
    ),
    Case(
        "org_delete_own_village",
        lambda w: f"/orgs/{w.village_a.pk}/delete/",
        statuses(200, 403, 403, 404, 403, 403),
    ),
    Case(
        "org_delete_other_village",
        lambda w: f"/orgs/{w.village_b.pk}/delete/",
        statuses(200, 403, 404, 403, 404, 404),
    ),
    Case("branch_create", lambda w: "/orgs/new/", statuses(200, 403, 200, 200, 403, 403)),
    Case(
        "branch_create_parent",
        lambda w: f"/orgs/new/?parent={w.street_a.pk}",
        statuses(200, 403, 200, 200, 403, 403),
    ),
    Case(
        "branch_create_bad_parent", lambda w: "/orgs/new/?parent=abc", statuses(200, 403, 200, 200, 403, 403)
    ),
    Case("street_create", lambda w: "/orgs/streets/new/", statuses(200, 403, 403, 403, 403, 403)),
    # posts
    Case(
        "post_create_own",
        lambda w: f"/orgs/{w.village_a.pk}/posts/new/",
        statuses(200, 403, 200, 404, 403, 403),
    ),
    Case(
        "post_create_other",
        lambda w: f"/orgs/{w.village_b.pk}/posts/new/",
        statuses(200, 403, 404, 200, 404, 404),
    ),
    Case(
        "post_create_on_street",
        lambda w: f"/orgs/{w.street_a.pk}/posts/new/",
        statuses(404, 404, 404, 404, 404, 404),
    ),
    Case(
        "post_edit_own",
        lambda w: f"/orgs/{w.village_a.pk}/posts/{post_of(w.village_a).pk}/edit/",
        statuses(200, 403, 200, 404, 403, 403),
    ),
    Case(
        "post_edit_other",
        lambda w: f"/orgs/{w.village_b.pk}/posts/{post_of(w.village_b).pk}/edit/",
        statuses(200, 403, 404, 200, 404, 404),
    ),
    Case(
        "post_edit_mismatched_org",  # another organisation's post reached through one's own organisation
        lambda w: f"/orgs/{w.village_a.pk}/posts/{post_of(w.village_b).pk}/edit/",
        statuses(404, 403, 404, 404, 403, 403),
    ),
    # people
    Case(
        "person_detail_own",
        lambda w: f"/orgs/people/{w.secretary_a.pk}/",
        statuses(200, 200, 200, 404, 200, 200),
    ),
    Case(
        "person_detail_other",
        lambda w: f"/orgs/people/{person_b(w).pk}/",
        statuses(200, 200, 404, 200, 404, 404),
    ),
    Case(
        "person_edit_own",
        lambda w: f"/orgs/people/{w.secretary_a.pk}/edit/",
        statuses(200, 403, 200, 404, 403, 403),
    ),
    Case(
        "person_edit_other",
        lambda w: f"/orgs/people/{person_b(w).pk}/edit/",
        statuses(200, 403, 404, 200, 404, 404),
    ),
    Case("person_create", lambda w: "/orgs/people/new/", statuses(200, 403, 200, 200, 403, 403)),
    Case(
        "person_create_bad_org", lambda w: "/orgs/people/new/?org=abc", statuses(200, 403, 200, 200, 403, 403)
    ),
    # dispatched units: U01 helps village_a (street A), U02 helps village_b (street B)
    Case("unit_detail_u01", lambda w: f"/orgs/units/{w.unit.pk}/", statuses(200, 200, 200, 404, 200, 200)),
    Case(
        "unit_detail_u02", lambda w: f"/orgs/units/{w.other_unit.pk}/", statuses(200, 200, 404, 200, 404, 404)
    ),
    # U01 helps street A only: street B's staff cannot see it, so for them it does not exist
    Case("unit_edit", lambda w: f"/orgs/units/{w.unit.pk}/edit/", statuses(200, 403, 403, 404, 403, 403)),
    Case("unit_edit_missing", lambda w: "/orgs/units/999999/edit/", statuses(404, 404, 404, 404, 404, 404)),
    Case("unit_create", lambda w: "/orgs/units/new/", statuses(200, 403, 403, 403, 403, 403)),
    # import
    Case("import", lambda w: "/orgs/import/", statuses(200, 403, 200, 200, 403, 403)),
    Case(
        "import_template_orgs",
        lambda w: "/orgs/import/template/orgs.xlsx",
        statuses(200, 403, 200, 200, 403, 403),
    ),
    Case(
        "import_template_people",
        lambda w: "/orgs/import/template/people.xlsx",
        statuses(200, 403, 200, 200, 403, 403),
    ),
    Case(
        "import_template_unknown",
        lambda w: "/orgs/import/template/foo.xlsx",
        statuses(404, 403, 404, 404, 403, 403),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_page_authority(case: Case, client: Any, world: Any) -> None:
    url = case.url(world)
    got: dict[str, int] = {}
    for role in ROLES:
        client.force_login(world.users[role])
        got[role] = client.get(url).status_code
    client.logout()
    anonymous = client.get(url)
    assert got == case.expected, f"{url}: expected {case.expected}, got {got}"
    assert anonymous.status_code == 302
    assert anonymous["Location"] == f"/accounts/login/?next={quote(url, safe='/')}"


def test_every_registry_url_is_in_the_table() -> None:
    """A new registry URL must get a row in the authority table (the table names its URL patterns)."""
    from wuxing.orgs import urls

    covered = {
        "list",
        "tree",
        "branch_create",
        "street_create",
        "detail",
        "edit",
        "delete",
        "post_create",
        "post_edit",
        "post_end",
        "people",
        "person_create",
        "person",
        "person_edit",
        "person_reveal",  # tested in test_privacy.py
        "units",
        "unit_create",
        "unit",
        "unit_edit",
        "import",
        "import_template",
        "tree_street",
    }
    assert {p.name for p in urls.urlpatterns} == covered


def test_exports_are_xlsx_for_every_role(client_for: Any) -> None:
    for role in ROLES:
        for url in ("/orgs/?format=xlsx", "/orgs/people/?format=xlsx", "/orgs/units/?format=xlsx"):
            response = client_for(role).get(url)
            assert response["Content-Type"].startswith(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            ), (role, url)
            assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''"), (role, url)
            assert response.getvalue()[:2] == b"PK", (role, url)


# --- what each role sees in the lists ---

VISIBLE_BRANCHES = {
    "admin": {"西漳涧村", "阳光社区", "后万金村"},
    "leader": {"西漳涧村", "阳光社区", "后万金村"},
    "street_a": {"西漳涧村", "阳光社区"},
    "street_b": {"后万金村"},
    "secretary_a": {"西漳涧村"},
    "unit": {"西漳涧村"},
}
ALL_BRANCHES = {"西漳涧村", "阳光社区", "后万金村"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", ["/orgs/", "/orgs/tree/"])
def test_lists_show_only_what_the_role_may_see(client_for: Any, role: str, url: str) -> None:
    body = client_for(role).get(url).content.decode()
    shown = {name for name in ALL_BRANCHES if name in body}
    assert shown == VISIBLE_BRANCHES[role]


@pytest.mark.parametrize(
    "role, visible",
    [
        ("admin", {"李建国", "王秀英"}),
        ("leader", {"李建国", "王秀英"}),
        ("street_a", {"李建国"}),
        ("street_b", {"王秀英"}),
        ("secretary_a", {"李建国"}),
        ("unit", {"李建国"}),
    ],
)
def test_people_list_shows_only_visible_people(client_for: Any, role: str, visible: set[str]) -> None:
    body = client_for(role).get("/orgs/people/").content.decode()
    assert {n for n in ("李建国", "王秀英") if n in body} == visible


def test_street_filter_cannot_reach_another_street(client_for: Any, world: Any) -> None:
    """Another street's pk in the filter shows nothing of it (the filter ignores invisible streets)."""
    body = client_for("street_a").get(f"/orgs/?street={world.street_b.pk}").content.decode()
    assert "后万金村" not in body
    body = client_for("street_a").get(f"/orgs/people/?street={world.street_b.pk}").content.decode()
    assert "王秀英" not in body


# --- refused writes change nothing ---


def org_state(org: OrgUnit) -> tuple[Any, ...]:
    org = OrgUnit.objects.get(pk=org.pk)
    return (org.name, org.code, org.path, org.member_count, org.assigned_unit_id, org.history.count())


def branch_post_data(w: Any, parent: OrgUnit, **over: Any) -> dict[str, Any]:
    data = {
        "parent": parent.pk,
        "code": "NEW01",
        "name": "新建测试村",
        "area_kind": "rural",
        "branch_type": "branch",
        "member_count": 30,
        "assigned_unit": "",
        "reason": "测试",
        "lock_version": 0,
    }
    data.update(over)
    return data


@pytest.mark.parametrize(
    "role, target, expected",
    [
        ("street_a", "village_b", 404),
        ("street_b", "village_a", 404),
        ("secretary_a", "village_a", 403),
        ("unit", "village_a", 403),
        ("leader", "village_a", 403),
        ("street_a", "street_a", 403),
    ],
)
def test_refused_org_edit_changes_nothing(
    client_for: Any, world: Any, role: str, target: str, expected: int
) -> None:
    org = getattr(world, target)
    before = org_state(org)
    data = branch_post_data(world, world.street_a, code=org.code, name="被篡改的名称", member_count=999)
    response = client_for(role).post(f"/orgs/{org.pk}/edit/", data)
    assert response.status_code == expected
    assert org_state(org) == before


def test_street_staff_cannot_move_own_branch_into_another_street(client_for: Any, world: Any) -> None:
    before = org_state(world.village_a)
    data = branch_post_data(world, world.street_b, code="ZB001", name="西漳涧村")
    response = client_for("street_a").post(f"/orgs/{world.village_a.pk}/edit/", data)
    assert response.status_code == 200  # the form refuses the choice
    assert "parent" in response.context["form"].errors
    assert org_state(world.village_a) == before


def test_allowed_org_edit_does_change(client_for: Any, world: Any) -> None:
    """The positive control for the refusals above: the same POST by the street's own staff is applied."""
    data = branch_post_data(world, world.street_a, code="ZB001", name="西漳涧新村", member_count=41)
    response = client_for("street_a").post(f"/orgs/{world.village_a.pk}/edit/", data)
    assert response.status_code == 302
    org = OrgUnit.objects.get(pk=world.village_a.pk)
    assert (org.name, org.member_count) == ("西漳涧新村", 41)
    assert org.history.first().history_user == world.users["street_a"]


@pytest.mark.parametrize(
    "role, target, expected",
    [
        ("street_a", "village_a", 403),
        ("street_a", "village_b", 404),
        ("street_b", "village_b", 403),
        ("leader", "community_a", 403),
        ("secretary_a", "village_a", 403),
        ("unit", "village_a", 403),
    ],
)
def test_refused_delete_changes_nothing(
    client_for: Any, world: Any, role: str, target: str, expected: int
) -> None:
    org = getattr(world, target)
    count = OrgUnit.objects.count()
    response = client_for(role).post(f"/orgs/{org.pk}/delete/", {"reason": "测试删除"})
    assert response.status_code == expected
    assert OrgUnit.objects.count() == count
    assert OrgUnit.objects.filter(pk=org.pk).exists()


def test_admin_delete_of_empty_branch_is_applied_and_recorded(client_for: Any, world: Any) -> None:
    pk = world.community_a.pk
    response = client_for("admin").post(f"/orgs/{pk}/delete/", {"reason": "撤并"})
    assert response.status_code == 302
    assert not OrgUnit.objects.filter(pk=pk).exists()
    record = OrgUnit.history.get(id=pk, history_type="-")
    assert (record.history_user, record.history_change_reason) == (world.users["admin"], "撤并")


def test_delete_page_refuses_an_organisation_with_people(client_for: Any, world: Any) -> None:
    count = OrgUnit.objects.count()
    response = client_for("admin").post(f"/orgs/{world.village_a.pk}/delete/", {"reason": "撤并"})
    assert response.status_code == 200
    assert "该组织还有人员或任职记录，不能删除；请先调整人员" in response.content.decode()
    assert OrgUnit.objects.count() == count


def test_delete_page_requires_a_reason(client_for: Any, world: Any) -> None:
    response = client_for("admin").post(f"/orgs/{world.community_a.pk}/delete/", {"reason": ""})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert OrgUnit.objects.filter(pk=world.community_a.pk).exists()


def test_post_page_refuses_an_overlapping_secretary(client_for: Any, world: Any) -> None:
    admin = world.users["admin"]
    from wuxing.orgs import services

    person = services.save_person(admin, Person(name="张伟", home_org=world.village_a))
    count = Post.objects.count()
    response = client_for("street_a").post(
        f"/orgs/{world.village_a.pk}/posts/new/", post_data(person, role="secretary", start_date="2023-01-01")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["start_date"] == [
        "任期与现任书记李建国（2021-03-01 起）重叠，请先登记其离任日期"
    ]
    assert Post.objects.count() == count


@pytest.mark.parametrize(
    "role, parent, expected",
    [
        ("leader", "street_a", 403),
        ("secretary_a", "street_a", 403),
        ("unit", "street_a", 403),
        ("street_a", "street_b", 200),  # form refuses a parent outside the user's street
        ("street_b", "street_a", 200),
    ],
)
def test_refused_branch_create_writes_nothing(
    client_for: Any, world: Any, role: str, parent: str, expected: int
) -> None:
    count = OrgUnit.objects.count()
    response = client_for(role).post("/orgs/new/", branch_post_data(world, getattr(world, parent)))
    assert response.status_code == expected
    if expected == 200:
        assert "parent" in response.context["form"].errors
    assert OrgUnit.objects.count() == count
    assert not OrgUnit.objects.filter(code="NEW01").exists()


def test_allowed_branch_create_is_applied(client_for: Any, world: Any) -> None:
    response = client_for("street_b").post("/orgs/new/", branch_post_data(world, world.street_b))
    assert response.status_code == 302
    org = OrgUnit.objects.get(code="NEW01")
    assert org.path.startswith(world.street_b.path) and org.depth == 3


@pytest.mark.parametrize("role", ["leader", "street_a", "street_b", "secretary_a", "unit"])
def test_refused_street_create_writes_nothing(client_for: Any, world: Any, role: str) -> None:
    count = OrgUnit.objects.count()
    response = client_for(role).post(
        "/orgs/streets/new/", {"code": "XX", "name": "新街道", "street_kind": "street", "reason": ""}
    )
    assert response.status_code == 403
    assert OrgUnit.objects.count() == count


def person_state(person: Person) -> tuple[Any, ...]:
    p = Person.objects.get(pk=person.pk)
    return (p.name, p.phone, p.home_org_id, p.gender, p.history.count())


@pytest.mark.parametrize(
    "role, whose, expected",
    [
        ("street_b", "a", 404),
        ("street_a", "b", 404),
        ("secretary_a", "a", 403),
        ("unit", "a", 403),
        ("leader", "a", 403),
    ],
)
def test_refused_person_edit_changes_nothing(
    client_for: Any, world: Any, role: str, whose: str, expected: int
) -> None:
    person = world.secretary_a if whose == "a" else person_b(world)
    before = person_state(person)
    data = {
        "name": "改名",
        "gender": "M",
        "phone": "13900000000",
        "home_org": person.home_org_id,
        "reason": "",
    }
    response = client_for(role).post(f"/orgs/people/{person.pk}/edit/", data)
    assert response.status_code == expected
    assert person_state(person) == before


def test_street_cannot_create_person_in_another_street(client_for: Any, world: Any) -> None:
    count = Person.objects.count()
    data = {"name": "张三", "gender": "M", "phone": "", "home_org": world.village_b.pk, "reason": ""}
    response = client_for("street_a").post("/orgs/people/new/", data)
    assert response.status_code == 200
    assert "home_org" in response.context["form"].errors
    assert Person.objects.count() == count


def test_street_cannot_move_own_person_to_another_street(client_for: Any, world: Any) -> None:
    before = person_state(world.secretary_a)
    data = {
        "name": "李建国",
        "gender": "",
        "phone": "13800000001",
        "home_org": world.village_b.pk,
        "reason": "",
    }
    response = client_for("street_a").post(f"/orgs/people/{world.secretary_a.pk}/edit/", data)
    assert response.status_code == 200
    assert "home_org" in response.context["form"].errors
    assert person_state(world.secretary_a) == before


def post_data(person: Person, **over: Any) -> dict[str, Any]:
    data = {
        "person": person.pk,
        "role": "party_member",
        "start_date": "2022-01-01",
        "end_date": "",
        "reason": "",
        "lock_version": 0,
    }
    data.update(over)
    return data


@pytest.mark.parametrize(
    "role, org, expected",
    [
        ("street_a", "village_b", 404),
        ("street_b", "village_a", 404),
        ("leader", "village_a", 403),
        ("secretary_a", "village_a", 403),
        ("unit", "village_a", 403),
    ],
)
def test_refused_post_create_writes_nothing(
    client_for: Any, world: Any, role: str, org: str, expected: int
) -> None:
    target = getattr(world, org)
    person = Person.objects.get(home_org=target)
    count = Post.objects.count()
    response = client_for(role).post(f"/orgs/{target.pk}/posts/new/", post_data(person))
    assert response.status_code == expected
    assert Post.objects.count() == count


def test_post_for_a_person_of_another_organisation_is_refused(client_for: Any, world: Any) -> None:
    count = Post.objects.count()
    response = client_for("admin").post(f"/orgs/{world.village_a.pk}/posts/new/", post_data(person_b(world)))
    assert response.status_code == 200
    assert "person" in response.context["form"].errors
    assert Post.objects.count() == count


@pytest.mark.parametrize(
    "role, org, expected",
    [
        ("street_b", "village_a", 404),
        ("street_a", "village_b", 404),
        ("leader", "village_a", 403),
        ("secretary_a", "village_a", 403),
        ("unit", "village_a", 403),
    ],
)
def test_refused_post_end_changes_nothing(
    client_for: Any, world: Any, role: str, org: str, expected: int
) -> None:
    target = getattr(world, org)
    post = post_of(target)
    response = client_for(role).post(f"/orgs/{target.pk}/posts/{post.pk}/end/", {"end_date": "2024-01-31"})
    assert response.status_code == expected
    post.refresh_from_db()
    assert post.end_date is None


def test_post_end_by_own_street_is_applied(client_for: Any, world: Any) -> None:
    post = post_of(world.village_a)
    response = client_for("street_a").post(
        f"/orgs/{world.village_a.pk}/posts/{post.pk}/end/", {"end_date": "2024-01-31", "reason": "换届"}
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert str(post.end_date) == "2024-01-31"


@pytest.mark.parametrize(
    "role, edit_status",
    [("leader", 403), ("street_a", 403), ("street_b", 404), ("secretary_a", 403), ("unit", 403)],
)
def test_refused_unit_edit_changes_nothing(client_for: Any, world: Any, role: str, edit_status: int) -> None:
    before = list(DispatchedUnit.objects.values_list("code", "name", "contact", "phone").order_by("code"))
    client = client_for(role)
    edit = client.post(f"/orgs/units/{world.unit.pk}/edit/", {"code": "U01", "name": "改名局", "reason": ""})
    create = client.post("/orgs/units/new/", {"code": "U09", "name": "新局", "reason": ""})
    assert (edit.status_code, create.status_code) == (edit_status, 403)
    assert (
        list(DispatchedUnit.objects.values_list("code", "name", "contact", "phone").order_by("code"))
        == before
    )


@pytest.mark.parametrize("role", ["leader", "secretary_a", "unit"])
def test_refused_import_writes_nothing(client_for: Any, world: Any, role: str) -> None:
    from wuxing.core.tests.xlsxutil import upload, xlsx_bytes
    from wuxing.orgs.services import ORG_COLUMNS

    content = xlsx_bytes(
        [c.header for c in ORG_COLUMNS], [["彰北街道", "ZB050", "新村", "农村", "党支部", 10, ""]]
    )
    count = OrgUnit.objects.count()
    response = client_for(role).post("/orgs/import/", {"kind": "orgs", "file": upload(content)})
    assert response.status_code == 403
    assert OrgUnit.objects.count() == count


def test_anonymous_posts_change_nothing(client: Any, world: Any) -> None:
    before_org = org_state(world.village_a)
    before_count = OrgUnit.objects.count()
    for url, data in [
        (
            f"/orgs/{world.village_a.pk}/edit/",
            branch_post_data(world, world.street_a, code="ZB001", name="X"),
        ),
        (f"/orgs/{world.village_a.pk}/delete/", {"reason": "x"}),
        ("/orgs/new/", branch_post_data(world, world.street_a)),
        ("/orgs/streets/new/", {"code": "XX", "name": "新街道", "street_kind": "street"}),
    ]:
        response = client.post(url, data)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    assert org_state(world.village_a) == before_org
    assert OrgUnit.objects.count() == before_count


def test_inactive_user_sees_nothing(client: Any, world: Any) -> None:
    user = world.users["admin"]
    user.is_active = False
    user.save()
    client.force_login(user)
    response = client.get(f"/orgs/{world.village_a.pk}/")
    # An inactive account is logged out by the auth backend: back to the login page.
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
