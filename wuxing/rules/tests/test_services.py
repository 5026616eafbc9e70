"""Every write of the star rules: indicator values, rulebook versions, veto events.

Expected points and stars are worked out by hand from wuxing/rules/rulebooks/2023-rural.yaml (see the
sums beside the values in helpers.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from wuxing.core.management.base import system_user
from wuxing.core.models import DecisionLog
from wuxing.rules import queries, services
from wuxing.rules.models import RulebookVersion, Score
from wuxing.rules.tests.helpers import (
    CYXW_AT_18,
    CYXW_FULL,
    STJY_FULL,
    YEAR,
    edited_yaml,
    indicator_data,
    replace_once,
    text_of,
)

pytestmark = pytest.mark.django_db


def stored(org: Any) -> dict[str, Decimal]:
    return dict(Score.objects.filter(org=org, year=YEAR).values_list("indicator_code", "value"))


def rating(org: Any, user: Any = None) -> queries.RatingRow:
    rows = queries.rate(user or system_user(), YEAR, org_ids=[org.pk])
    assert len(rows) == 1
    return rows[0]


# --- indicator values ----------------------------------------------------------------------------------------


def test_save_scores_stores_typed_values_and_the_engine_columns(world, rulebooks, save):
    counts = save(
        world.village_a,
        {
            "zbgy.secretary": "12.5",  # scale, 15 max; passes at 0.6 × 15 = 9
            "cyxw.income": "18",  # threshold ≥ 20 万元, required, position 0 of 产业兴旺星
            "cyxw.cooperative": "是",  # yes_no 10, position 2
            "cyxw.training": "3",  # 3 × 2.5, position 6
            "stjy.reported": "2",  # penalty 2 × 5, position 7 of 生态宜居星
            "wmxf.insurance": "94.5",  # threshold ≥ 95%, position 5 of 文明幸福星
        },
    )
    assert counts == {"created": 6, "updated": 0, "deleted": 0, "unchanged": 0}
    v1 = rulebooks["rural"]
    rows = {
        s.indicator_code: (s.value, s.scored_with_id, s.star_index, s.cents, s.bit, s.met_bit, s.required)
        for s in Score.objects.filter(org=world.village_a, year=YEAR)
    }
    assert rows == {
        "zbgy.secretary": (Decimal("12.5"), v1.pk, 0, 1250, 1, 1, False),
        "cyxw.income": (Decimal(18), v1.pk, 1, 0, 1, 0, True),
        "cyxw.cooperative": (Decimal(1), v1.pk, 1, 1000, 4, 4, False),
        "cyxw.training": (Decimal(3), v1.pk, 1, 750, 64, 64, False),
        "stjy.reported": (Decimal(2), v1.pk, 2, -1000, 128, 0, False),
        "wmxf.insurance": (Decimal("94.5"), v1.pk, 4, 0, 32, 0, False),
    }
    assert set(Score.objects.filter(org=world.village_a).values_list("rulebook_id", flat=True)) == {v1.pk}


@pytest.mark.parametrize(
    ("code", "raw", "message"),
    [
        ("cyxw.income", "abc", "村集体经济收入：应为不小于 0 的数（单位：万元）"),
        ("cyxw.income", "-1", "村集体经济收入：应为不小于 0 的数（单位：万元）"),
        ("stjy.toilets", "120", "卫生厕所普及率：应为 0–100 之间的数（单位：%）"),
        ("zbgy.secretary", "16", "村党组织书记履职尽责：应为 0–15 之间的数（单位：分）"),
        ("cyxw.projects", "2.5", "当年新引进或实施产业项目：应为 0–9999 之间的整数（单位：个）"),
        ("cyxw.cooperative", "也许", "应填“是”或“否”（也可填 有/无、√/×、1/0）"),
        ("cyxw.nothing", "1", "细则中没有指标 cyxw.nothing"),
    ],
)
def test_an_invalid_value_is_refused_in_chinese_and_nothing_is_written(
    world, rulebooks, save, code, raw, message
):
    save(world.village_a, {"cyxw.featured": "是"})
    with pytest.raises(ValidationError) as caught:
        # the good values of the same call are not written either
        save(world.village_a, {"stjy.garbage": "是", code: raw, "cyxw.featured": "否"})
    errors = caught.value.message_dict
    assert list(errors) == [code]
    assert message in errors[code][0]
    assert stored(world.village_a) == {"cyxw.featured": Decimal(1)}


def test_full_width_digits_spaces_and_units_are_accepted(world, rulebooks, save):
    save(
        world.village_a,
        {
            "stjy.toilets": "８５",
            "cyxw.income": " １８．５ 万元 ",
            "wmxf.insurance": "96%",
            "cyxw.projects": "３",
            "cyxw.featured": "√",
            "cyxw.cooperative": "无",
        },
    )
    assert stored(world.village_a) == {
        "stjy.toilets": Decimal(85),
        "cyxw.income": Decimal("18.5"),
        "wmxf.insurance": Decimal(96),
        "cyxw.projects": Decimal(3),
        "cyxw.featured": Decimal(1),
        "cyxw.cooperative": Decimal(0),
    }


def test_blank_deletes_the_value_and_history_records_user_and_reason(world, rulebooks, save):
    admin = world.users["admin"]
    save(world.village_a, {"cyxw.income": "18", "cyxw.plan": "12"}, admin, note="街道初审录入")
    counts = save(world.village_a, {"cyxw.income": "21", "cyxw.plan": "12"}, admin, note="核实后更正")
    assert counts == {"created": 0, "updated": 1, "deleted": 0, "unchanged": 1}
    counts = save(world.village_a, {"cyxw.income": "", "cyxw.plan": None}, admin)
    assert counts == {"created": 0, "updated": 0, "deleted": 2, "unchanged": 0}
    assert stored(world.village_a) == {}
    history = Score.history.filter(org_id=world.village_a.pk, indicator_code="cyxw.income").order_by(
        "history_id"
    )
    assert [(h.history_type, h.value, h.history_user_id, h.history_change_reason) for h in history] == [
        ("+", Decimal(18), admin.pk, "街道初审录入"),
        ("~", Decimal(21), admin.pk, "核实后更正"),
        ("-", Decimal(21), admin.pk, "清空"),
    ]


@pytest.mark.parametrize(
    ("role", "org", "allowed"),
    [
        ("admin", "village_b", True),
        ("street_a", "village_a", True),
        ("street_a", "community_a", True),
        ("street_a", "village_b", False),
        ("street_b", "village_a", False),
        ("secretary_a", "village_a", True),
        ("secretary_a", "community_a", False),
        ("leader", "village_a", False),
        ("unit", "village_a", False),
    ],
)
def test_who_may_enter_values(world, rulebooks, save, role, org, allowed):
    target = getattr(world, org)
    value = {"zbgy.org_life": "10"}
    if allowed:
        save(target, value, world.users[role])
        assert stored(target) == {"zbgy.org_life": Decimal(10)}
    else:
        with pytest.raises(PermissionDenied):
            save(target, value, world.users[role])
        assert stored(target) == {}
        assert not Score.history.filter(org_id=target.pk).exists()


def test_values_need_an_active_rulebook_of_the_year(world, rulebooks):
    with pytest.raises(ValidationError, match="2022年尚未启用农村星级细则"):
        services.save_scores(system_user(), world.village_a, 2022, {"cyxw.income": "18"})


# --- rulebook versions ---------------------------------------------------------------------------------------


def test_load_shipped_creates_version_1_of_each_kind_once(world, rulebooks):
    assert {(k, rb.year, rb.version, rb.is_active, rb.is_placeholder) for k, rb in rulebooks.items()} == {
        ("rural", 2023, 1, True, True),
        ("community", 2023, 1, True, True),
    }
    assert services.load_shipped(system_user()) == []
    assert RulebookVersion.objects.count() == 2


def test_a_version_is_edited_in_place_until_values_are_entered_against_it(world, rulebooks, save):
    v1 = rulebooks["rural"]
    admin = world.users["admin"]
    content = replace_once(v1.content, "target: 20\n", "target: 18\n")
    services.update_version(admin, v1, content, "门槛调整")
    v1.refresh_from_db()
    assert (v1.version, v1.rulebook.indicator("cyxw.income").target) == (1, Decimal(18))
    save(world.village_a, {"cyxw.income": "18"})
    with pytest.raises(ValidationError, match="已有得分数据，不能直接修改"):
        services.update_version(admin, v1, replace_once(v1.content, "target: 18\n", "target: 15\n"))
    v1.refresh_from_db()
    assert v1.rulebook.indicator("cyxw.income").target == Decimal(18)


def test_only_the_district_manages_rulebooks(world, rulebooks):
    v1 = rulebooks["rural"]
    for role in ("street_a", "leader", "secretary_a", "unit"):
        user = world.users[role]
        with pytest.raises(PermissionDenied):
            services.create_version(user, v1.content)
        with pytest.raises(PermissionDenied):
            services.update_version(user, v1, v1.content)
        with pytest.raises(PermissionDenied):
            services.activate_version(user, v1)
        with pytest.raises(PermissionDenied):
            services.clone_to_year(user, v1, 2024)
    assert RulebookVersion.objects.count() == 2


def test_lowering_the_income_threshold_in_a_new_version_moves_the_rating(world, rulebooks, save, client_for):
    """村集体经济收入 ≥ 20 → ≥ 15 万元: a village at 18 万元 gains 产业兴旺星, and the rating says which
    version produced it."""
    v1 = rulebooks["rural"]
    save(world.village_a, {**CYXW_AT_18, **STJY_FULL})

    before = rating(world.village_a)
    assert (before.level, before.result.stars) == (1, ("stjy",))
    assert before.result.points["cyxw"] == Decimal("80.00")
    assert "产业兴旺星：必达指标未达标：村集体经济收入 ≥ 20 万元，当前 18 万元" in before.gaps
    assert (before.rulebook.pk, before.rulebook.version, before.as_json()["rulebook_version"]) == (
        v1.pk,
        1,
        1,
    )
    card = text_of(client_for("admin").get(f"/stars/orgs/{world.village_a.pk}/?year={YEAR}"))
    assert "西漳涧村 · 2023年 ★☆☆☆☆ 1星" in card
    assert "必达指标未达标：村集体经济收入 ≥ 20 万元，当前 18 万元" in card

    v2 = services.create_version(
        world.users["admin"],
        replace_once(v1.content, "target: 20\n", "target: 15\n"),
        note="村集体经济收入门槛调整为 15 万元",
        based_on=v1,
    )
    v1.refresh_from_db()
    assert (v2.version, v2.is_active, v1.is_active) == (2, True, False)
    assert v2.rescore_report == (16, [])

    after = rating(world.village_a)
    assert (after.level, after.result.stars) == (2, ("cyxw", "stjy"))
    assert after.result.points["cyxw"] == Decimal("105.00")  # 25 + 75 + 5 bonus
    assert not any(g.startswith("产业兴旺星") for g in after.gaps)
    assert (after.rulebook.pk, after.rulebook.version, after.as_json()["rulebook_version"]) == (v2.pk, 2, 2)
    card = text_of(client_for("admin").get(f"/stars/orgs/{world.village_a.pk}/?year={YEAR}"))
    assert "西漳涧村 · 2023年 ★★☆☆☆ 2星" in card
    assert "村集体经济收入 ≥ 15 万元" in card and "当前 18 万元" not in card
    assert "2023年 农村 第2版" in card

    # the values were entered under v1 and stay so; v2 rated them
    assert set(Score.objects.filter(org=world.village_a).values_list("rulebook_id", "scored_with_id")) == {
        (v1.pk, v2.pk)
    }
    log = DecisionLog.objects.filter(action="rulebook_activated", object_id=str(v2.pk)).get()
    assert (log.from_state, log.to_state) == ("v1", "v2")
    assert "重新计分 16 项" in log.comment


def test_a_version_that_rated_values_cannot_be_edited_in_place(world, rulebooks, save, client_for):
    """v2 rated the values entered under v1: editing v2 in place would change ratings already made
    under "v2" (and leave its stored cells stale), so it is frozen like v1."""
    v1 = rulebooks["rural"]
    save(world.village_a, {**CYXW_FULL, **STJY_FULL, "cyxw.income": "22"})
    v2 = services.create_version(
        world.users["admin"], replace_once(v1.content, "target: 20\n", "target: 15\n")
    )
    with pytest.raises(ValidationError, match="不能直接修改"):
        services.update_version(
            world.users["admin"], v2, replace_once(v2.content, "target: 15\n", "target: 25\n")
        )
    # the page offers only "save as a new version" for it
    response = client_for("admin").get(f"/stars/rulebooks/{v2.pk}/")
    assert "此版本已有得分数据，不能直接修改" in text_of(response)
    # and the list rating and the card still agree (cyxw awarded at 22 ≥ 15)
    assert rating(world.village_a).result.stars == ("cyxw", "stjy")
    card = text_of(client_for("admin").get(f"/stars/orgs/{world.village_a.pk}/?year={YEAR}"))
    assert "★★☆☆☆ 2星" in card


def test_activation_leaves_values_that_no_longer_fit_unscored_and_reports_them(
    world, rulebooks, save, client_for
):
    v1 = rulebooks["rural"]
    save(world.village_a, {**CYXW_FULL, **STJY_FULL})
    assert rating(world.village_a).result.points == {
        "zbgy": Decimal("0.00"),
        "cyxw": Decimal("100.00"),
        "stjy": Decimal("100.00"),
        "pafz": Decimal("0.00"),
        "wmxf": Decimal("0.00"),
    }

    def change(data: dict[str, Any]) -> None:
        growth = indicator_data(data, "cyxw.income_growth")  # 12 (%) cannot be a yes/no answer
        for field in ("unit", "op", "target", "min_value"):
            del growth[field]
        growth["form"] = "yes_no"
        growth["explanation"] = "较上年有增长。"  # its text named {target}, which a yes/no item has not
        indicator_data(data, "stjy.greening")["code"] = "stjy.green"  # no such indicator any more

    v2 = services.create_version(world.users["admin"], edited_yaml(v1, change), note="调整指标")
    scored, unscored = v2.rescore_report
    assert (scored, sorted(unscored)) == (14, [("ZB001", "cyxw.income_growth"), ("ZB001", "stjy.greening")])
    kept = Score.objects.get(org=world.village_a, indicator_code="cyxw.income_growth")
    assert (kept.value, kept.scored_with_id, kept.cents, kept.bit) == (Decimal(12), None, 0, 0)
    log = DecisionLog.objects.get(action="rulebook_activated", object_id=str(v2.pk))
    assert "2 项与新细则不符未计分" in log.comment

    after = rating(world.village_a)
    assert (after.result.points["cyxw"], after.result.points["stjy"]) == (Decimal("90.00"), Decimal("85.00"))
    assert after.result.stars == ("cyxw", "stjy")
    response = client_for("admin").get(f"/stars/orgs/{world.village_a.pk}/?year={YEAR}")
    assert response.status_code == 200
    card = text_of(response)
    assert "90.00 / 达标线 80.00 分" in card and "85.00 / 达标线 80.00 分" in card

    # activating v1 again rescores every value under v1: nothing was lost
    services.activate_version(world.users["admin"], v1)
    assert v1.rescore_report == (16, [])
    assert rating(world.village_a).result.points["stjy"] == Decimal("100.00")


def test_clone_to_year_starts_version_1_of_the_new_year(world, rulebooks):
    v1 = rulebooks["rural"]
    admin = world.users["admin"]
    new = services.clone_to_year(admin, v1, 2024)
    assert (new.year, new.kind, new.version, new.is_active, new.based_on_id) == (
        2024,
        "rural",
        1,
        True,
        v1.pk,
    )
    assert (new.rulebook.year, new.rulebook.version) == (2024, 1)
    assert new.rulebook.indicator("cyxw.income").target == Decimal(20)
    assert new.rulebook.star("zbgy").requires_stars == ("cyxw", "stjy", "pafz", "wmxf")
    assert new.title.startswith("2024年")
    v1.refresh_from_db()
    assert v1.is_active  # 2023 untouched
    with pytest.raises(ValidationError, match="2024年已有农村细则"):
        services.clone_to_year(admin, v1, 2024)
    actives = RulebookVersion.objects.filter(is_active=True).values_list("year", "kind", "version")
    assert sorted(actives) == [(2023, "community", 1), (2023, "rural", 1), (2024, "rural", 1)]


def test_only_one_version_of_a_year_and_kind_is_active(world, rulebooks):
    v1 = rulebooks["rural"]
    v2 = services.create_version(world.users["admin"], v1.content, activate=False)
    assert (v2.version, v2.is_active) == (2, False)
    services.activate_version(world.users["admin"], v2)
    services.activate_version(world.users["admin"], v1)
    assert list(
        RulebookVersion.objects.filter(year=YEAR, kind="rural", is_active=True).values_list(
            "version", flat=True
        )
    ) == [1]
    with pytest.raises(IntegrityError), transaction.atomic():
        RulebookVersion.objects.filter(pk=v2.pk).update(is_active=True)


def test_a_broken_rulebook_is_refused_naming_the_field(world, rulebooks):
    v1 = rulebooks["rural"]
    broken = replace_once(v1.content, "        target: 20\n", "")
    with pytest.raises(ValidationError) as caught:
        services.create_version(world.users["admin"], broken)
    assert any(
        "产业兴旺星 › 村集体经济收入 › target：门槛型指标必须填写 target（位置 stars[1].indicators[0].target）"
        in m
        for m in caught.value.messages
    )
    assert RulebookVersion.objects.count() == 2


# --- veto events ---------------------------------------------------------------------------------------------


def test_record_veto_checks_code_year_and_authority(world, rulebooks):
    street_a = world.users["street_a"]
    day = dt.date(2023, 5, 4)
    with pytest.raises(ValidationError, match=r"细则中没有否决项 pafz\.nothing"):
        services.record_veto(street_a, world.village_a, YEAR, "pafz.nothing", day, "…")
    with pytest.raises(ValidationError, match="发生日期应在 2023 年内"):
        services.record_veto(street_a, world.village_a, YEAR, "pafz.petition", dt.date(2022, 12, 31), "…")
    for role in ("street_b", "leader", "unit", "secretary_a"):
        with pytest.raises(PermissionDenied):
            services.record_veto(world.users[role], world.village_a, YEAR, "pafz.petition", day, "…")
    event = services.record_veto(street_a, world.village_a, YEAR, "pafz.petition", day, "越级上访一次")
    with pytest.raises(ValidationError, match="撤销必须填写原因"):
        services.revoke_veto(street_a, event, "  ")
    with pytest.raises(PermissionDenied):
        services.revoke_veto(world.users["street_b"], event, "误报")
    services.revoke_veto(street_a, event, "经核实为误报")
    event.refresh_from_db()
    assert event.revoked_at is not None and event.revoke_reason == "经核实为误报"
    logged = DecisionLog.objects.filter(
        object_id=str(world.village_a.pk), action__in=["veto_recorded", "veto_revoked"]
    ).order_by("pk")
    assert [(d.action, d.actor_id, d.comment) for d in logged] == [
        ("veto_recorded", street_a.pk, "越级上访一次"),
        ("veto_revoked", street_a.pk, "经核实为误报"),
    ]


def test_full_width_percent_and_digits_are_read_as_numbers(world, rulebooks, save):
    from wuxing.rules.models import Score

    save(world.village_a, {"stjy.toilets": "８５％"})
    assert Score.objects.get(indicator_code="stjy.toilets").value == 85
