"""The organisation endpoints, tried by each role on its own and on another street's organisations."""

from __future__ import annotations

import datetime as dt

import pytest

# What each role sees of the three branches in the `world` fixture.
VISIBLE = {
    "admin": {"ZB001", "ZB002", "BZ001"},
    "leader": {"ZB001", "ZB002", "BZ001"},
    "street_a": {"ZB001", "ZB002"},
    "street_b": {"BZ001"},
    "secretary_a": {"ZB001"},
    "unit": {"ZB001"},
}
ROLES = sorted(VISIBLE)


def codes(response):
    assert response.status_code == 200, response.content
    return {item["code"] for item in response.json()["items"]}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_list_shows_exactly_the_role_scope_with_session_and_token(role, client_for, bearer, world):
    assert codes(client_for(role).get("/api/v1/orgs")) == VISIBLE[role]
    assert codes(bearer(role).get("/api/v1/orgs")) == VISIBLE[role]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_detail_is_404_outside_scope(role, bearer, world):
    client = bearer(role)
    for org in (world.village_a, world.community_a, world.village_b):
        response = client.get(f"/api/v1/orgs/{org.pk}")
        if org.code in VISIBLE[role]:
            assert response.status_code == 200, (role, org.code)
            assert response.json()["code"] == org.code
        else:
            assert response.status_code == 404, (role, org.code)
            assert "未找到" in response.json()["detail"]


@pytest.mark.django_db
def test_street_user_never_sees_other_street_even_when_filtering_for_it(bearer, world):
    client = bearer("street_a")
    assert codes(client.get("/api/v1/orgs?street=BZ")) == set()
    assert codes(client.get("/api/v1/orgs?q=后万金")) == set()
    assert codes(client.get("/api/v1/orgs?unit=U02")) == set()
    assert client.get(f"/api/v1/orgs/{world.village_b.pk}").status_code == 404
    assert [s["code"] for s in client.get("/api/v1/streets").json()] == ["ZB"]


@pytest.mark.django_db
def test_streets_and_non_branch_ids(bearer, world):
    body = bearer("admin").get("/api/v1/streets").json()
    assert [(s["code"], s["branch_count"]) for s in body] == [("BZ", 1), ("ZB", 2)]
    assert body[0]["street_kind"] == "town" and body[0]["street_kind_label"] == "镇"
    # A street or the district is not a branch: the detail endpoint answers 404.
    assert bearer("admin").get(f"/api/v1/orgs/{world.street_a.pk}").status_code == 404
    assert bearer("admin").get(f"/api/v1/orgs/{world.district.pk}").status_code == 404
    assert bearer("admin").get("/api/v1/orgs/999999").status_code == 404
    assert [s["code"] for s in bearer("unit").get("/api/v1/streets").json()] == ["ZB"]
    assert [(s["code"], s["branch_count"]) for s in bearer("secretary_a").get("/api/v1/streets").json()] == [
        ("ZB", 1)
    ]


@pytest.mark.django_db
def test_list_item_shape(bearer, world):
    items = bearer("admin").get("/api/v1/orgs?q=ZB001").json()["items"]
    assert items == [
        {
            "id": world.village_a.pk,
            "code": "ZB001",
            "name": "西漳涧村",
            "street": {"code": "ZB", "name": "彰北街道"},
            "area_kind": "rural",
            "area_kind_label": "农村",
            "branch_type": "branch",
            "branch_type_label": "党支部",
            "member_count": 40,
            "assigned_unit": {"code": "U01", "name": "区财政局"},
            "secretary": "李建国",
            "is_demo": False,
            "lock_version": 0,
        }
    ]
    community = bearer("admin").get("/api/v1/orgs?q=阳光").json()["items"][0]
    assert community["assigned_unit"] is None and community["secretary"] is None


@pytest.mark.django_db
def test_detail_lists_current_posts_only(bearer, world):
    from wuxing.core.management.base import system_user
    from wuxing.orgs import services
    from wuxing.orgs.models import Person, Post, PostRole

    actor = system_user()
    former = services.save_person(actor, Person(name="张前任", home_org=world.village_a))
    services.save_post(
        actor,
        Post(
            person=former,
            org=world.village_a,
            role=PostRole.DIRECTOR,
            start_date=dt.date(2015, 1, 1),
            end_date=dt.date(2020, 12, 31),
        ),
    )
    body = bearer("secretary_a").get(f"/api/v1/orgs/{world.village_a.pk}").json()
    assert body["secretary"] == "李建国"
    assert body["posts"] == [
        {
            "role": "secretary",
            "role_label": "党组织书记",
            "person_name": "李建国",
            "start_date": "2021-03-01",
            "on_street_leadership": False,
        }
    ]


@pytest.mark.django_db
def test_filters(bearer, world):
    client = bearer("admin")
    assert codes(client.get("/api/v1/orgs?street=ZB")) == {"ZB001", "ZB002"}
    assert codes(client.get("/api/v1/orgs?street=zb")) == {"ZB001", "ZB002"}
    assert codes(client.get("/api/v1/orgs?street=NOPE")) == set()
    assert codes(client.get("/api/v1/orgs?area_kind=community")) == {"ZB002"}
    assert codes(client.get("/api/v1/orgs?area_kind=rural&street=BZ")) == {"BZ001"}
    assert codes(client.get("/api/v1/orgs?unit=U02")) == {"BZ001"}
    assert codes(client.get("/api/v1/orgs?branch_type=general")) == set()
    assert codes(client.get("/api/v1/orgs?q=社区")) == {"ZB002"}
    assert client.get("/api/v1/orgs?area_kind=village").status_code == 422


@pytest.mark.django_db
def test_page_number_pagination(bearer, world):
    client = bearer("admin")
    first = client.get("/api/v1/orgs?page_size=2").json()
    second = client.get("/api/v1/orgs?page_size=2&page=2").json()
    assert first["count"] == second["count"] == 3
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert {i["code"] for i in first["items"] + second["items"]} == VISIBLE["admin"]
    assert client.get("/api/v1/orgs?page=0").status_code == 422


def _add_branches(world, n):
    from wuxing.core.management.base import system_user
    from wuxing.orgs import services
    from wuxing.orgs.models import Person, Post, PostRole

    actor = system_user()
    for i in range(n):
        org = services.create_branch(
            actor,
            world.street_a,
            {
                "code": f"ZB1{i:02d}",
                "name": f"测试村{i}",
                "area_kind": "rural",
                "branch_type": "branch",
                "assigned_unit": world.unit if i % 2 else world.other_unit,
            },
        )
        person = services.save_person(actor, Person(name=f"书记{i}", home_org=org))
        services.save_post(
            actor, Post(person=person, org=org, role=PostRole.SECRETARY, start_date=dt.date(2022, 1, 1))
        )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["admin", "street_a", "unit"])
def test_list_query_count_does_not_grow_with_rows(role, bearer, world, django_assert_max_num_queries):
    client = bearer(role)
    with django_assert_max_num_queries(6) as small:
        assert client.get("/api/v1/orgs?street=ZB").status_code == 200
    _add_branches(world, 20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/api/v1/orgs?street=ZB")
    assert response.status_code == 200
    if role != "unit":
        assert response.json()["count"] == 22


@pytest.mark.django_db
def test_streets_query_count_is_constant(bearer, world, django_assert_max_num_queries):
    client = bearer("street_a")
    with django_assert_max_num_queries(6) as small:
        client.get("/api/v1/streets")
    _add_branches(world, 10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/api/v1/streets")
