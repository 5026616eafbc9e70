"""One truth per year (docs/decisions.md §46): once a year is named, the ratings page, its level filter and
distribution, its Excel and PDF, `/api/v1/ratings`, the `rate` command and the organisation list read the
official record — not the engine on today's rulebook — and say so; a star removed since naming is shown
as removed; a year still under review stays live."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command

from wuxing.orgs import services as org_services
from wuxing.orgs.models import OrgUnit
from wuxing.reviews import services
from wuxing.reviews.models import NamedResult
from wuxing.reviews.tests.test_services import NOTICE_DAY, approve_all
from wuxing.rules import kept
from wuxing.rules import queries as rule_queries
from wuxing.rules import services as rule_services
from wuxing.rules.tests.helpers import CYXW_FULL, STJY_FULL, ZBGY_FULL

pytestmark = pytest.mark.django_db

NAMED_LABEL, LIVE_LABEL = "命名结果（正式记录）", "实时评定（尚未命名）"


@pytest.fixture
def named(cycle: Any, world: Any, rulebooks: Any) -> dict[str, Any]:
    """2023 rural named with village A at its named level; then a stricter rulebook lowers village A's
    live rating (rural 2023 is named, community 2023 is not)."""
    admin = world.users["admin"]
    rule_services.save_scores(admin, world.village_a, 2023, {**ZBGY_FULL, **CYXW_FULL, **STJY_FULL})
    approve_all(cycle)
    services.start_notice(admin, cycle, NOTICE_DAY)
    services.name_cycle(admin, cycle)
    result = NamedResult.objects.get(org=world.village_a, year=2023)
    rule_services.tune_version(admin, rulebooks["rural"], {("cyxw.income", "target"): 30})
    live = {r.org_id: r for r in rule_queries.rate(admin, 2023, kind="rural", live=True)}
    assert live[world.village_a.pk].level < result.level  # the premise: live and named now differ
    return {"result": result, "live_level": live[world.village_a.pk].level}


def test_rate_reads_the_named_record_and_live_only_when_asked(named: Any, world: Any) -> None:
    admin = world.users["admin"]
    rows = {r.org_id: r for r in rule_queries.rate(admin, 2023)}
    village = rows[world.village_a.pk]
    assert (village.source, village.level) == ("named", named["result"].level)
    assert list(village.result.stars) == named["result"].stars
    assert village.as_json()["source"] == "named"
    assert {str(p) for p in village.result.points.values()} <= set(named["result"].points.values()) | {"0.00"}
    # the frozen reasons of a star not awarded at naming are its gap list
    missing = [sr for sr in village.result.star_results.values() if not sr.awarded]
    assert missing and all(sr.reasons for sr in missing)
    assert village.gaps == [f"{sr.name}：{reason}" for sr in missing for reason in sr.reasons]
    # community 2023 has no named cycle: live
    assert rows[world.community_a.pk].source == "live"


def test_ratings_page_filters_and_counts_the_named_levels(named: Any, world: Any, client_for: Any) -> None:
    level = named["result"].level
    page = client_for("admin").get(f"/stars/ratings/?year=2023&kind=rural&level={level}").content.decode()
    assert "已命名 · 正式记录" in page
    assert "西漳涧村" in page  # its named level, not the lower live one, matches the filter
    live = client_for("admin").get(f"/stars/ratings/?year=2023&kind=rural&level={named['live_level']}")
    assert "西漳涧村" not in live.content.decode()


def test_api_and_excel_and_command_say_which_they_show(
    named: Any, world: Any, client_for: Any, bearer: Any
) -> None:
    api = bearer("admin").get("/api/v1/ratings?year=2023").json()
    by_code = {r["org_code"]: r for r in api["items"]}
    assert (by_code["ZB001"]["source"], by_code["ZB001"]["level"]) == ("named", named["result"].level)
    assert {r["source"] for r in api["items"] if r["kind"] == "community"} == {"live"}

    response = client_for("admin").get("/stars/ratings/?year=2023&format=xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rural = [list(r) for r in wb["2023年农村"].iter_rows(values_only=True)]
    village = next(r for r in rural if r[1] == "ZB001")
    assert (village[3], village[-1]) == (named["result"].level, NAMED_LABEL)
    community = [list(r) for r in wb["2023年城市社区"].iter_rows(values_only=True)]
    assert {r[-1] for r in community[1:]} == {LIVE_LABEL}

    out = io.StringIO()
    call_command("rate", "--year", "2023", "--kind", "rural", "--format", "jsonl", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    assert {x["source"] for x in lines} == {"named"}
    assert next(x for x in lines if x["org_code"] == "ZB001")["level"] == named["result"].level


def test_a_removed_star_is_shown_removed_everywhere(
    named: Any, world: Any, client_for: Any, bearer: Any, monkeypatch: Any
) -> None:
    admin = world.users["admin"]
    result = named["result"]
    page = (
        client_for("admin").get("/stars/ratings/?year=2023&kind=rural").content.decode()
    )  # warm the kept rows
    assert "已摘除" not in page.split("<tbody>")[1]
    veto = rule_services.record_veto(
        admin, world.village_a, 2023, "pafz.petition", dt.date(2023, 11, 2), "越级上访"
    )
    monkeypatch.setattr(services, "today", lambda: dt.date(2027, 6, 30))
    services.remove_star(admin, result, "cyxw", dt.date(2027, 6, 1), "村干部涉刑事案件", veto)
    (row,) = rule_queries.rate(admin, 2023, org_ids=[world.village_a.pk])
    assert row.level == result.level - 1 and "cyxw" not in row.result.stars
    assert "产业兴旺星：已摘除（2027-06-01）：村干部涉刑事案件" in row.gaps
    page = client_for("admin").get(f"/stars/ratings/?year=2023&kind=rural&level={result.level - 1}")
    body = page.content.decode()
    assert "西漳涧村" in body and "已摘除" in body  # the kept row followed the removal
    api = bearer("admin").get(f"/api/v1/ratings?year=2023&level={result.level}").json()
    assert "ZB001" not in {r["org_code"] for r in api["items"]}


def test_an_organisation_registered_after_naming_has_no_named_result(named: Any, world: Any) -> None:
    admin = world.users["admin"]
    late = org_services.create_branch(
        admin,
        world.street_a,
        {
            "branch_type": "branch",
            "member_count": 30,
            "code": "ZB099",
            "name": "新设村",
            "area_kind": "rural",
        },
    )
    rows = rule_queries.rate(admin, 2023, kind="rural")
    assert late.pk not in {r.org_id for r in rows}
    listing = kept.listing(admin, 2023, kind="rural")
    assert listing is not None and late.pk not in {r.org_id for r in listing.rows}
    assert listing.count == len(rows) == sum(listing.distribution.values())
    assert {r.org_id for r in rule_queries.rate(admin, 2023, kind="rural", live=True)} >= {late.pk}


def test_the_organisation_list_shows_the_named_level(named: Any, world: Any, client_for: Any) -> None:
    branches = OrgUnit.objects.filter(pk=world.village_a.pk)
    kept.refresh(branches, 2023)
    (annotated,) = kept.with_level(branches, 2023)
    assert annotated.star_level == named["result"].level


def test_the_pdfs_of_a_named_year_print_the_record(named: Any, world: Any, client_for: Any) -> None:
    from wuxing.rules.tests.test_pdf import pdf_text

    report = pdf_text(client_for("admin").get("/stars/ratings/report.pdf?year=2023&kind=rural"))
    assert "命名结果（正式记录）" in report and "实时评定（尚未命名）" not in report
    card = pdf_text(client_for("admin").get(f"/stars/orgs/{world.village_a.pk}/card.pdf?year=2023"))
    assert "命名结果（正式记录）" in card and f"{named['result'].level}星" in card
