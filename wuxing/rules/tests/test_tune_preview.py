"""参数调整: a preview, before saving, of which organisations would gain or lose which star (the modified
rulebook rated in memory against the rules in force), and after saving how many changed."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from wuxing.core.management.base import system_user
from wuxing.rules import services
from wuxing.rules.models import RulebookVersion
from wuxing.rules.tests.helpers import CYXW_AT_18, RURAL_FULL, YEAR, text_of

pytestmark = pytest.mark.django_db


def tune_data(book: Any, **changes: str) -> dict[str, str]:
    """The tune form as the page shows it, with some numbers changed ({"cyxw.income__target": "15"})."""
    data = {"activate": "on", "reading": "", "note": ""}
    for star in book.stars:
        data[f"n__{star.code}__min_points"] = str(star.award.min_points)
        for ind in star.indicators:
            for field in ("max_points", "target", "points_each", "min_count"):
                if getattr(ind, field) is not None:
                    data[f"n__{ind.code}__{field}"] = str(getattr(ind, field))
    for key, value in changes.items():
        data[f"n__{key}"] = value
    return data


def test_the_preview_names_who_gains_and_who_loses_and_saves_nothing(world, rulebooks, save, client_for):
    save(world.village_a, CYXW_AT_18)  # 产业兴旺星: 80 points, but 18 万元 misses the required 20 万元
    save(world.village_b, RURAL_FULL)  # everything, with 25 万元: five stars
    rural = rulebooks["rural"]
    url = f"/stars/rulebooks/{rural.pk}/tune/"
    # lowering the income threshold to 15 gives 西漳涧村 产业兴旺星; raising it to 30 (the second preview)
    # takes it from 后万金村, which has 25 万元
    versions = RulebookVersion.objects.count()
    levels_before = {r.org_code: r.level for r in services_rate()}
    data = tune_data(rural.rulebook, **{"cyxw.income__target": "15"})
    response = client_for("admin").post(url, {**data, "preview": "1"})
    assert response.status_code == 200
    assert RulebookVersion.objects.count() == versions  # nothing saved
    assert {r.org_code: r.level for r in services_rate()} == levels_before
    rows = {r.org_code: (r.before, r.after, r.gained, r.lost) for r in response.context["preview"]["rows"]}
    assert rows == {"ZB001": (levels_before["ZB001"], levels_before["ZB001"] + 1, ("产业兴旺星",), ())}
    page = text_of(response)
    assert "预览：保存后评定结果的变化（尚未保存）" in page
    assert "改动：村集体经济收入门槛值 20→15" in page
    assert "1 个组织星级会变化：1 个获得新的星，0 个失去星。" in page
    html = response.content.decode()
    assert re.search(
        r'西漳涧村</a></td><td[^>]*>\d星</td><td[^>]*>\d星</td><td class="gain">产业兴旺星</td>', html
    )

    # raising it to 30 takes 产业兴旺星 from 后万金村 and, as 支部过硬星 requires the other four, that too
    data = tune_data(rural.rulebook, **{"cyxw.income__target": "30"})
    response = client_for("admin").post(url, {**data, "preview": "1"})
    (row,) = response.context["preview"]["rows"]
    assert (row.org_code, row.street_name, row.before, row.after) == ("BZ001", "柏庄镇", 5, 3)
    assert row.lost == ("支部过硬星", "产业兴旺星") and row.gained == ()
    assert "1 个组织星级会变化：0 个获得新的星，1 个失去星。" in text_of(response)


def test_a_preview_that_changes_nothing_says_so_and_an_unchanged_form_is_refused(
    world, rulebooks, save, client_for
):
    save(world.village_b, RURAL_FULL)
    rural = rulebooks["rural"]
    url = f"/stars/rulebooks/{rural.pk}/tune/"
    response = client_for("admin").post(
        url, {**tune_data(rural.rulebook, **{"cyxw.income__target": "21"}), "preview": "1"}
    )
    assert "没有组织的星级会因此变化。" in text_of(response)
    response = client_for("admin").post(url, {**tune_data(rural.rulebook), "preview": "1"})
    assert "没有任何参数被修改" in text_of(response) and response.context["preview"] is None


def services_rate() -> list[Any]:
    from wuxing.rules import queries

    return queries.rate(system_user(), YEAR)


def test_the_preview_reads_veto_events_and_only_what_the_user_may_see(world, rulebooks, save):
    save(world.village_a, RURAL_FULL)
    save(world.village_b, RURAL_FULL)
    services.record_veto(system_user(), world.village_a, YEAR, "pafz.petition", dt.date(2023, 3, 1), "测试")
    rural = rulebooks["rural"]
    book, _changed = services.tuned_book(rural, {("cyxw.income", "target"): 30})  # 26 万元 misses 30
    rows = {r.org_code: r for r in services.rating_changes(system_user(), YEAR, "rural", book)}
    # 西漳涧村 has 平安法治星 vetoed, so no 支部过硬星 to lose; 后万金村 loses both
    assert rows["ZB001"].lost == ("产业兴旺星",)
    assert rows["BZ001"].lost == ("支部过硬星", "产业兴旺星")
    street_rows = services.rating_changes(world.users["street_a"], YEAR, "rural", book)
    assert [r.org_code for r in street_rows] == ["ZB001"]


def test_saving_reports_how_many_organisations_changed(world, rulebooks, save, client_for):
    save(world.village_a, CYXW_AT_18)
    rural = rulebooks["rural"]
    data = tune_data(rural.rulebook, **{"cyxw.income__target": "15"})
    response = client_for("admin").post(f"/stars/rulebooks/{rural.pk}/tune/", data, follow=True)
    page = text_of(response)
    assert re.search(r"已按新版本重新计分 \d+ 项（用时 \d+\.\d 秒）", page)
    assert "星级有变化的组织 1 个：1 个获得新的星，0 个失去星。" in page
    # a change that moves nobody says so
    new = RulebookVersion.objects.get(year=YEAR, kind="rural", is_active=True)
    data = tune_data(new.rulebook, **{"wmxf__min_points": "79"})
    page = text_of(client_for("admin").post(f"/stars/rulebooks/{new.pk}/tune/", data, follow=True))
    assert "没有组织的星级因此变化。" in page


def test_the_save_button_says_it_is_working(world, rulebooks, client_for):
    html = client_for("admin").get(f"/stars/rulebooks/{rulebooks['rural'].pk}/tune/").content.decode()
    assert '<form method="post" novalidate data-busy>' in html
    assert 'data-busy-text="正在保存并重新评定，请稍候…"' in html
    assert '<button type="submit" name="preview" value="1"' in html
    assert "/static/js/busy.js" in html


def test_a_description_that_states_a_number_follows_the_parameter(world, rulebooks, client_for):
    rural = rulebooks["rural"]
    url = f"/stars/rulebooks/{rural.pk}/"
    before = text_of(client_for("admin").get(url))
    assert "当年村集体经济经营性收入不低于 20 万元（必达）。" in before
    assert "基础分满分 100 分；得分不低于 80 分、无一票否决事项" in before
    assert "{target}" not in before and "{min_points}" not in before
    data = tune_data(rural.rulebook, **{"cyxw.income__target": "25", "cyxw__min_points": "60"})
    client_for("admin").post(f"/stars/rulebooks/{rural.pk}/tune/", data)
    new = RulebookVersion.objects.get(year=YEAR, kind="rural", is_active=True)
    assert new.pk != rural.pk
    after = text_of(client_for("admin").get(f"/stars/rulebooks/{new.pk}/"))
    assert "当年村集体经济经营性收入不低于 25 万元（必达）。" in after
    cyxw = after[after.index("产业兴旺星 cyxw") :]
    assert "基础分满分 100 分；得分不低于 60 分、无一票否决事项" in cyxw[: cyxw.index("获星条件")]
    # the YAML keeps the placeholders, so the next change follows too
    assert "不低于 {target}（必达）" in new.content
    assert (
        new.rulebook.indicator("cyxw.income").explanation_text
        == "当年村集体经济经营性收入不低于 25 万元（必达）。"
    )


def test_an_unknown_placeholder_is_refused_naming_the_usable_ones():
    from wuxing.rules.schema import RulebookError, parse_rulebook
    from wuxing.rules.tests.test_engine import book_with

    data = book_with([{"code": "aa.x", "name": "有", "form": "yes_no", "max_points": 1}]).to_dict()
    data["stars"][0]["indicators"][0]["explanation"] = "不低于 {target}"
    data["stars"][1]["explanation"] = "不低于 {pass_mark} 分"
    with pytest.raises(RulebookError) as caught:
        parse_rulebook(data)
    assert caught.value.messages == [
        "stars[0].indicators[0].explanation: 占位符 {target} 不可用；这里可用：{max_points}",
        "stars[1].explanation: 占位符 {pass_mark} 不可用；这里可用：{min_points}、{base_points}",
    ]


def test_activating_or_editing_reports_how_many_changed_too(world, rulebooks, save, client_for):
    from wuxing.rules.tests.helpers import edited_yaml

    save(world.village_a, CYXW_AT_18)
    rural = rulebooks["rural"]

    def lower(data: dict[str, Any]) -> None:
        for star in data["stars"]:
            for ind in star["indicators"]:
                if ind["code"] == "cyxw.income":
                    ind["target"] = "15"

    v2 = services.create_version(system_user(), edited_yaml(rural, lower), activate=False)
    client = client_for("admin")
    page = text_of(client.post(f"/stars/rulebooks/{v2.pk}/activate/", follow=True))
    assert "星级有变化的组织 1 个：1 个获得新的星，0 个失去星。" in page
    page = text_of(client.post(f"/stars/rulebooks/{rural.pk}/activate/", follow=True))  # back again
    assert "星级有变化的组织 1 个：0 个获得新的星，1 个失去星。" in page
    # a YAML saved as a new version and activated says so as well
    response = client.post(
        f"/stars/rulebooks/{rural.pk}/edit/",
        {"content": edited_yaml(rural, lower), "note": "", "activate": "on", "as_new": "1"},
        follow=True,
    )
    assert "星级有变化的组织 1 个：1 个获得新的星，0 个失去星。" in text_of(response)
    detail = client.get(f"/stars/rulebooks/{v2.pk}/").content.decode()
    assert 'data-busy-text="正在启用并重新评定，请稍候…"' in detail


def test_above_the_limit_activation_does_not_compare(world, rulebooks, save, monkeypatch):
    save(world.village_a, CYXW_AT_18)
    monkeypatch.setattr(services, "RATING_CHANGES_MAX_VALUES", 3)
    rb = services.create_version(system_user(), rulebooks["rural"].content, activate=True)
    assert rb.rating_changes is None
    monkeypatch.setattr(services, "RATING_CHANGES_MAX_VALUES", 10_000)
    again = services.create_version(system_user(), rulebooks["rural"].content, activate=True)
    assert again.rating_changes == []
