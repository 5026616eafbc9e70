"""The year's goals per street: met or not, the shortfall, and the organisations closest to closing it."""

from __future__ import annotations

from typing import Any

import pytest

from wuxing.competition import goals, services
from wuxing.competition.queries import parameters_for
from wuxing.competition.tests.conftest import YEAR

pytestmark = pytest.mark.django_db


def _street(counts: list[int], **params: Any) -> goals.StreetGoals:
    row, _saved = parameters_for(YEAR)
    for k, v in params.items():
        setattr(row, k, v)
    s = goals.StreetGoals("ZB", "彰北街道", None, counts=counts)
    goals._judge(s, row)
    return s


def test_a_street_meets_the_goals_exactly_at_the_defaults() -> None:
    s = _street([0, 0, 0, 7, 2, 1])
    assert s.met and s.branch_met and (s.five_short, s.four_short) == (0, 0) and s.reasons == []


def test_one_below_three_stars_misses_the_branch_goal() -> None:
    s = _street([0, 0, 1, 7, 2, 1])
    assert not s.met and not s.branch_met and s.street_met and s.below == 1
    assert s.reasons == ["1 个组织未达目标星级"]


def test_five_and_four_star_shortfalls_and_the_surplus_reading() -> None:
    s = _street([0, 0, 0, 9, 1, 0])
    assert (s.five_short, s.four_short) == (1, 1) and s.reasons == ["五星还差 1 个", "四星还差 1 个"]
    s = _street([0, 0, 0, 9, 0, 3])  # a surplus five counts as a four (default)
    assert (s.five_short, s.four_short, s.fours) == (0, 0, 2)
    s = _street([0, 0, 0, 9, 0, 3], four_counts_five=False)
    assert (s.five_short, s.four_short) == (0, 2)


def test_an_empty_street_does_not_meet_the_branch_goal() -> None:
    assert not _street([0] * 6).branch_met


def test_evaluate_per_street_with_the_closest_organisations(world: Any, rulebooks: Any) -> None:
    admin = world.users["admin"]
    services.save_parameters(admin, YEAR, {"closest_count": 1}, "只看最接近的一个")
    report = goals.evaluate(admin, YEAR)
    by_code = {s.code: s for s in report.streets}
    assert set(by_code) == {"ZB", "BZ"}
    zb = by_code["ZB"]
    assert zb.orgs == 2 and zb.below == 2 and not zb.met
    assert (zb.five_short, zb.four_short) == (1, 2)
    assert set(zb.closest) == {"branch", "five", "four"}
    assert len(zb.closest["branch"]) == 1 and zb.closest["branch"][0].target == 3
    assert zb.closest["branch"][0].items > 0 and zb.closest["branch"][0].reasons
    assert report.as_json()["streets"][0]["code"] == "BZ"  # in code order


def test_a_street_sees_only_its_own_goals(world: Any, rulebooks: Any) -> None:
    report = goals.evaluate(world.users["street_a"], YEAR)
    assert [s.code for s in report.streets] == ["ZB"]
    codes = {c.code for items in report.streets[0].closest.values() for c in items}
    assert codes <= {"ZB001", "ZB002"}


def test_the_goals_command_and_api(world: Any, rulebooks: Any, tmp_path: Any, bearer: Any) -> None:
    import json
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("goals", "--year", "2023", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert [s["code"] for s in data["streets"]] == ["BZ", "ZB"] and data["streets"][0]["met"] is False
    out = StringIO()
    call_command("goals", "--year", "2023", "--user", "street_a", stdout=out)
    assert "彰北街道" in out.getvalue() and "柏庄镇" not in out.getvalue()
    path = tmp_path / "goals.xlsx"
    call_command("goals", "--year", "2023", "--format", "xlsx", "--output", str(path), stderr=StringIO())
    assert path.read_bytes()[:2] == b"PK"
    response = bearer("street_a").get("/api/v1/goals?year=2023")
    assert response.status_code == 200
    assert [s["code"] for s in response.json()["streets"]] == ["ZB"]
    assert bearer("admin").get("/api/v1/competition/rankings?year=2023").status_code == 200
