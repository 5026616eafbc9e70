"""The first pages read a named year from its official record, and list what is due in an open cycle."""

from __future__ import annotations

from typing import Any

import pytest

from wuxing.reviews import queries, services
from wuxing.reviews.tests.test_services import NOTICE_DAY, approve_all
from wuxing.rules import services as rule_services
from wuxing.rules.tests.helpers import CYXW_FULL, STJY_FULL, ZBGY_FULL

pytestmark = pytest.mark.django_db


def test_a_named_year_is_counted_from_its_record_not_the_live_rating(
    cycle: Any, world: Any, rulebooks: Any, client_for: Any
) -> None:
    admin = world.users["admin"]
    rule_services.save_scores(admin, world.village_a, 2023, {**ZBGY_FULL, **CYXW_FULL, **STJY_FULL})
    approve_all(cycle)
    services.start_notice(admin, cycle, NOTICE_DAY)
    services.name_cycle(admin, cycle)
    named_level = {r.org_id: r.level for r in queries.year_results(admin, 2023)}[world.village_a.pk]
    # a stricter rulebook afterwards lowers the live rating of village A…
    rule_services.tune_version(admin, rulebooks["rural"], {("cyxw.income", "target"): 30})
    from wuxing.rules import queries as rule_queries

    live_level = {r.org_id: r.level for r in rule_queries.rate(admin, 2023, live=True)}[world.village_a.pk]
    assert live_level < named_level
    # …but the first page of 2023 still counts the named level, and says so
    response = client_for("admin").get("/?year=2023")
    page = response.content.decode()
    assert "其中已命名的类型取自正式记录" in page  # rural named, community still live
    expected = [0] * 6
    for row in queries.year_results(admin, 2023):  # rural: named; community: live (its cycle is not named)
        expected[row.level] += 1
    assert response.context["total"].counts == expected
    wrong = [0] * 6
    for live in rule_queries.rate(admin, 2023, live=True):
        wrong[live.level] += 1
    assert expected != wrong  # the live rating would have shown other numbers
    # the star card heads with the named level and says so; the ratings page points to the record
    card = client_for("admin").get(f"/stars/orgs/{world.village_a.pk}/?year=2023").content.decode()
    assert f"2023 年度已命名：{named_level} 星（正式记录" in card
    assert f"</span> {named_level}星</h1>" in card
    ratings = client_for("admin").get("/stars/ratings/?year=2023").content.decode()
    assert "2023 年度农村已命名：本表显示命名时冻结的正式结果" in ratings
    # the organisation's profile lists the named level for 2023, the street's profile counts it
    profile = client_for("admin").get(f"/orgs/{world.village_a.pk}/")
    assert (2023, named_level, "named") in profile.context["star_levels"]
    street = client_for("admin").get(f"/orgs/{world.street_a.pk}/")
    (y2023,) = [y for y in street.context["star_summary"] if y["year"] == 2023]
    assert dict(y2023["distribution"])[named_level] >= 1 and y2023["source"] in ("named", "mixed")


def test_the_first_page_lists_what_is_due(cycle: Any, world: Any, client_for: Any) -> None:
    page = client_for("secretary_a").get("/").content.decode()
    assert "待办" in page and "2023年农村评星" in page and "自评中" in page
    assert "已逾期" in page  # the 2023 self-assessment deadline is long past
    assert "待办" not in client_for("leader").get("/").content.decode()  # nothing waits for a leader
