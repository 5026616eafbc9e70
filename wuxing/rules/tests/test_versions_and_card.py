"""Rulebook versions seen from the pages: the card with a veto the active version no longer knows, the
parameter editor, cloning without activation and the default year."""

from __future__ import annotations

import datetime as dt
from typing import Any

from wuxing.core.management.base import system_user
from wuxing.rules import queries, services
from wuxing.rules.models import RulebookVersion
from wuxing.rules.tests.helpers import YEAR, edited_yaml, text_of

# the shipped rural book's village-income threshold is 20 万元; 18 万元 meets a tuned threshold of 15


def test_card_survives_a_veto_the_active_version_no_longer_has(
    world: Any, rulebooks: Any, client_for: Any
) -> None:
    rural = rulebooks["rural"]
    services.record_veto(
        system_user(), world.village_a, YEAR, "pafz.criminal_case", dt.date(2023, 5, 1), "案件"
    )

    # a new version without that veto item
    def drop(data: dict[str, Any]) -> None:
        for star in data["stars"]:
            star["vetoes"] = [v for v in star.get("vetoes", []) if v["code"] != "pafz.criminal_case"]

    services.create_version(system_user(), edited_yaml(rural, drop), note="删去否决项")
    response = client_for("admin").get(f"/stars/orgs/{world.village_a.pk}/?year={YEAR}")
    assert response.status_code == 200
    assert "pafz.criminal_case（当前细则无此否决项，不计入）" in text_of(response)


def test_tuning_a_threshold_makes_an_active_new_version_and_moves_the_rating(
    world: Any, rulebooks: Any, save: Any, client_for: Any
) -> None:
    from wuxing.rules.tests.helpers import CYXW_AT_18

    save(world.village_a, CYXW_AT_18)  # 80 points, but 18 万元 misses the required ≥ 20 万元
    before = {r.org_code: r for r in queries.rate(system_user(), YEAR)}["ZB001"]
    assert "cyxw" not in before.result.stars
    rural = rulebooks["rural"]
    book = rural.rulebook
    data = {"activate": "on", "reading": "", "note": ""}
    for star in book.stars:
        data[f"n__{star.code}__min_points"] = str(star.award.min_points)
        for ind in star.indicators:
            for field in ("max_points", "target", "points_each", "min_count"):
                if getattr(ind, field) is not None:
                    data[f"n__{ind.code}__{field}"] = str(getattr(ind, field))
    data["n__cyxw.income__target"] = "15"
    response = client_for("admin").post(f"/stars/rulebooks/{rural.pk}/tune/", data)
    assert response.status_code == 302
    new = RulebookVersion.objects.get(year=YEAR, kind="rural", is_active=True)
    assert new.version == rural.version + 1 and new.based_on_id == rural.pk
    assert "村集体经济收入门槛值 20→15" in new.change_note
    after = {r.org_code: r for r in queries.rate(system_user(), YEAR)}["ZB001"]
    assert "cyxw" in after.result.stars and after.rulebook.version == new.version
    # only the admin may tune
    assert client_for("street_a").post(f"/stars/rulebooks/{new.pk}/tune/", data).status_code == 403


def test_clone_without_activation_keeps_the_default_year(
    world: Any, rulebooks: Any, save: Any, client_for: Any
) -> None:
    save(world.village_a, {"zbgy.records": "是"})
    client = client_for("admin")
    response = client.post(
        f"/stars/rulebooks/{rulebooks['rural'].pk}/clone/", {"year": 2024, "note": "", "activate": ""}
    )
    assert response.status_code == 302
    clone = RulebookVersion.objects.get(year=2024, kind="rural")
    assert not clone.is_active and "2024" in clone.title and "2023" not in clone.title
    services.activate_version(system_user(), clone)
    # 2024 is active but empty: the pages still open on 2023, the latest year with scores
    page = text_of(client.get("/stars/ratings/"))
    assert "2023年星级评定" in page
    assert "2024年星级评定" in text_of(client.get("/stars/ratings/?year=2024"))
