"""/api/v1/ratings and /api/v1/rulebooks, tried by each role on its own and another street's objects."""

from __future__ import annotations

import pytest

from wuxing.rules.tests.helpers import COMMUNITY_SOME, CYXW_AT_18, RURAL_FULL, YEAR

pytestmark = pytest.mark.django_db

VISIBLE = {
    "admin": ["BZ001", "ZB001", "ZB002"],
    "leader": ["BZ001", "ZB001", "ZB002"],
    "street_a": ["ZB001", "ZB002"],
    "street_b": ["BZ001"],
    "secretary_a": ["ZB001"],
    "unit": ["ZB001"],
}
ROLES = sorted(VISIBLE)


@pytest.fixture
def rated(world, rulebooks, save) -> None:
    save(world.village_a, RURAL_FULL)  # five stars
    save(world.community_a, COMMUNITY_SOME)  # none
    save(world.village_b, CYXW_AT_18)  # none: 80 points but 18 万元 < 20


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["items"])
    return [item["org_code"] for item in body["items"]]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_its_own_scope(role, rated, bearer, client_for, world):
    assert codes(bearer(role).get(f"/api/v1/ratings?year={YEAR}")) == VISIBLE[role]
    assert codes(client_for(role).get(f"/api/v1/ratings?year={YEAR}")) == VISIBLE[role]  # session
    client = bearer(role)
    for org in (world.village_a, world.community_a, world.village_b):
        response = client.get(f"/api/v1/ratings/{org.pk}?year={YEAR}")
        if org.code in VISIBLE[role]:
            assert response.status_code == 200, (role, org.code)
            assert response.json()["org_code"] == org.code
        else:
            assert response.status_code == 404, (role, org.code)
            assert "未找到" in response.json()["detail"]


def test_anonymous_gets_401(rated, client, world):
    for url in (
        f"/api/v1/ratings?year={YEAR}",
        f"/api/v1/ratings/{world.village_a.pk}?year={YEAR}",
        "/api/v1/rulebooks",
    ):
        response = client.get(url)
        assert response.status_code == 401, url
        assert "未登录或令牌无效" in response.json()["detail"]


def test_one_rating_in_full(rated, bearer, world):
    body = bearer("admin").get(f"/api/v1/ratings?year={YEAR}").json()["items"]
    five = body[1]
    assert {
        k: five[k] for k in ("org_code", "org_name", "kind", "year", "rulebook_version", "placeholder_rules")
    } == {
        "org_code": "ZB001",
        "org_name": "西漳涧村",
        "kind": "rural",
        "year": 2023,
        "rulebook_version": 1,
        "placeholder_rules": True,
    }
    assert five["street"] == {"code": "ZB", "name": "彰北街道"}
    assert (five["level"], five["stars"], five["gaps"]) == (5, ["zbgy", "cyxw", "stjy", "pafz", "wmxf"], [])
    assert five["points"] == dict.fromkeys(["zbgy", "cyxw", "stjy", "pafz", "wmxf"], "100.00")


def test_pagination_and_filters(rated, bearer):
    client = bearer("admin")
    first = client.get(f"/api/v1/ratings?year={YEAR}&page_size=2").json()
    second = client.get(f"/api/v1/ratings?year={YEAR}&page_size=2&page=2").json()
    assert (first["count"], second["count"]) == (3, 3)
    assert [i["org_code"] for i in first["items"] + second["items"]] == ["BZ001", "ZB001", "ZB002"]
    assert codes(client.get(f"/api/v1/ratings?year={YEAR}&level=5")) == ["ZB001"]
    assert codes(client.get(f"/api/v1/ratings?year={YEAR}&level=0")) == ["BZ001", "ZB002"]
    assert codes(client.get(f"/api/v1/ratings?year={YEAR}&level=4")) == []
    assert codes(client.get(f"/api/v1/ratings?year={YEAR}&kind=community")) == ["ZB002"]
    assert codes(client.get(f"/api/v1/ratings?year={YEAR}&street=zb")) == ["ZB001", "ZB002"]
    assert codes(client.get("/api/v1/ratings?year=2022")) == []
    assert client.get(f"/api/v1/ratings?year={YEAR}&level=6").status_code == 422
    assert client.get("/api/v1/ratings").status_code == 422  # the year is required
    # a street user asking for another street: 404, like a street that does not exist
    assert bearer("street_a").get(f"/api/v1/ratings?year={YEAR}&street=BZ").status_code == 404
    assert client.get(f"/api/v1/ratings?year={YEAR}&street=XX").status_code == 404


def test_detail_explains_each_star(rated, bearer, world):
    body = bearer("street_b").get(f"/api/v1/ratings/{world.village_b.pk}?year={YEAR}").json()
    assert body["level"] == 0 and body["rulebook_version"] == 1
    stars = {s["code"]: s for s in body["star_results"]}
    assert list(stars) == ["zbgy", "cyxw", "stjy", "pafz", "wmxf"]
    assert stars["cyxw"] == {
        "code": "cyxw",
        "name": "产业兴旺星",
        "awarded": False,
        "points": "80.00",
        "min_points": "80.00",
        "gap_points": "0.00",
        "reasons": ["必达指标未达标：村集体经济收入 ≥ 20 万元，当前 18 万元"],
        "root_stars": [],
    }
    assert stars["stjy"]["reasons"][:1] == ["得分 0 分，距 80 分还差 80 分"]
    # the relation between stars comes first: it explains the star before its own points do
    assert stars["zbgy"]["reasons"][0] == "须先获得：产业兴旺星、生态宜居星、平安法治星、文明幸福星"
    assert stars["zbgy"]["root_stars"] == []  # every missing star failed on its own: no chain to trace
    five = bearer("secretary_a").get(f"/api/v1/ratings/{world.village_a.pk}?year={YEAR}").json()
    assert all(s["awarded"] and s["reasons"] == [] for s in five["star_results"])
    assert bearer("admin").get(f"/api/v1/ratings/{world.district.pk}?year={YEAR}").status_code == 404


def test_rulebooks_endpoint(rulebooks, bearer):
    client = bearer("unit")
    listed = client.get("/api/v1/rulebooks").json()
    assert sorted(
        (r["year"], r["kind"], r["version"], r["is_active"], r["is_placeholder"]) for r in listed
    ) == [
        (2023, "community", 1, True, True),
        (2023, "rural", 1, True, True),
    ]
    assert client.get("/api/v1/rulebooks?year=2024").json() == []
    detail = client.get(f"/api/v1/rulebooks/{rulebooks['rural'].pk}").json()
    assert detail["content"] == rulebooks["rural"].content
    assert client.get("/api/v1/rulebooks/999999").status_code == 404
