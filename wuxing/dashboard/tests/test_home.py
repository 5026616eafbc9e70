"""Each role's first page: the numbers it shows (worked out by hand from the test world and the shipped
2023 rulebooks), what each role sees of the district, the Excel export carrying the same numbers, this
year beside last year, and the menu (API pages moved to the user menu)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from wuxing.core.management.base import system_user
from wuxing.core.tests.xlsxutil import read_rows
from wuxing.dashboard.queries import entry_progress, street_table
from wuxing.rules import queries, services
from wuxing.rules.models import Rating
from wuxing.rules.tests.helpers import COMMUNITY_SOME, CYXW_AT_18, RURAL_FULL, YEAR, text_of

pytestmark = pytest.mark.django_db

RURAL_INDICATORS = 40  # 2023-rural.yaml: five stars × eight items


@pytest.fixture
def scored(world: Any, rulebooks: Any) -> Any:
    """village A (street A) five stars with every value; community A (street A) three values, no star;
    village B (street B) nothing."""
    actor = system_user()
    services.save_scores(actor, world.village_a, YEAR, RURAL_FULL)
    services.save_scores(actor, world.community_a, YEAR, COMMUNITY_SOME)
    return world


def chart(response: Any, name: str) -> dict[str, Any]:
    match = re.search(rf'<script id="chart-{name}" type="application/json">(.*?)</script>', response.text)
    assert match, f"chart {name} missing"
    return json.loads(match.group(1))


def test_district_first_page_shows_the_district_at_a_glance(scored, client_for):
    response = client_for("leader").get("/")
    assert response.status_code == 200
    ctx = response.context
    assert ctx["year"] == YEAR
    streets = {s.name: s.counts for s in ctx["streets"]}
    assert streets == {"柏庄镇": [1, 0, 0, 0, 0, 0], "彰北街道": [1, 0, 0, 0, 0, 1]}
    total = ctx["total"]
    assert (total.orgs, total.three_plus, total.five, total.four) == (3, 1, 1, 0)
    assert total.three_plus_percent == Decimal("33.3")
    # the stacked chart carries the same numbers as the table: series = levels, categories = streets
    spec = chart(response, "streets")
    assert spec["type"] == "stacked"
    assert spec["categories"] == ["柏庄镇", "彰北街道"]
    assert [s["data"] for s in spec["series"]] == [[1, 1], [0, 0], [0, 0], [0, 0], [0, 0], [0, 1]]
    assert chart(response, "total")["series"][0]["data"] == [2, 0, 0, 0, 0, 1]
    text = text_of(response)
    assert "2023年" in text and "实时评定" in text
    assert "33.3%" in text and "1/3 个组织，目标 100%" in text
    # entry progress: only village A has every indicator; both scored organisations lack evidence
    progress = ctx["progress"]
    assert (progress.orgs, progress.complete, progress.lacking_evidence) == (3, 1, 2)
    assert Rating.objects.get(org=scored.village_a, year=YEAR).filled == RURAL_INDICATORS  # counted per org
    # the kept counts are the in-memory GROUP BY's (the path taken when the kept rows cannot be stored)
    rows = queries.rate(system_user(), YEAR)
    slow = entry_progress(system_user(), rows, queries.year_versions(YEAR))
    assert (slow.orgs, slow.complete, slow.lacking_evidence) == (3, 1, 2)
    assert street_table(rows)[1].counts == total.counts
    assert "compare" not in ctx["charts"]  # one year of scores only


def test_evidence_attached_to_every_filled_item_clears_the_organisation(scored, client_for):
    actor = system_user()
    for score in scored.community_a.scores.filter(year=YEAR):
        services.add_evidence(actor, score, SimpleUploadedFile("记录.pdf", b"%PDF-1.4 x"))
    progress = client_for("admin").get("/").context["progress"]
    assert progress.lacking_evidence == 1  # village A still lacks its files
    lacking = dict(Rating.objects.filter(year=YEAR).values_list("org_id", "lacking"))
    assert (lacking[scored.community_a.pk], lacking[scored.village_a.pk]) == (0, RURAL_INDICATORS)
    evidence = scored.community_a.scores.filter(year=YEAR).first().evidence.get()
    services.delete_evidence(actor, evidence, "传错了")  # deleting one file counts it as lacking again
    assert client_for("admin").get("/").context["progress"].lacking_evidence == 2


def test_street_staff_sees_its_street_and_the_organisations_closest_to_a_star(world, rulebooks, client_for):
    actor = system_user()
    services.save_scores(actor, world.village_a, YEAR, CYXW_AT_18)  # 80 points, required income missed
    services.save_scores(actor, world.community_a, YEAR, COMMUNITY_SOME)
    services.save_scores(actor, world.village_b, YEAR, RURAL_FULL)  # street B: not shown
    response = client_for("street_a").get("/")
    ctx = response.context
    assert [s.name for s in ctx["streets"]] == ["彰北街道"]
    assert ctx["total"].orgs == 2
    closest = ctx["closest"]
    assert [n.row.org_name for n in closest] == ["西漳涧村", "阳光社区"]
    first = closest[0]
    # 产业兴旺星: 80 points reached, one gap item (the required income)
    assert (first.star, first.items, first.points) == ("产业兴旺星", 1, Decimal("0.00"))
    assert "村集体经济收入" in first.reasons[0]
    assert closest[1].items > 1
    assert "后万金村" not in response.text


def test_unit_sees_its_organisations_with_stars_and_gaps(scored, client_for):
    response = client_for("unit").get("/")
    ctx = response.context
    assert [r.org_name for r in ctx["rows"]] == ["西漳涧村"]
    assert ctx["total"].counts == [0, 0, 0, 0, 0, 1]
    assert "streets" not in ctx["charts"]
    assert "联系的组织：星级与差距" in text_of(response)


def test_secretary_sees_own_card_what_to_fill_and_missing_evidence(world, rulebooks, client_for):
    actor = system_user()
    services.save_scores(actor, world.village_a, YEAR, CYXW_AT_18)
    score = world.village_a.scores.get(year=YEAR, indicator_code="cyxw.income")
    services.add_evidence(actor, score, SimpleUploadedFile("报表.pdf", b"%PDF-1.4 x"))
    response = client_for("secretary_a").get("/")
    ctx = response.context
    assert ctx["row"].org_name == "西漳涧村"
    assert ctx["to_fill_count"] == RURAL_INDICATORS - len(CYXW_AT_18)
    assert [s["star"] for s in ctx["to_fill"]] == ["支部过硬星", "生态宜居星", "平安法治星", "文明幸福星"]
    # eight 产业兴旺星 values entered, one with its file: seven lack evidence
    assert len(ctx["missing_evidence"]) == len(CYXW_AT_18) - 1
    assert "村集体经济收入" not in [ind.name for ind in ctx["missing_evidence"]]
    points = chart(response, "points")
    assert points["categories"][1] == "产业兴旺星"
    assert points["series"][0]["data"][1] == 80.0 and points["series"][1]["data"][1] == 80.0
    text = text_of(response)
    assert "填报指标和佐证材料" in text and "7 项已填报的指标缺少佐证材料" in text
    assert f"/stars/orgs/{world.village_a.pk}/scores/?year=2023" in response.text


def test_the_excel_export_carries_the_charts_numbers(scored, client_for):
    response = client_for("admin").get("/?format=xlsx")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    streets = read_rows(content, sheet=0)
    assert streets[0][:8] == ["街道/镇", "组织数", "0星", "1星", "2星", "3星", "4星", "5星"]
    assert streets[1][:8] == ["柏庄镇", 1, 1, 0, 0, 0, 0, 0]
    assert streets[2][:10] == ["彰北街道", 2, 1, 0, 0, 0, 0, 1, 1, 50]
    assert streets[3][0] == "合计" and streets[3][1] == 3
    assert read_rows(content, sheet=1)[1:] == [
        ["0星", 2],
        ["1星", 0],
        ["2星", 0],
        ["3星", 0],
        ["4星", 0],
        ["5星", 1],
    ]


def test_secretary_export(world, rulebooks, client_for):
    services.save_scores(system_user(), world.village_a, YEAR, CYXW_AT_18)
    response = client_for("secretary_a").get("/?format=xlsx")
    content = b"".join(response.streaming_content)
    stars = read_rows(content, sheet=0)
    assert stars[2][:4] == ["产业兴旺星", 80, 80, "否"]
    assert len(read_rows(content, sheet=1)) == 1 + RURAL_INDICATORS - len(CYXW_AT_18)


def test_this_year_beside_last_year_once_two_years_exist(scored, rulebooks, client_for):
    actor = system_user()
    for rb in rulebooks.values():
        services.clone_to_year(actor, rb, YEAR + 1)
    services.save_scores(actor, scored.village_b, YEAR + 1, RURAL_FULL)
    response = client_for("admin").get(f"/?year={YEAR + 1}")
    ctx = response.context
    assert ctx["year"] == YEAR + 1 and ctx["prev_year"] == YEAR
    spec = chart(response, "compare")
    assert [s["name"] for s in spec["series"]] == ["2023年", "2024年"]
    assert spec["series"][0]["data"] == [2, 0, 0, 0, 0, 1]
    assert spec["series"][1]["data"] == [2, 0, 0, 0, 0, 1]  # village B five stars, village A nothing yet
    assert "2024年与2023年对比" in text_of(response)
    # the older year has no year before it
    assert "compare" not in client_for("admin").get(f"/?year={YEAR}").context["charts"]


def test_api_pages_are_in_the_user_menu_not_the_main_menu(world, client_for):
    response = client_for("street_a").get("/")
    html = response.text
    main_menu = "".join(re.findall(r'<nav class="menu".*?</nav>', html, re.S))
    user_menu = "".join(re.findall(r'<nav class="user-menu".*?</nav>', html, re.S))
    assert main_menu and user_menu
    assert "API" not in main_menu
    assert "API 令牌" in user_menu and "API 文档" in user_menu


@pytest.mark.parametrize("cap", [1, 2])
def test_many_streets_show_those_furthest_from_the_goal_and_export_all(scored, client_for, monkeypatch, cap):
    """Past HOME_STREETS_MAX streets (a province) the table and chart list the streets with the lowest
    三星及以上 share; at exactly the cap every street is listed. The Excel export has every street."""
    monkeypatch.setattr("wuxing.dashboard.queries.HOME_STREETS_MAX", cap)
    client = client_for("leader")
    response = client.get("/")
    shown = [s.name for s in response.context["streets_shown"]]
    text = text_of(response)
    if cap == 1:  # 柏庄镇 0% before 彰北街道 50%
        assert shown == ["柏庄镇"]
        assert chart(response, "streets")["categories"] == ["柏庄镇"]
        assert "共 2 个街道/镇，这里列出三星及以上占比最低的 1 个" in text
    else:
        assert shown == ["柏庄镇", "彰北街道"]
        assert chart(response, "streets")["categories"] == ["柏庄镇", "彰北街道"]
        assert "这里列出三星及以上占比最低" not in text
    content = b"".join(client.get("/?format=xlsx").streaming_content)
    assert [r[0] for r in read_rows(content, sheet=0)[1:]] == ["柏庄镇", "彰北街道", "合计"]


def test_the_menu_groups_entries_and_shows_a_lone_entry_of_a_group_alone(world, client_for):
    groups = client_for("admin").get("/orgs/").context["menu_groups"]
    labels = [(g["label"], [i["label"] for i in g["items"]]) for g in groups]
    assert labels[0] == (None, ["首页"])
    assert ("组织", ["组织架构", "组织列表", "人员任职", "区直单位", "Excel 导入"]) in labels
    assert next(g for g in groups if g["label"] == "组织")["active"]  # the page is one of its entries
    # a secretary has one entry of 管理 at most: it is shown alone, not as a group
    for g in client_for("secretary_a").get("/").context["menu_groups"]:
        assert g["label"] is None or len(g["items"]) > 1
