"""Each role's first page (and its Excel export) runs the same number of queries with 5 and with 40 extra
organisations that have values and veto events: nothing is read per organisation."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wuxing.rules.tests.test_query_counts import add_scored_orgs

pytestmark = pytest.mark.django_db

URLS = ["/", "/?format=xlsx"]


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(ctx)


@pytest.mark.parametrize("role", ["admin", "leader", "street_a", "unit", "secretary_a"])
def test_first_pages_do_not_grow_with_organisations(world, rulebooks, client_for, role):
    client = client_for(role)
    for url in URLS:
        client.get(url)  # warm caches (session, content types)
    add_scored_orgs(world, 0, 5)
    few = {url: count(client, url) for url in URLS}
    add_scored_orgs(world, 5, 35)
    many = {url: count(client, url) for url in URLS}
    shown = client.get("/").context
    if role in ("admin", "leader"):
        assert shown["total"].orgs == 43  # the new organisations really were rated
    elif role == "street_a":
        assert shown["total"].orgs == 22
        assert len(shown["closest"]) == 22  # every one of them explained (gap lists), still no query each
    assert many == few
