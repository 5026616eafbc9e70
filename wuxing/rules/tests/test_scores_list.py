"""The score list (指标得分): a street column and filter, "全部" as the empty choice, years written one
way, and a bounded number of queries whatever the number of organisations."""

from __future__ import annotations

import re

import pytest

from wuxing.rules.tests.helpers import YEAR, text_of
from wuxing.rules.tests.test_query_counts import add_scored_orgs, count_queries

pytestmark = pytest.mark.django_db


def rows(html: str) -> list[list[str]]:
    body = html[html.index("<tbody>", html.index("<th>街道/镇</th>")) :]
    body = body[: body.index("</tbody>")]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)][:3]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_the_score_list_has_a_street_column_and_filter(world, rulebooks, client_for):
    client = client_for("admin")
    html = client.get(f"/stars/scores/?year={YEAR}").content.decode()
    assert [r[:2] for r in rows(html)] == [
        ["柏庄镇", "后万金村"],
        ["彰北街道", "西漳涧村"],
        ["彰北街道", "阳光社区"],
    ]
    street_filter = re.search(r'<select name="street">(.*?)</select>', html, re.S)
    assert street_filter and street_filter.group(1).startswith('<option value="">全部</option>')

    filtered = client.get(f"/stars/scores/?year={YEAR}&street={world.street_b.pk}")
    assert {r[0] for r in rows(filtered.content.decode())} == {"柏庄镇"}
    assert f"{YEAR}年指标得分填报 · 柏庄镇" in text_of(filtered)
    # a street the user may not see is no filter at all, and an odd value is ignored with a warning
    street_user = client_for("street_a")
    page = street_user.get(f"/stars/scores/?year={YEAR}&street={world.street_b.pk}").content.decode()
    assert {r[0] for r in rows(page)} == {"彰北街道"}
    options = re.search(r'<select name="street">(.*?)</select>', page, re.S)
    assert options and "柏庄镇" not in options.group(1)
    odd = street_user.get(f"/stars/scores/?year={YEAR}&street=abc")
    assert odd.status_code == 200 and "筛选条件“街道/镇”无效，已忽略" in text_of(odd)


def test_years_are_written_one_way(world, rulebooks, client_for):
    client = client_for("admin")
    html = client.get(f"/stars/scores/?year={YEAR}").content.decode()
    assert f'<option value="{YEAR}" selected>{YEAR}年</option>' in html
    card = client.get(f"/stars/orgs/{world.village_a.pk}/?year={YEAR}").content.decode()
    assert f'<option value="{YEAR}" selected>{YEAR}年</option>' in card
    listing = client.get("/stars/rulebooks/").content.decode()
    assert f"<td>{YEAR}年</td>" in listing and "<td>第1版</td>" in listing


@pytest.mark.parametrize("role", ["admin", "street_a"])
def test_the_score_list_does_not_grow_in_queries_with_organisations(world, rulebooks, client_for, role):
    client = client_for(role)
    url = f"/stars/scores/?year={YEAR}"
    client.get(url)  # warm caches (session, content types)
    add_scored_orgs(world, 0, 5)
    few, _response = count_queries(client, url)
    add_scored_orgs(world, 5, 35)
    many, response = count_queries(client, url)
    assert many == few
    listed = rows(response.content.decode())
    assert len(listed) == (43 if role == "admin" else 22)
    assert all(r[0] in ("柏庄镇", "彰北街道") for r in listed)


def test_the_rulebook_page_keeps_codes_secondary_and_the_relation_first(world, rulebooks, client_for):
    html = client_for("admin").get(f"/stars/rulebooks/{rulebooks['rural'].pk}/").content.decode()
    assert "<th>编码</th>" not in html
    # the code follows the name, in the muted "code" style, never in a column of its own
    row = html[html.index('<span class="keep">村集体经济收入</span>') :]
    row = row[: row.index("</tr>")]
    assert '<div class="code"' in row and "cyxw.income</div>" in row
    assert '<td class="nowrap">门槛型</td>' in row
    # 支部过硬星's relation to the other stars comes first among its conditions
    assert (
        "获星条件：须同时获得：产业兴旺星、生态宜居星、平安法治星、文明幸福星；得分不低于 80 分"
        in text_of(client_for("admin").get(f"/stars/rulebooks/{rulebooks['rural'].pk}/"))
    )


def test_file_inputs_load_the_script_that_names_the_chosen_file(world, rulebooks, client_for):
    client = client_for("admin")
    for url in (
        f"/stars/scores/?year={YEAR}",
        f"/stars/orgs/{world.village_a.pk}/scores/?year={YEAR}",
        "/orgs/import/",
        "/stars/rulebooks/",
    ):
        html = client.get(url).content.decode()
        assert 'type="file"' in html and "/static/js/file-names.js" in html, url
