"""The Beiguan demo rated by the set-based loader (queries.rate: one GROUP BY over the stored cells) agrees
with rating each organisation's own values through the pure engine, and has the documented shape.

The demo is loaded once for this module (load_registry + load_demo_scores, exactly as `wuxing load_demo`
does) inside a transaction rolled back at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from wuxing.accounts.models import Role, User
from wuxing.core.management.base import system_user
from wuxing.orgs.models import OrgUnit
from wuxing.rules import engine, queries, services
from wuxing.rules.models import Score
from wuxing.rules.tests.helpers import YEAR


@pytest.fixture(scope="module")
def _demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    from wuxing.demo.services import load_registry
    from wuxing.rules.demo import load_demo_scores

    with django_db_blocker.unblock(), transaction.atomic():
        assert not OrgUnit.objects.exists()
        load_registry()
        assert load_demo_scores() is not None
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(_demo: None, db: Any) -> None:
    return None


def own_values(book: Any, rows: list[tuple[str, Decimal]]) -> dict[str, Any]:
    """Stored numbers as typed values, by the rule of Score.value (1/0 yes-no, counts, numbers)."""
    values: dict[str, Any] = {}
    for code, value in rows:
        indicator = book.indicator(code)
        if indicator.form == "yes_no":
            assert value in (0, 1)
            values[code] = value == 1
        elif indicator.form in ("per_occurrence", "bonus", "penalty"):
            assert value == int(value)
            values[code] = int(value)
        else:
            values[code] = value
    return values


def test_the_set_based_rating_agrees_with_the_engine_on_every_organisation(demo: None) -> None:
    rows = queries.rate(system_user(), YEAR)
    assert len(rows) == 112
    books = {kind: services.active_rulebook(YEAR, kind) for kind in ("rural", "community")}
    stored: dict[int, list[tuple[str, Decimal]]] = {}
    for org_id, code, value in Score.objects.filter(year=YEAR).values_list(
        "org_id", "indicator_code", "value"
    ):
        stored.setdefault(org_id, []).append((code, value))
    with_gaps = 0
    for row in rows:
        rb = books[row.kind]
        assert rb is not None and row.rulebook.pk == rb.pk
        expected = engine.rate_one(rb.rulebook, own_values(rb.rulebook, stored[row.org_id]))
        got = (row.level, row.result.stars, row.result.points, row.gaps)
        assert got == (expected.level, expected.stars, expected.points, engine.gap_list(expected)), (
            row.org_name
        )
        with_gaps += bool(row.gaps)
    assert with_gaps == 110  # every organisation but the two five-star ones misses a star


def test_the_demo_has_the_documented_distribution(demo: None) -> None:
    rows = queries.rate(system_user(), YEAR)
    assert queries.distribution(rows) == {0: 0, 1: 6, 2: 62, 3: 29, 4: 13, 5: 2}
    five = sorted(r.org_name for r in rows if r.level == 5)
    assert five == sorted(["后万金村", "恒大绿洲社区"])
    by_name = {r.org_name: r for r in rows}
    assert by_name["后万金村"].street == "柏庄镇" and by_name["恒大绿洲社区"].street == "彰东街道"
    # the five reserve candidates are four-star (five-star.md §5)
    for name in ("西漳涧村", "西苏度村", "北花村", "盘庚中社区", "光辉路社区"):
        assert by_name[name].level == 4, name
    assert all(r.as_json()["rulebook_version"] == 1 and r.as_json()["placeholder_rules"] for r in rows)


def test_a_street_user_rates_only_their_street(demo: None) -> None:
    zb = OrgUnit.objects.streets().get(code="ZB")
    user = User.objects.create_user("jd_test", password="x-test-1", role=Role.STREET_STAFF, scope_org=zb)
    rows = queries.rate(user, YEAR)
    # 彰北街道: 2 communities and 24 villages (wuxing/demo/beiguan.py STREETS)
    assert len(rows) == 26
    assert {r.street for r in rows} == {"彰北街道"}
    assert {r.kind for r in rows} == {"rural", "community"}
    admin_view = queries.rate(system_user(), YEAR, street=zb)
    assert [(r.org_id, r.level, r.gaps) for r in rows] == [(r.org_id, r.level, r.gaps) for r in admin_view]
    assert len(queries.rate(user, YEAR, kind="community")) == 2
    # asking for another street's organisation by id gives nothing
    other = OrgUnit.objects.branches().get(name="后万金村")
    assert queries.rate(user, YEAR, org_ids=[other.pk]) == []
