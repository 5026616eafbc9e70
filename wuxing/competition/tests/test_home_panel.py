"""The competition's panel on the first pages: what each role sees, and a query count that does not grow
with organisations or monthly scores."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wuxing.competition import services
from wuxing.competition.models import MonthlyScore
from wuxing.competition.tests.conftest import YEAR, put_month
from wuxing.orgs.models import Level, OrgUnit
from wuxing.rules.tests.test_query_counts import add_scored_orgs

pytestmark = pytest.mark.django_db


def _score_everyone(month_count: int) -> None:
    from decimal import Decimal

    from wuxing.competition.models import Checklist
    from wuxing.competition.parameters import DEFAULT_CHECKLIST

    checklist, _ = Checklist.objects.get_or_create(
        year=YEAR, version=1, defaults={"items": DEFAULT_CHECKLIST}
    )
    MonthlyScore.objects.all().delete()
    rows = [
        MonthlyScore(org=o, year=YEAR, month=m, checklist=checklist, total=Decimal(50 + (o.pk * 7 + m) % 50))
        for o in OrgUnit.objects.filter(level=Level.BRANCH)
        for m in range(1, month_count + 1)
    ]
    MonthlyScore.objects.bulk_create(rows)


def _count(client: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/?year={YEAR}")
    assert response.status_code == 200
    assert response.context["competition"] is None or "competition-panel" in response.content.decode()
    return len(ctx)


@pytest.mark.parametrize("role", ["admin", "leader", "street_a", "secretary_a"])
def test_the_panel_does_not_grow_with_organisations(
    world: Any, rulebooks: Any, client_for: Any, role: str
) -> None:
    services.save_parameters(world.users["admin"], YEAR, {"min_level": 0}, "全部参评")
    client = client_for(role)
    client.get(f"/?year={YEAR}")
    add_scored_orgs(world, 0, 4)
    _score_everyone(2)
    few = _count(client)
    add_scored_orgs(world, 4, 20)
    _score_everyone(6)
    many = _count(client)
    assert many == few


def test_the_district_sees_the_goals_and_a_street_its_places_and_warning(
    world: Any, branches: dict[str, Any], rulebooks: Any, client_for: Any
) -> None:
    for month in (1, 2, 3):
        put_month(branches, month, {"ZB001": "90", "ZB004": "60", "BZ001": "80"})
    services.apply_policy(world.users["admin"], YEAR)
    body = client_for("admin").get(f"/?year={YEAR}").content.decode()
    assert 'id="home-goals"' in body and 'data-chart="goals"' in body and "未达标" in body
    assert "1 条降档建议待区级决定" in body
    body = client_for("street_a").get(f"/?year={YEAR}").content.decode()
    assert "彰北街道在全区街道中列第" in body and "ZB004村" in body and "末位预警" in body
    assert "后万金村" not in body.split('id="home-ranking"')[1]
    body = client_for("secretary_a").get(f"/?year={YEAR}").content.decode()
    assert 'id="home-ranking-rows"' in body and "西漳涧村" in body and "ZB004村" not in body
    assert client_for("unit").get(f"/?year={YEAR}").context["competition"] is None


@pytest.mark.parametrize("cap", [1, 2])
def test_past_the_first_pages_limit_the_streets_furthest_from_the_goals_are_listed(
    world: Any, branches: dict[str, Any], rulebooks: Any, client_for: Any, monkeypatch: Any, cap: int
) -> None:
    """At province size the goals table and chart list the streets that miss the goals, the furthest
    first; at exactly the limit every street is listed."""
    monkeypatch.setattr("wuxing.dashboard.queries.HOME_STREETS_MAX", cap)
    response = client_for("admin").get(f"/?year={YEAR}")
    panel = response.context["competition"]
    every = panel["report"].streets
    shown = panel["streets_shown"]
    assert len(every) == 2
    body = response.content.decode()
    if cap == 1:
        assert len(shown) == 1 and not shown[0].met
        assert shown[0].below == max(s.below for s in every)  # the furthest from the branch goal first
        assert panel["goal_chart"]["categories"] == [shown[0].name]
        assert "共 2 个街道/镇，这里列出离目标最远的 1 个" in body
    else:
        assert [s.code for s in shown] == [s.code for s in every]
        assert "这里列出离目标最远" not in body
