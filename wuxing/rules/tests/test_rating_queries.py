"""queries.rate on the small `world`: scoping by role, filters, reasons read from the stored cells, and
veto events (一票否决) voiding a star until revoked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from wuxing.core.management.base import system_user
from wuxing.rules import queries, services
from wuxing.rules.tests.helpers import COMMUNITY_SOME, CYXW_AT_18, RURAL_FULL, YEAR, text_of

pytestmark = pytest.mark.django_db

VISIBLE = {
    "admin": ["BZ001", "ZB001", "ZB002"],
    "leader": ["BZ001", "ZB001", "ZB002"],
    "street_a": ["ZB001", "ZB002"],
    "street_b": ["BZ001"],
    "secretary_a": ["ZB001"],
    "unit": ["ZB001"],
}


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_each_role_rates_exactly_what_it_sees(world, rulebooks, role):
    rows = queries.rate(world.users[role], YEAR)
    assert [r.org_code for r in rows] == VISIBLE[role]  # ordered by street code, then org code
    # asking for every organisation by id never widens the scope
    ids = [world.village_a.pk, world.community_a.pk, world.village_b.pk]
    assert [r.org_code for r in queries.rate(world.users[role], YEAR, org_ids=ids)] == VISIBLE[role]


def test_street_kind_and_year_filters(world, rulebooks):
    admin = world.users["admin"]
    assert [r.org_code for r in queries.rate(admin, YEAR, street=world.street_a)] == ["ZB001", "ZB002"]
    assert [r.org_code for r in queries.rate(admin, YEAR, kind="community")] == ["ZB002"]
    assert [
        (r.org_code, r.street, r.street_code, r.kind_label) for r in queries.rate(admin, YEAR, kind="rural")
    ] == [
        ("BZ001", "柏庄镇", "BZ", "农村"),
        ("ZB001", "彰北街道", "ZB", "农村"),
    ]
    assert queries.rate(admin, 2022) == []  # no rulebook for 2022
    assert queries.rate(admin, YEAR, org_ids=[]) == []  # asking for no organisation rates none


def test_an_organisation_without_values_is_rated_zero_with_every_reason(world, rulebooks):
    (row,) = queries.rate(system_user(), YEAR, org_ids=[world.village_b.pk])
    assert (row.level, row.result.stars) == (0, ())
    assert row.result.points == dict.fromkeys(["zbgy", "cyxw", "stjy", "pafz", "wmxf"], Decimal("0.00"))
    gaps = row.gaps
    assert "产业兴旺星：得分 0 分，距 80 分还差 80 分" in gaps
    assert "产业兴旺星：必达指标未达标：村集体经济收入 ≥ 20 万元，当前未填报" in gaps
    assert "支部过硬星：须先获得：产业兴旺星、生态宜居星、平安法治星、文明幸福星" in gaps
    assert row.as_json() == {
        "org_id": world.village_b.pk,
        "org_code": "BZ001",
        "org_name": "后万金村",
        "street": "柏庄镇",
        "street_code": "BZ",
        "kind": "rural",
        "year": 2023,
        "rulebook_version": 1,
        "placeholder_rules": True,
        "level": 0,
        "stars": [],
        "points": dict.fromkeys(["zbgy", "cyxw", "stjy", "pafz", "wmxf"], "0.00"),
        "gaps": gaps,
        "source": "live",
    }


def test_reasons_quote_the_stored_value_of_an_unmet_required_indicator(world, rulebooks, save):
    save(world.village_a, CYXW_AT_18)
    save(world.community_a, COMMUNITY_SOME)
    rows = {r.org_code: r for r in queries.rate(system_user(), YEAR)}
    cyxw = rows["ZB001"].result.star_results["cyxw"]
    assert (cyxw.points, cyxw.gap_points, cyxw.awarded) == (Decimal("80.00"), Decimal("0.00"), False)
    assert cyxw.reasons == ("必达指标未达标：村集体经济收入 ≥ 20 万元，当前 18 万元",)
    xfhx = rows["ZB002"].result.star_results["xfhx"]
    assert xfhx.reasons == (
        "得分 15 分，距 80 分还差 65 分",
        "未填报（按 0 分计）：开展文体活动、评选表彰文明家庭、好邻居等先进典型、困难群众帮扶、"
        "开设“四点半课堂”等未成年人关爱服务、新时代文明实践站建设和志愿服务、获评县级以上文明社区",
        "必达指标未达标：建成社区日间照料中心：是，当前为否",
    )
    zbgy = rows["ZB002"].result.star_results["zbgy"]
    assert zbgy.points == Decimal("20.00") and zbgy.missing_indicators == ()


def test_a_veto_voids_its_star_and_the_capstone_until_revoked(world, rulebooks, save, client_for):
    save(world.village_b, RURAL_FULL)

    def rated():
        (row,) = queries.rate(system_user(), YEAR, org_ids=[world.village_b.pk])
        return row

    assert (rated().level, rated().result.stars) == (5, ("zbgy", "cyxw", "stjy", "pafz", "wmxf"))

    street_b = world.users["street_b"]
    event = services.record_veto(
        street_b, world.village_b, YEAR, "pafz.petition", dt.date(2023, 8, 1), "越级上访"
    )
    row = rated()
    # 平安法治星 is void whatever its 100 points; 支部过硬星 (the capstone) needs it
    assert (row.level, row.result.stars) == (3, ("cyxw", "stjy", "wmxf"))
    assert row.result.points["pafz"] == Decimal("100.00")
    assert row.gaps == ["支部过硬星：须先获得：平安法治星", "平安法治星：一票否决：越级上访"]
    card = text_of(client_for("street_b").get(f"/stars/orgs/{world.village_b.pk}/?year={YEAR}"))
    assert "★★★☆☆ 3星" in card and "一票否决：越级上访" in card

    # a second event voids 产业兴旺星 too; revoking it brings that star back
    services.record_veto(street_b, world.village_b, 2023, "cyxw.asset_loss", dt.date(2023, 3, 1), "资产流失")
    assert rated().result.stars == ("stjy", "wmxf")
    (loss,) = world.village_b.veto_events.filter(veto_code="cyxw.asset_loss")
    services.revoke_veto(street_b, loss, "经核实不属实")

    services.revoke_veto(street_b, event, "经复核，已在本地化解")
    row = rated()
    assert (row.level, row.gaps) == (5, [])
    card = text_of(client_for("street_b").get(f"/stars/orgs/{world.village_b.pk}/?year={YEAR}"))
    assert "★★★★★ 5星" in card and "已撤销：经复核，已在本地化解" in card


def test_a_long_id_list_rates_the_same_organisations_as_a_short_one(world, rulebooks):
    """Past 100 ids the list goes to PostgreSQL as one array parameter (§85): the same rows either way,
    unknown ids ignored."""
    admin = world.users["admin"]
    wanted = [world.village_a.pk, world.village_b.pk]
    padded = wanted + [10_000_000 + n for n in range(150)]  # ids no organisation has
    short = [(r.org_code, r.level, tuple(r.gaps)) for r in queries.rate(admin, YEAR, org_ids=wanted)]
    long = [(r.org_code, r.level, tuple(r.gaps)) for r in queries.rate(admin, YEAR, org_ids=padded)]
    assert long == short and [code for code, *_ in short] == ["BZ001", "ZB001"]
    assert queries.rate(world.users["street_a"], YEAR, org_ids=padded)[0].org_code == "ZB001"
    assert len(queries.rate(world.users["street_a"], YEAR, org_ids=padded)) == 1
