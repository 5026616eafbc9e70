"""Lists, tree and exports run a bounded number of queries whatever the number of organisations."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wuxing.core.management.base import system_user
from wuxing.core.tests.xlsxutil import read_rows
from wuxing.orgs import services
from wuxing.orgs.models import Person, Post, PostRole

URLS = [
    "/orgs/",
    "/orgs/tree/",
    "/orgs/?format=xlsx",
    "/orgs/people/",
    "/orgs/people/?format=xlsx",
    "/orgs/units/",
    "/orgs/units/?format=xlsx",
    "street-detail",
]


def add_branches(world: Any, start: int, count: int) -> None:
    """`count` more branches in both streets, each with a secretary and a helping unit."""
    actor = system_user()
    for i in range(start, start + count):
        street, prefix = (world.street_a, "ZB") if i % 2 else (world.street_b, "BZ")
        org = services.create_branch(
            actor,
            street,
            {
                "code": f"{prefix}5{i:02d}",
                "name": f"测试村{i:02d}",
                "area_kind": "rural" if i % 3 else "community",
                "branch_type": "branch",
                "member_count": i,
                "assigned_unit": world.unit if i % 2 else world.other_unit,
            },
        )
        person = services.save_person(actor, Person(name=f"书记{i:02d}", home_org=org))
        services.save_post(
            actor, Post(person=person, org=org, role=PostRole.SECRETARY, start_date=dt.date(2021, 1, 1))
        )


def queries_for(client: Any, url: str) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx), response


@pytest.mark.parametrize("role", ["admin", "street_a", "unit"])
def test_query_count_does_not_grow_with_organisations(client_for: Any, world: Any, role: str) -> None:
    detail = f"/orgs/units/{world.unit.pk}/" if role == "unit" else f"/orgs/{world.street_a.pk}/"
    urls = [detail if u == "street-detail" else u for u in URLS]
    client = client_for(role)
    for url in urls:
        client.get(url)  # warm caches (content types, session)
    add_branches(world, 0, 5)
    few = {url: queries_for(client, url)[0] for url in urls}
    add_branches(world, 5, 35)
    many: dict[str, int] = {}
    for url in urls:
        many[url], response = queries_for(client, url)
        # The extra rows really were there: the last branch of street A (测试村39, 书记39, helped by U01).
        if url.endswith("format=xlsx"):
            rows = read_rows(response.getvalue())
            text = " ".join(str(v) for row in rows for v in row)
        else:
            text = response.content.decode()
        if "/orgs/units/?" in url:
            u01 = next(r for r in rows if r[0] == "U01")
            assert u01[4] == {"admin": 21, "street_a": 21, "unit": 21}[role], u01
        elif "/orgs/units/" not in url or url == detail:
            assert ("书记39" if "people" in url else "测试村39") in text, f"{url} as {role}"
    assert few == many, f"as {role}: with 5 extra branches {few}, with 40 {many}"
    assert max(many.values()) <= 20, many
