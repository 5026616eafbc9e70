"""A district's rating page renders with a bounded number of queries whatever the number of
organisations: the page, its Excel export and the ratings API run the same number of queries with 5 and
with 40 extra organisations that have values and veto events."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wuxing.core.management.base import system_user
from wuxing.core.tests.xlsxutil import read_rows
from wuxing.orgs import services as org_services
from wuxing.rules import services
from wuxing.rules.tests.helpers import COMMUNITY_SOME, CYXW_AT_18, STJY_FULL, YEAR

pytestmark = pytest.mark.django_db

URLS = [
    f"/stars/ratings/?year={YEAR}",
    f"/stars/ratings/?year={YEAR}&sort=level",
    f"/stars/ratings/?year={YEAR}&format=xlsx",
    f"/api/v1/ratings?year={YEAR}",
]


def add_scored_orgs(world: Any, start: int, count: int) -> None:
    """`count` more branches in both streets, rural and community, each with values; some with an unmet
    required indicator (so the reasons read its value), some with a veto event."""
    actor = system_user()
    for i in range(start, start + count):
        street, prefix = (world.street_a, "ZB") if i % 2 else (world.street_b, "BZ")
        kind = "community" if i % 3 == 0 else "rural"
        org = org_services.create_branch(
            actor,
            street,
            {
                "code": f"{prefix}5{i:02d}",
                "name": f"测试{'社区' if kind == 'community' else '村'}{i:02d}",
                "area_kind": kind,
                "branch_type": "branch",
                "member_count": 30 + i,
            },
        )
        values = COMMUNITY_SOME if kind == "community" else {**STJY_FULL, **(CYXW_AT_18 if i % 2 else {})}
        services.save_scores(actor, org, YEAR, values)
        if i % 4 == 1:
            code = "pafz.petition"
            services.record_veto(actor, org, YEAR, code, dt.date(2023, 6, 1), "测试")


def count_queries(client: Any, url: str) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return len(ctx), response


@pytest.mark.parametrize("role", ["admin", "street_a"])
def test_rating_outputs_do_not_grow_with_organisations(world, rulebooks, client_for, role):
    client = client_for(role)
    for url in URLS:
        client.get(url)  # warm caches (session, content types)
    add_scored_orgs(world, 0, 5)
    few = {url: count_queries(client, url)[0] for url in URLS}
    add_scored_orgs(world, 5, 35)
    many: dict[str, int] = {}
    for url in URLS:
        many[url], response = count_queries(client, url)
        # the new organisations really were rated: admin sees 3 + 40, street A 2 + 20
        shown = 43 if role == "admin" else 22
        if "format=xlsx" in url:
            rows = read_rows(response.getvalue(), sheet=-1)  # 星级分布
            assert sum(n for _level, n in rows[1:]) == shown
        elif url.startswith("/api/"):
            assert response.json()["count"] == shown
        else:
            body = response.content.decode()
            # i = 37, 39 are in street A (rural, community), i = 38 in street B
            assert "测试村37" in body and "测试社区39" in body
            assert ("测试村38" in body) is (role == "admin")
    assert many == few


def test_rescoring_does_not_run_a_statement_per_value(world, rulebooks):
    """Activating a version rescores its year: statements grow with batches, never with values."""
    rural = rulebooks["rural"]
    add_scored_orgs(world, 0, 5)
    with CaptureQueriesContext(connection) as few:
        scored_few, _ = services.rescore(rural)
    add_scored_orgs(world, 5, 35)
    with CaptureQueriesContext(connection) as many:
        scored_many, _ = services.rescore(rural)
    assert scored_many > 3 * scored_few  # many more values were really rescored…
    assert len(many) == len(few)  # …with the same statements
