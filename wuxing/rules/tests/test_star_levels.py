"""Star levels where people look (issue 好用 item 3): the organisation list (column, filter, sort,
export), the tree (a badge; a street's organisations loaded when opened once the scope is large) and
the organisation and street profiles (this year's level and earlier years'), all from the kept ratings
with no query per row."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wuxing.core.management.base import system_user
from wuxing.core.tests.xlsxutil import read_rows
from wuxing.orgs import queries as org_queries
from wuxing.orgs import services as org_services
from wuxing.rules import services
from wuxing.rules.tests.helpers import CYXW_AT_18, RURAL_FULL, STJY_FULL, YEAR
from wuxing.rules.tests.test_pages import text_of

pytestmark = pytest.mark.django_db


def _add(world: Any, start: int, count: int) -> None:
    actor = system_user()
    for i in range(start, start + count):
        org = org_services.create_branch(
            actor,
            world.street_a if i % 2 else world.street_b,
            {"code": f"S{i:03d}", "name": f"星级村{i:03d}", "area_kind": "rural", "branch_type": "branch"},
        )
        services.save_scores(actor, org, YEAR, RURAL_FULL if i % 3 == 0 else STJY_FULL)


def test_the_org_list_shows_filters_and_sorts_by_this_years_level(world, rulebooks, client_for, save):
    save(world.village_a, RURAL_FULL)
    save(world.village_b, CYXW_AT_18)
    client = client_for("admin")
    page = text_of(client.get("/orgs/"))
    assert "2023年星级" in page and "5星" in page
    five = text_of(client.get("/orgs/?star_level=5"))
    assert "西漳涧村" in five and "后万金村" not in five and "阳光社区" not in five
    zero = text_of(client.get("/orgs/?star_level=0"))
    assert "西漳涧村" not in zero and "后万金村" in zero
    by_stars = client.get("/orgs/?sort=stars").content.decode()
    assert by_stars.index("西漳涧村") < by_stars.index("后万金村")
    rows = read_rows(b"".join(client.get("/orgs/?format=xlsx").streaming_content))
    assert rows[0][-1] == "2023年星级（实时评定）"
    assert {r[2]: r[-1] for r in rows[1:]}["西漳涧村"] == "5星"


def _queries(client: Any, url: str) -> int:
    client.get(url)  # the kept ratings are decided once
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("url", ["/orgs/", "/orgs/?sort=stars", "/orgs/?format=xlsx", "/orgs/tree/"])
def test_star_levels_cost_no_query_per_row(world, rulebooks, client_for, url):
    client = client_for("admin")
    _add(world, 0, 4)
    small = _queries(client, url)
    _add(world, 4, 30)
    assert _queries(client, url) == small


def test_a_large_tree_loads_a_street_when_it_is_opened(world, rulebooks, client_for, save, monkeypatch):
    save(world.village_a, RURAL_FULL)
    monkeypatch.setattr(org_queries, "TREE_INLINE_LIMIT", 1)
    client = client_for("admin")
    tree = client.get("/orgs/tree/").content.decode()
    assert "西漳涧村" not in tree and "彰北街道" in tree
    assert f'hx-get="/orgs/tree/streets/{world.street_a.pk}/"' in tree and 'hx-trigger="toggle once"' in tree
    street = client.get(f"/orgs/tree/streets/{world.street_a.pk}/").content.decode()
    assert "西漳涧村" in street and "5星" in street and "后万金村" not in street
    # a street user sees one street, loaded straight away
    own = client_for("street_a").get("/orgs/tree/").content.decode()
    assert 'hx-trigger="load"' in own


def test_the_small_tree_shows_badges_inline(world, rulebooks, client_for, save):
    save(world.village_a, RURAL_FULL)
    tree = text_of(client_for("admin").get("/orgs/tree/"))
    assert "西漳涧村 农村 5星" in tree and "星级徽标：2023年实时评定" in tree


def test_profiles_show_this_years_level_and_earlier_years(world, rulebooks, client_for, save):
    save(world.village_a, RURAL_FULL)
    save(world.village_b, CYXW_AT_18)
    actor = system_user()
    earlier = services.clone_to_year(actor, rulebooks["rural"], 2022)
    assert earlier.is_active
    client = client_for("admin")
    village = text_of(client.get(f"/orgs/{world.village_a.pk}/"))
    assert "2023年 ★★★★★ 5星 实时评定" in village and "2022年 ☆☆☆☆☆ 0星 实时评定" in village
    street = text_of(client.get(f"/orgs/{world.street_a.pk}/"))
    assert "星级分布" in street and "2023年" in street and "2022年" in street
    assert "50.0%（1/2）" in street  # 西漳涧村 five stars, 阳光社区 none
