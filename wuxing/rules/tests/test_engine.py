"""The rating engine, without Django: ``pytest -p no:django wuxing/rules/tests/test_engine.py``.

Expected outcomes are worked out by hand from the rules (or, in the property tests, by a deliberately
naive reference written here from the rules' wording), never by calling the engine to find out.
"""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wuxing.rules.engine import (
    MissingIndicator,
    Ref,
    ScoreError,
    gap_list,
    rate_all,
    rate_one,
    rate_totals,
    score_cell,
    validate_value,
)
from wuxing.rules.schema import FORMS, Rulebook, load_rulebook_file, parse_rulebook

D = Decimal
RULEBOOKS = Path(__file__).resolve().parent.parent / "rulebooks"
FILLERS = [("bb", "乙星"), ("cc", "丙星"), ("dd", "丁星"), ("ee", "戊星")]


def book_with(
    indicators: list[dict[str, Any]],
    *,
    min_points: str | int = 0,
    required: tuple[str, ...] = (),
    vetoes: tuple[dict[str, Any], ...] = (),
    requires: dict[str, list[str]] | None = None,
) -> Rulebook:
    """A valid rulebook whose star "aa" (甲星) holds the indicators under test; four filler stars
    (乙丙丁戊) each have one yes/no item "<code>.ok" worth 1 point and need 1 point."""
    requires = requires or {}
    stars: list[dict[str, Any]] = [
        {
            "code": "aa",
            "name": "甲星",
            "award": {"min_points": min_points, "required_indicators": list(required)},
            "requires_stars": requires.get("aa", []),
            "vetoes": list(vetoes),
            "indicators": indicators,
        }
    ]
    for code, name in FILLERS:
        stars.append(
            {
                "code": code,
                "name": name,
                "award": {"min_points": 1},
                "requires_stars": requires.get(code, []),
                "indicators": [
                    {"code": f"{code}.ok", "name": f"{name}达标", "form": "yes_no", "max_points": 1}
                ],
            }
        )
    return parse_rulebook({"year": 2023, "kind": "rural", "title": "测试细则", "stars": stars})


FILLERS_OK = {f"{code}.ok": True for code, _ in FILLERS}


def star_a(book: Rulebook, values: dict[str, Any], vetoes: tuple[str, ...] = ()) -> Any:
    return rate_one(book, {**FILLERS_OK, **values}, vetoes, detail=True).star_results["aa"]


# --------------------------------------------------------------------------- each form at its boundary


def test_yes_no_true_scores_max_points_and_is_met():
    book = book_with(
        [{"code": "aa.x", "name": "有台账", "form": "yes_no", "max_points": 10}], required=("aa.x",)
    )
    yes = star_a(book, {"aa.x": True})
    assert yes.points == D("10.00") and yes.awarded
    assert yes.indicators[0].met is True
    no = star_a(book, {"aa.x": False})
    assert no.points == D("0.00") and not no.awarded
    assert no.reasons == ("必达指标未达标：有台账：是，当前为否",)


@pytest.mark.parametrize(
    ("count", "points"),
    [(0, "0"), (3, "7.5"), (4, "10"), (5, "10"), (40, "10")],  # 2.5 each, cap 10 = 4 occurrences
)
def test_per_occurrence_points_are_capped_at_max_points(count, points):
    book = book_with(
        [
            {
                "code": "aa.n",
                "name": "主题党日",
                "form": "per_occurrence",
                "max_points": 10,
                "points_each": "2.5",
                "unit": "次",
            }
        ]
    )
    assert star_a(book, {"aa.n": count}).points == D(points)


@pytest.mark.parametrize(("count", "met"), [(0, False), (11, False), (12, True), (13, True)])
def test_per_occurrence_is_met_from_min_count(count, met):
    book = book_with(
        [
            {
                "code": "aa.n",
                "name": "主题党日",
                "form": "per_occurrence",
                "max_points": 15,
                "points_each": "1.25",
                "min_count": 12,
                "unit": "次",
            }
        ],
        required=("aa.n",),
    )
    result = star_a(book, {"aa.n": count})
    assert result.indicators[0].met is met
    assert result.awarded is met  # min_points 0: only the required item decides
    if not met:
        assert result.reasons == (f"必达指标未达标：主题党日 ≥ 12 次，当前 {count} 次",)


def test_per_occurrence_met_from_one_by_default():
    book = book_with(
        [{"code": "aa.n", "name": "项目", "form": "per_occurrence", "max_points": 15, "points_each": 5}],
        required=("aa.n",),
    )
    assert not star_a(book, {"aa.n": 0}).awarded
    assert star_a(book, {"aa.n": 1}).awarded


THRESHOLD = {"code": "aa.t", "name": "村集体经济收入", "form": "threshold", "max_points": 25, "unit": "万元"}


@pytest.mark.parametrize(
    ("op", "target", "value", "met"),
    [
        (">=", "20", "19.99", False),
        (">=", "20", "20", True),
        (">=", "20", "20.00", True),
        (">=", "20", "20.01", True),
        (">", "20", "20", False),
        (">", "20", "20.01", True),
        ("<=", "5", "4.99", True),
        ("<=", "5", "5", True),
        ("<=", "5", "5.01", False),
        ("<", "5", "4.99", True),
        ("<", "5", "5", False),
    ],
)
def test_threshold_boundaries(op, target, value, met):
    book = book_with([{**THRESHOLD, "op": op, "target": target}], required=("aa.t",))
    result = star_a(book, {"aa.t": D(value)})
    assert result.points == (D("25.00") if met else D("0.00"))
    assert result.awarded is met


def test_threshold_accepts_an_int_value():
    book = book_with([{**THRESHOLD, "op": ">=", "target": 20}])
    assert star_a(book, {"aa.t": 20}).points == D(25)


@pytest.mark.parametrize(("value", "met"), [("5.99", False), ("6", True), ("6.00", True), ("10", True)])
def test_scale_value_is_the_points_and_met_from_sixty_percent(value, met):
    book = book_with(
        [{"code": "aa.s", "name": "书记履职", "form": "scale", "max_points": 10}], required=("aa.s",)
    )
    result = star_a(book, {"aa.s": D(value)})
    assert result.points == D(value)
    assert result.indicators[0].met is met
    if not met:
        assert result.reasons == ("必达指标未达标：书记履职 ≥ 6 分，当前 5.99 分",)


@pytest.mark.parametrize(
    ("max_points", "pass_at", "below"),
    [
        ("15", "9", "8.99"),
        ("7.5", "4.5", "4.49"),
        ("0.09", "0.05", "0.04"),  # 0.054 rounds down
        ("0.01", "0.01", "0"),  # 0.006 rounds half-up to 0.01
        ("1.25", "0.75", "0.74"),
    ],
)
def test_scale_default_pass_mark_is_rounded_half_up(max_points, pass_at, below):
    book = book_with(
        [{"code": "aa.s", "name": "评分", "form": "scale", "max_points": max_points}], required=("aa.s",)
    )
    assert star_a(book, {"aa.s": D(pass_at)}).awarded
    assert not star_a(book, {"aa.s": D(below)}).awarded


def test_scale_explicit_pass_points():
    book = book_with(
        [{"code": "aa.s", "name": "评分", "form": "scale", "max_points": 10, "pass_points": 8}],
        required=("aa.s",),
    )
    assert not star_a(book, {"aa.s": D("7.99")}).awarded
    assert star_a(book, {"aa.s": D(8)}).awarded


@pytest.mark.parametrize("value", [D("-0.01"), D("10.01"), D("NaN"), D("Infinity")])
def test_scale_outside_zero_to_max_is_an_error(value):
    book = book_with([{"code": "aa.s", "name": "评分", "form": "scale", "max_points": 10}])
    with pytest.raises(ScoreError, match=r"aa\.s"):
        rate_one(book, {"aa.s": value}, org="村1")


def test_bonus_adds_on_top_and_can_pass_one_hundred():
    base = {"code": "aa.base", "name": "基础", "form": "scale", "max_points": 100}
    bonus = {"code": "aa.b", "name": "表彰", "form": "bonus", "max_points": 5, "points_each": 2, "unit": "项"}
    book = book_with([base, bonus], min_points=80)
    # 2 each, capped at 5: 2 → 4, 3 → 5 (cap), 4 → 5
    assert star_a(book, {"aa.base": D(100), "aa.b": 2}).points == D("104.00")
    assert star_a(book, {"aa.base": D(100), "aa.b": 3}).points == D("105.00")
    assert star_a(book, {"aa.base": D(100), "aa.b": 4}).points == D("105.00")
    # a bonus can lift a star over the line: 78 + 2 = 80
    assert not star_a(book, {"aa.base": D(78)}).awarded
    assert star_a(book, {"aa.base": D(78), "aa.b": 1}).awarded


@pytest.mark.parametrize(("count", "points"), [(0, "100"), (1, "90"), (2, "80"), (3, "70"), (4, "70")])
def test_penalty_subtracts_up_to_its_cap(count, points):
    base = {"code": "aa.base", "name": "基础", "form": "scale", "max_points": 100}
    penalty = {"code": "aa.p", "name": "受处分", "form": "penalty", "max_points": 30, "points_each": 10}
    book = book_with([base, penalty], min_points=80)
    result = star_a(book, {"aa.base": D(100), "aa.p": count})
    assert result.points == D(points)
    assert result.awarded is (D(points) >= 80)


def test_penalty_as_required_item_is_met_only_at_zero():
    base = {"code": "aa.base", "name": "基础", "form": "scale", "max_points": 100}
    penalty = {"code": "aa.p", "name": "受处分", "form": "penalty", "max_points": 30, "points_each": 10}
    book = book_with([base, penalty], min_points=80, required=("aa.p",))
    assert star_a(book, {"aa.base": D(100), "aa.p": 0}).awarded
    result = star_a(book, {"aa.base": D(100), "aa.p": 1})
    assert result.points == D(90) and not result.awarded
    assert result.reasons == ("必达指标未达标：受处分 须为 0 次，当前 1 次",)


def test_a_star_can_go_below_zero():
    penalty = {"code": "aa.p", "name": "受处分", "form": "penalty", "max_points": 30, "points_each": 10}
    result = star_a(book_with([penalty]), {"aa.p": 2})
    assert result.points == D(-20)
    assert result.reasons == ("得分 -20 分，距 0 分还差 20 分",)


# --------------------------------------------------------------------------- the award line and the reasons


def test_min_points_boundary_and_gap_text():
    book = book_with([{"code": "aa.s", "name": "评分", "form": "scale", "max_points": 100}], min_points=80)
    assert star_a(book, {"aa.s": D(80)}).awarded
    just_below = star_a(book, {"aa.s": D("79.99")})
    assert not just_below.awarded
    assert just_below.gap_points == D("0.01")
    assert just_below.reasons == ("得分 79.99 分，距 80 分还差 0.01 分",)
    typical = star_a(book, {"aa.s": D(72)})
    assert typical.gap_points == D(8)
    assert typical.reasons == ("得分 72 分，距 80 分还差 8 分",)
    assert star_a(book, {"aa.s": D(95)}).gap_points == D(0)


def test_points_are_quantized_only_at_output():
    # 7.255 + 7.255 = 14.51 exactly; rounding each first would give 7.26 + 7.26 = 14.52
    items = [{"code": f"aa.s{k}", "name": f"评分{k}", "form": "scale", "max_points": 10} for k in (1, 2)]
    book = book_with(items)
    result = star_a(book, {"aa.s1": D("7.255"), "aa.s2": D("7.255")})
    assert result.points == D("14.51")
    assert star_a(book, {"aa.s1": D("7.255")}).points == D("7.26")  # one alone: half up at output


def test_points_have_two_decimals_and_are_decimal():
    book = book_with([{"code": "aa.x", "name": "有", "form": "yes_no", "max_points": 10}])
    result = rate_one(book, {"aa.x": True, **FILLERS_OK})
    for points in result.points.values():
        assert isinstance(points, Decimal)
        assert points.as_tuple().exponent == -2


def test_missing_values_count_zero_and_are_listed():
    items = [
        {"code": "aa.x", "name": "有台账", "form": "yes_no", "max_points": 50},
        {"code": "aa.y", "name": "有制度", "form": "yes_no", "max_points": 50},
        {
            "code": "aa.t",
            "name": "满意度",
            "form": "threshold",
            "max_points": 0,
            "unit": "%",
            "op": ">=",
            "target": 90,
        },
    ]
    book = book_with(items, min_points=80, required=("aa.t",))
    result = star_a(book, {"aa.x": True})
    assert result.points == D(50)
    assert result.unfilled == ("aa.y", "aa.t")
    assert result.reasons == (
        "得分 50 分，距 80 分还差 30 分",
        "未填报（按 0 分计）：有制度",
        "必达指标未达标：满意度 ≥ 90%，当前未填报",
    )
    assert result.missing_indicators == (
        MissingIndicator("aa.t", "满意度", "满意度 ≥ 90%", None, "满意度 ≥ 90%，当前未填报"),
    )
    assert [row.filled for row in result.indicators] == [True, False, False]


def test_none_means_not_entered():
    book = book_with([{"code": "aa.x", "name": "有台账", "form": "yes_no", "max_points": 1}], min_points=1)
    assert star_a(book, {"aa.x": None}).unfilled == ("aa.x",)


def test_values_for_unknown_indicators_are_ignored():
    book = book_with([{"code": "aa.x", "name": "有台账", "form": "yes_no", "max_points": 1}], min_points=1)
    assert star_a(book, {"aa.x": True, "old.item": 7}).awarded


def test_veto_voids_the_star_whatever_the_points():
    veto = {"code": "aa.case", "name": "发生刑事案件或重大治安案件"}
    book = book_with(
        [{"code": "aa.x", "name": "有", "form": "yes_no", "max_points": 100}], min_points=80, vetoes=(veto,)
    )
    clean = star_a(book, {"aa.x": True})
    assert clean.awarded
    vetoed = star_a(book, {"aa.x": True}, ("aa.case",))
    assert not vetoed.awarded and not vetoed.eligible
    assert vetoed.points == D(100) and vetoed.gap_points == D(0)
    assert vetoed.vetoed_by == (Ref("aa.case", "发生刑事案件或重大治安案件"),)
    assert vetoed.reasons == ("一票否决：发生刑事案件或重大治安案件",)


def test_unknown_veto_code_is_an_error_not_ignored():
    book = book_with([{"code": "aa.x", "name": "有", "form": "yes_no", "max_points": 1}])
    with pytest.raises(ScoreError, match=r"不认识的否决事项代码：aa\.typo") as caught:
        rate_all(book, {"村1": {}}, {"村1": {"aa.typo"}})
    assert caught.value.org == "村1"


@pytest.mark.parametrize(
    ("item", "value"),
    [
        ({"form": "yes_no"}, 1),
        ({"form": "yes_no"}, "是"),
        ({"form": "per_occurrence", "points_each": 1}, True),
        ({"form": "per_occurrence", "points_each": 1}, -1),
        ({"form": "per_occurrence", "points_each": 1}, D("1.5")),
        ({"form": "per_occurrence", "points_each": 1}, "3"),
        ({"form": "threshold", "unit": "%", "op": ">=", "target": 1}, 0.5),
        ({"form": "threshold", "unit": "%", "op": ">=", "target": 1}, True),
        ({"form": "threshold", "unit": "%", "op": ">=", "target": 1}, D("NaN")),
        ({"form": "scale"}, "5"),
    ],
)
def test_wrongly_typed_values_are_errors_naming_org_and_indicator(item, value):
    book = book_with([{"code": "aa.v", "name": "项", "max_points": 10, **item}])
    with pytest.raises(ScoreError) as caught:
        rate_all(book, {"村7": {"aa.v": value}})
    assert caught.value.org == "村7" and caught.value.indicator == "aa.v"
    assert str(caught.value).startswith("组织 村7：指标 aa.v（项）的值")


def test_a_single_veto_string_is_refused():
    book = book_with([{"code": "aa.x", "name": "有", "form": "yes_no", "max_points": 1}])
    with pytest.raises(TypeError):
        rate_one(book, {}, "aa.v")


def test_whole_decimal_counts_are_accepted():
    book = book_with(
        [{"code": "aa.n", "name": "次数", "form": "per_occurrence", "max_points": 10, "points_each": 2}]
    )
    assert star_a(book, {"aa.n": D("3")}).points == D(6)


def test_orgs_only_in_vetoes_are_rated_too():
    veto = {"code": "aa.v", "name": "否决"}
    book = book_with([{"code": "aa.x", "name": "有", "form": "yes_no", "max_points": 1}], vetoes=(veto,))
    results = rate_all(book, {"村1": FILLERS_OK}, {"村2": {"aa.v"}})
    assert set(results) == {"村1", "村2"}
    assert results["村2"].level == 0
    assert results["村2"].star_results["aa"].vetoed_by == (Ref("aa.v", "否决"),)


# --------------------------------------------------------------------------- requires_stars: both readings


def test_capstone_star_needs_all_the_others():
    book = book_with(
        [{"code": "aa.x", "name": "有", "form": "yes_no", "max_points": 1}],
        requires={"aa": ["bb", "cc", "dd", "ee"]},
    )
    everything = {**FILLERS_OK, "aa.x": True}
    full = rate_one(book, everything)
    assert full.level == 5 and full.stars == ("aa", "bb", "cc", "dd", "ee")
    two_missing = rate_one(book, {**everything, "cc.ok": False, "ee.ok": False})
    assert two_missing.stars == ("bb", "dd")
    capstone = two_missing.star_results["aa"]
    assert capstone.eligible and not capstone.awarded
    assert capstone.missing_stars == (Ref("cc", "丙星"), Ref("ee", "戊星"))
    assert capstone.reasons == ("须先获得：丙星、戊星",)


def test_prerequisite_star_gates_the_others():
    book = book_with(
        [{"code": "aa.x", "name": "有", "form": "yes_no", "max_points": 1}],
        min_points=1,
        requires={code: ["aa"] for code, _ in FILLERS},
    )
    without = rate_one(book, {**FILLERS_OK, "aa.x": False})
    assert without.level == 0 and without.stars == ()
    assert without.star_results["bb"].reasons == ("须先获得：甲星",)
    assert rate_one(book, {**FILLERS_OK, "aa.x": True}).level == 5


def test_requirement_chains_resolve_transitively_whatever_the_order():
    # ee → dd → cc → bb → aa, listed so that each star comes before the one it needs
    book = book_with(
        [{"code": "aa.x", "name": "有", "form": "yes_no", "max_points": 1}],
        min_points=1,
        requires={"ee": ["dd"], "dd": ["cc"], "cc": ["bb"], "bb": ["aa"]},
    )
    assert rate_one(book, {**FILLERS_OK, "aa.x": True}).level == 5
    broken = rate_one(book, {**FILLERS_OK, "aa.x": False})
    assert broken.level == 0
    assert broken.star_results["ee"].missing_stars == (Ref("dd", "丁星"),)
    assert broken.star_results["ee"].eligible


def test_veto_on_a_required_star_voids_the_capstone():
    veto = {"code": "bb.v", "name": "否决"}
    rb = book_with(
        [{"code": "aa.x", "name": "有", "form": "yes_no", "max_points": 1}], requires={"aa": ["bb"]}
    )
    data = rb.to_dict()
    data["stars"][1]["vetoes"] = [veto]
    book = parse_rulebook(data)
    result = rate_one(book, {**FILLERS_OK, "aa.x": True}, {"bb.v"})
    assert result.stars == ("cc", "dd", "ee")
    assert gap_list(result) == ["甲星：须先获得：乙星", "乙星：一票否决：否决"]


# --------------------------------------------------------------------------- the shipped default rulebooks


def full_marks(book: Rulebook) -> dict[str, Any]:
    """Every indicator at its best: yes, enough occurrences to reach the cap, no penalty, targets hit."""
    values: dict[str, Any] = {}
    for _star, ind in book.iter_indicators():
        if ind.form == "yes_no":
            values[ind.code] = True
        elif ind.form == "penalty":
            values[ind.code] = 0
        elif ind.form in ("per_occurrence", "bonus"):
            values[ind.code] = 20
        elif ind.form == "threshold":
            values[ind.code] = ind.target
        else:
            values[ind.code] = ind.max_points
    return values


@pytest.fixture(scope="module")
def rural() -> Rulebook:
    return load_rulebook_file(RULEBOOKS / "2023-rural.yaml")


@pytest.fixture(scope="module")
def community() -> Rulebook:
    return load_rulebook_file(RULEBOOKS / "2023-community.yaml")


def test_rural_full_marks_is_five_stars(rural):
    result = rate_one(rural, full_marks(rural))
    assert result.level == 5
    assert result.stars == ("zbgy", "cyxw", "stjy", "pafz", "wmxf")
    # 100 base each; cyxw and wmxf also carry a 5-point bonus
    assert result.points == {"zbgy": D(100), "cyxw": D(105), "stjy": D(100), "pafz": D(100), "wmxf": D(105)}
    assert result.year == 2023 and result.rulebook_version == 1 and result.kind == "rural"
    assert result.placeholder is True


def test_community_full_marks_is_five_stars(community):
    result = rate_one(community, full_marks(community))
    assert result.stars == ("zbgy", "yyxy", "pafz", "gjgx", "xfhx")


def test_rural_village_income_threshold_at_twenty_wan(rural):
    values = full_marks(rural)
    at = rate_one(rural, {**values, "cyxw.income": D(20)})
    assert "cyxw" in at.stars
    below = rate_one(rural, {**values, "cyxw.income": D(18)})
    cyxw = below.star_results["cyxw"]
    # 105 − 25 = 80: the points still reach the line, but the required threshold is not met
    assert cyxw.points == D(80) and not cyxw.awarded
    assert cyxw.reasons == ("必达指标未达标：村集体经济收入 ≥ 20 万元，当前 18 万元",)
    # and the capstone star falls with it
    assert below.star_results["zbgy"].reasons == ("须先获得：产业兴旺星",)
    assert below.level == 3


def test_rural_toilet_coverage_threshold_at_eighty_percent(rural):
    values = full_marks(rural)
    assert "stjy" in rate_one(rural, {**values, "stjy.toilets": D(80)}).stars
    below = rate_one(rural, {**values, "stjy.toilets": D("79.9")})
    stjy = below.star_results["stjy"]
    # 100 − 20 = 80 points; fails only on the required item
    assert stjy.points == D(80)
    assert stjy.reasons == ("必达指标未达标：卫生厕所普及率 ≥ 80%，当前 79.9%",)


def test_rural_safety_star_worked_example(rural):
    values = {
        **full_marks(rural),
        "pafz.leadership": D(8),  # scale /10
        "pafz.prevention": D(12),  # scale /15
        "pafz.disputes": D(96),  # ≥ 95 % → 15
        "pafz.key_groups": D(7),  # scale /10
        "pafz.hazards": True,  # 15
        "pafz.rule_of_law": D(6),  # scale /10
        "pafz.services": False,  # 0 of 10
        "pafz.satisfaction": D("89.5"),  # < 90 % → 0 of 15, required
    }
    result = rate_one(rural, values, {"pafz.petition"})
    pafz = result.star_results["pafz"]
    # 8 + 12 + 15 + 7 + 15 + 6 + 0 + 0 = 63
    assert pafz.points == D(63) and pafz.gap_points == D(17)
    assert pafz.reasons == (
        "一票否决：越级上访",
        "得分 63 分，距 80 分还差 17 分",
        "必达指标未达标：群众普遍满意（安全感满意度） ≥ 90%，当前 89.5%",
    )
    assert result.stars == ("cyxw", "stjy", "wmxf")
    assert gap_list(result) == [
        "支部过硬星：须先获得：平安法治星",
        "平安法治星：一票否决：越级上访",
        "平安法治星：得分 63 分，距 80 分还差 17 分",
        "平安法治星：必达指标未达标：群众普遍满意（安全感满意度） ≥ 90%，当前 89.5%",
    ]


def test_rural_prerequisite_reading_by_editing_requires_stars(rural):
    data = rural.to_dict()
    for star in data["stars"]:
        star["requires_stars"] = [] if star["code"] == "zbgy" else ["zbgy"]
    book = parse_rulebook(data)
    values = {**full_marks(rural), "zbgy.venue": False, "zbgy.records": False}  # 100 − 25 = 75 < 80
    result = rate_one(book, values)
    assert result.level == 0
    assert result.star_results["zbgy"].reasons == ("得分 75 分，距 80 分还差 5 分",)
    assert result.star_results["cyxw"].reasons == ("须先获得：支部过硬星",)
    # the default capstone reading gives the other four instead
    assert rate_one(rural, values).stars == ("cyxw", "stjy", "pafz", "wmxf")


# --------------------------------------------------------------------------- validate_value


def indicator(**fields: Any):
    book = book_with([{"code": "aa.v", "name": "项", "max_points": 10, **fields}])
    return book.indicator("aa.v")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("是", True),
        ("有", True),
        ("√", True),
        ("1", True),
        ("yes", True),
        ("TRUE", True),
        ("否", False),
        ("无", False),
        ("×", False),
        ("0", False),
        ("no", False),
        ("false", False),
        (True, True),
        (0, False),
        (1.0, True),
        (D("0"), False),
    ],
)
def test_validate_yes_no(raw, expected):
    assert validate_value(indicator(form="yes_no"), raw) is expected


def test_validate_yes_no_rejects_other_text():
    with pytest.raises(ValueError, match="应填“是”或“否”"):
        validate_value(indicator(form="yes_no"), "也许")


@pytest.mark.parametrize(("raw", "expected"), [("3", 3), ("0", 0), ("3次", 3), ("3.0", 3), (4, 4), (5.0, 5)])
def test_validate_count(raw, expected):
    value = validate_value(indicator(form="per_occurrence", points_each=1, unit="次"), raw)
    assert value == expected and type(value) is int


@pytest.mark.parametrize("raw", ["-1", "1.5", "三", True, 2.5])
def test_validate_count_rejects(raw):
    with pytest.raises(ValueError, match=r"应为 0–9999 之间的整数（单位：次）"):
        validate_value(indicator(form="penalty", points_each=1), raw)


PERCENT = {"form": "threshold", "unit": "%", "op": ">=", "target": 80, "min_value": 0, "max_value": 100}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0", D(0)),
        ("80", D(80)),
        ("79.9", D("79.9")),
        ("100", D(100)),
        ("80%", D(80)),
        (0.1, D("0.1")),
        (7, D(7)),
    ],
)
def test_validate_threshold(raw, expected):
    value = validate_value(indicator(**PERCENT), raw)
    assert value == expected and type(value) is Decimal


@pytest.mark.parametrize("raw", ["-0.1", "100.1", "abc", "NaN", "Infinity", True])
def test_validate_threshold_out_of_range(raw):
    with pytest.raises(ValueError) as caught:
        validate_value(indicator(**PERCENT), raw)
    assert str(caught.value) == "应为 0–100 之间的数（单位：%）"


def test_validate_threshold_without_max_and_thousands_separator():
    money = indicator(form="threshold", unit="万元", op=">=", target=20)
    assert validate_value(money, "1,234.5") == D("1234.5")
    assert validate_value(money, "18万元") == D(18)
    with pytest.raises(ValueError, match="应为不小于 0 的数（单位：万元）"):
        validate_value(money, "-1")


def test_validate_threshold_with_negative_min_value():
    growth = indicator(form="threshold", unit="%", op=">=", target=10, min_value=-100)
    assert validate_value(growth, "-12.5") == D("-12.5")


@pytest.mark.parametrize(
    ("raw", "ok"), [("0", True), ("10", True), ("6.5", True), ("10.01", False), ("-1", False)]
)
def test_validate_scale(raw, ok):
    scale = indicator(form="scale")
    if ok:
        assert validate_value(scale, raw) == D(raw)
    else:
        with pytest.raises(ValueError, match="应为 0–10 之间的数（单位：分）"):
            validate_value(scale, raw)


def test_validate_scale_two_decimals_at_most():
    with pytest.raises(ValueError, match="两位小数"):
        validate_value(indicator(form="scale"), "6.555")


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_validate_blank_is_not_entered(raw):
    assert validate_value(indicator(form="scale"), raw) is None


# --------------------------------------------------------------------------- properties over random rulebooks

POINTS = st.integers(0, 3000).map(lambda cents: Decimal(cents).scaleb(-2))  # 0.00–30.00
STAR_CODES = ["sa", "sb", "sc", "sd", "se"]


@st.composite
def indicator_dicts(draw: st.DrawFn, code: str) -> dict[str, Any]:
    form = draw(st.sampled_from(FORMS))
    item: dict[str, Any] = {"code": code, "name": f"指标{code}", "form": form, "max_points": draw(POINTS)}
    if form in ("per_occurrence", "bonus", "penalty"):
        item["points_each"] = draw(st.integers(0, 1000).map(lambda c: Decimal(c).scaleb(-2)))
        if form != "penalty" and draw(st.booleans()):
            item["min_count"] = draw(st.integers(1, 5))
    elif form == "threshold":
        low = draw(st.sampled_from([0, 0, -50]))
        high = draw(st.sampled_from([None, 100, 1000]))
        top = 200 if high is None else high
        item.update(
            unit=draw(st.sampled_from(["%", "万元", "人"])),
            op=draw(st.sampled_from([">=", "<=", ">", "<"])),
            target=Decimal(draw(st.integers(low * 10, top * 10))).scaleb(-1),
        )
        if low:
            item["min_value"] = low
        if high is not None:
            item["max_value"] = high
    elif form == "scale" and draw(st.booleans()):
        item["pass_points"] = Decimal(draw(st.integers(0, int(item["max_points"] * 100)))).scaleb(-2)
    return item


@st.composite
def rulebook_dicts(draw: st.DrawFn) -> dict[str, Any]:
    order = draw(st.permutations(STAR_CODES))  # requirements only point backwards in this order: no cycles
    shared_veto = {"code": "all.shared", "name": "共同否决事项"}
    stars = []
    for code in STAR_CODES:
        count = draw(st.integers(1, 5))
        indicators = [draw(indicator_dicts(f"{code}.i{k}")) for k in range(count)]
        achievable = sum((i["max_points"] for i in indicators if i["form"] != "penalty"), Decimal(0))
        min_points = Decimal(draw(st.integers(0, int(achievable * 100)))).scaleb(-2)
        codes = [i["code"] for i in indicators]
        required = draw(st.lists(st.sampled_from(codes), unique=True, max_size=2))
        earlier = order[: order.index(code)]
        requires = draw(st.lists(st.sampled_from(earlier), unique=True, max_size=2)) if earlier else []
        vetoes = [{"code": f"{code}.v{k}", "name": f"{code}否决{k}"} for k in range(draw(st.integers(0, 2)))]
        if draw(st.booleans()):
            vetoes.append(shared_veto)
        stars.append(
            {
                "code": code,
                "name": f"{code}星",
                "award": {"min_points": min_points, "required_indicators": required},
                "requires_stars": requires,
                "vetoes": vetoes,
                "indicators": indicators,
            }
        )
    return {
        "year": draw(st.integers(2022, 2030)),
        "kind": draw(st.sampled_from(["rural", "community"])),
        "version": draw(st.integers(1, 9)),
        "title": "随机细则",
        "placeholder": draw(st.booleans()),
        "stars": stars,
    }


def value_for(draw: st.DrawFn, item: dict[str, Any]) -> Any:
    form = item["form"]
    if form == "yes_no":
        return draw(st.booleans())
    if form in ("per_occurrence", "bonus", "penalty"):
        return draw(st.integers(0, 12))
    if form == "threshold":
        low = Decimal(item.get("min_value", 0))
        high = Decimal(item.get("max_value", 200))
        near = [item["target"], item["target"] - Decimal("0.1"), item["target"] + Decimal("0.1")]
        anywhere = st.integers(int(low * 10), int(high * 10)).map(lambda t: Decimal(t).scaleb(-1))
        value = draw(st.one_of(st.sampled_from(near), anywhere))
        return min(max(value, low), high)
    return Decimal(draw(st.integers(0, int(item["max_points"] * 100)))).scaleb(-2)


@st.composite
def org_values(draw: st.DrawFn, book: dict[str, Any]) -> dict[str, Any]:
    values = {}
    for star in book["stars"]:
        for item in star["indicators"]:
            if draw(st.integers(0, 9)) > 0:  # about one in ten left unfilled
                values[item["code"]] = value_for(draw, item)
    return values


def veto_codes(book: dict[str, Any]) -> list[str]:
    return sorted({v["code"] for star in book["stars"] for v in star["vetoes"]})


# A deliberately naive reference, written from the rules' wording.


def reference_points(item: dict[str, Any], value: Any) -> tuple[Decimal, bool]:
    if value is None:
        return Decimal(0), False
    top = Decimal(item["max_points"])
    form = item["form"]
    if form == "yes_no":
        return (top, True) if value else (Decimal(0), False)
    if form in ("per_occurrence", "bonus"):
        return min(value * Decimal(item["points_each"]), top), value >= item.get("min_count", 1)
    if form == "penalty":
        return -min(value * Decimal(item["points_each"]), top), value == 0
    if form == "threshold":
        target = Decimal(item["target"])
        holds = {
            ">=": value >= target,
            "<=": value <= target,
            ">": value > target,
            "<": value < target,
        }[item["op"]]
        return (top if holds else Decimal(0)), holds
    pass_at = item.get("pass_points")
    if pass_at is None:
        pass_at = (top * Decimal("0.6")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return value, value >= Decimal(pass_at)


def reference_rate(book: dict[str, Any], values: dict[str, Any], vetoes: set[str]) -> tuple[list[str], dict]:
    totals, awarded = {}, {}
    for star in book["stars"]:
        scored = {i["code"]: reference_points(i, values.get(i["code"])) for i in star["indicators"]}
        totals[star["code"]] = sum((p for p, _met in scored.values()), Decimal(0))
        awarded[star["code"]] = (
            totals[star["code"]] >= Decimal(star["award"]["min_points"])
            and all(scored[code][1] for code in star["award"]["required_indicators"])
            and not any(v["code"] in vetoes for v in star["vetoes"])
        )
    requires = {star["code"]: star["requires_stars"] for star in book["stars"]}
    changed = True
    while changed:  # strip stars whose requirements are not held, until nothing changes
        changed = False
        for code, held in awarded.items():
            if held and not all(awarded[r] for r in requires[code]):
                awarded[code] = False
                changed = True
    points = {code: total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for code, total in totals.items()}
    return [code for code in STAR_CODES if awarded[code]], points


PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(data=st.data())
def test_engine_agrees_with_the_naive_reference(data):
    book_dict = data.draw(rulebook_dicts())
    book = parse_rulebook(book_dict)
    values = data.draw(org_values(book_dict))
    vetoes = (
        set(data.draw(st.lists(st.sampled_from(veto_codes(book_dict)), max_size=2)))
        if veto_codes(book_dict)
        else set()
    )
    result = rate_one(book, values, vetoes)
    stars, points = reference_rate(book_dict, values, vetoes)
    assert list(result.stars) == stars
    assert result.points == points
    assert result.level == len(result.stars) <= 5


def improve(item: dict[str, Any], value: Any) -> Any:
    """A value that can only be at least as good for this indicator."""
    form = item["form"]
    if form == "yes_no":
        return True
    if form == "penalty":
        return 0 if value is None else max(value - 1, 0)
    if form in ("per_occurrence", "bonus"):
        return 1 if value is None else value + 1
    if form == "threshold":
        low = Decimal(item.get("min_value", 0))
        high = Decimal(item.get("max_value", 200))
        if value is None:
            return item["target"]  # filling a missing value can never lose points (threshold gives ≥ 0)
        step = Decimal("0.5")
        return min(value + step, high) if item["op"] in (">=", ">") else max(value - step, low)
    top = Decimal(item["max_points"])
    return top if value is None else min(value + Decimal("0.5"), top)


@PROPERTY
@given(data=st.data())
def test_better_values_or_fewer_vetoes_never_remove_a_star(data):
    book_dict = data.draw(rulebook_dicts())
    book = parse_rulebook(book_dict)
    values = data.draw(org_values(book_dict))
    codes = veto_codes(book_dict)
    vetoes = set(data.draw(st.lists(st.sampled_from(codes), max_size=3))) if codes else set()
    before = rate_one(book, values, vetoes)

    items = [i for s in book_dict["stars"] for i in s["indicators"]]
    chosen = data.draw(st.lists(st.sampled_from(items), min_size=1, max_size=5))
    better = dict(values)
    for item in chosen:
        better[item["code"]] = improve(item, better.get(item["code"]))
    fewer = set(data.draw(st.sets(st.sampled_from(sorted(vetoes))))) if vetoes else set()
    after = rate_one(book, better, fewer)

    assert set(before.stars) <= set(after.stars)
    for code in STAR_CODES:
        assert after.points[code] >= before.points[code]


def requirers_of(book: dict[str, Any], code: str) -> set[str]:
    """Every star that needs ``code``, directly or through others."""
    found: set[str] = set()
    frontier = {code}
    while frontier:
        frontier = {s["code"] for s in book["stars"] if set(s["requires_stars"]) & frontier} - found
        found |= frontier
    return found


@PROPERTY
@given(data=st.data())
def test_a_veto_voids_its_star_and_every_star_that_needs_it(data):
    book_dict = data.draw(rulebook_dicts())
    codes = veto_codes(book_dict)
    if not codes:
        return
    book = parse_rulebook(book_dict)
    values = data.draw(org_values(book_dict))
    veto = data.draw(st.sampled_from(codes))
    result = rate_one(book, values, {veto})
    hit = {s["code"] for s in book_dict["stars"] if any(v["code"] == veto for v in s["vetoes"])}
    for code in hit | {r for h in hit for r in requirers_of(book_dict, h)}:
        assert code not in result.stars
    for code in hit:
        star = result.star_results[code]
        assert veto in {ref.code for ref in star.vetoed_by}
        assert any(reason.startswith("一票否决：") for reason in star.reasons)


@PROPERTY
@given(data=st.data())
def test_no_star_without_its_required_stars_and_every_miss_is_explained(data):
    book_dict = data.draw(rulebook_dicts())
    book = parse_rulebook(book_dict)
    values = data.draw(org_values(book_dict))
    result = rate_one(book, values)
    requires = {s["code"]: s["requires_stars"] for s in book_dict["stars"]}
    for code, star in result.star_results.items():
        if star.awarded:
            assert all(r in result.stars for r in requires[code])
            assert star.reasons == ()
        else:
            assert star.reasons, f"{code} is not awarded but has no reason"
            assert {ref.code for ref in star.missing_stars} == {
                r for r in requires[code] if r not in result.stars
            }
    assert result.level == len(result.stars)
    assert list(result.stars) == [c for c in STAR_CODES if c in result.stars]  # rulebook order


@PROPERTY
@given(data=st.data())
def test_results_do_not_depend_on_the_order_of_orgs_or_entries(data):
    book_dict = data.draw(rulebook_dicts())
    book = parse_rulebook(book_dict)
    orgs = {f"org{n}": data.draw(org_values(book_dict)) for n in range(data.draw(st.integers(1, 6)))}
    codes = veto_codes(book_dict)
    vetoes = (
        {org: set(data.draw(st.lists(st.sampled_from(codes), max_size=2))) for org in orgs} if codes else {}
    )
    seed = data.draw(st.integers(0, 2**32))
    shuffler = random.Random(seed)

    def shuffled(mapping: dict[str, Any]) -> dict[str, Any]:
        items = list(mapping.items())
        shuffler.shuffle(items)
        return dict(items)

    first = rate_all(book, orgs, vetoes)
    second = rate_all(book, shuffled({org: shuffled(v) for org, v in orgs.items()}), shuffled(vetoes))
    assert first == second
    for org in orgs:
        assert first[org] == rate_one(book, orgs[org], vetoes.get(org, ()), org=org)


@PROPERTY
@given(data=st.data())
def test_detail_rows_add_up_to_the_star_points(data):
    book_dict = data.draw(rulebook_dicts())
    book = parse_rulebook(book_dict)
    values = data.draw(org_values(book_dict))
    result = rate_one(book, values, detail=True)
    for code, star in result.star_results.items():
        rows = star.indicators
        assert [r.code for r in rows] == [i.code for i in book.star(code).indicators]
        assert {r.code for r in rows if not r.filled} == set(star.unfilled)
        if all(r.points == r.points.quantize(Decimal("0.01")) for r in rows):
            assert sum((r.points for r in rows), Decimal(0)) == star.points


def database_totals(book: Rulebook, values: dict[str, Any]) -> dict[int, tuple[int, int, int]]:
    """What the database adds up from stored cells: SUM(cents), SUM(bit), SUM(bit if met) per star."""
    totals: dict[int, tuple[int, int, int]] = {}
    for code, value in values.items():
        if value is None:
            continue
        cell = score_cell(book, code, value)
        if cell is None:
            continue
        cents, filled, met = totals.get(cell.star, (0, 0, 0))
        totals[cell.star] = (cents + cell.cents, filled + cell.bit, met + (cell.bit if cell.met else 0))
    return totals


@PROPERTY
@given(data=st.data())
def test_rating_from_stored_cells_equals_rating_from_values(data):
    """The province path (cells scored at write time, added up by SQL, decided by rate_totals) gives
    exactly the results of rating the values themselves, reasons included."""
    book_dict = data.draw(rulebook_dicts())
    book = parse_rulebook(book_dict)
    orgs = {f"org{n}": data.draw(org_values(book_dict)) for n in range(data.draw(st.integers(1, 5)))}
    codes = veto_codes(book_dict)
    vetoes = (
        {org: set(data.draw(st.lists(st.sampled_from(codes), max_size=2))) for org in orgs} if codes else {}
    )
    from_values = rate_all(book, orgs, vetoes)
    from_totals = rate_totals(book, {org: database_totals(book, v) for org, v in orgs.items()}, vetoes, orgs)
    assert from_totals == from_values
    without_values = rate_totals(book, {org: database_totals(book, v) for org, v in orgs.items()}, vetoes)
    for org in orgs:
        assert without_values[org].stars == from_values[org].stars
        assert without_values[org].points == from_values[org].points


def test_score_cell_positions_bits_and_unknown_codes():
    book = book_with(
        [
            {"code": "aa.y", "name": "是否", "form": "yes_no", "max_points": 20},
            {
                "code": "aa.c",
                "name": "计次",
                "form": "per_occurrence",
                "max_points": 10,
                "points_each": "2.5",
            },
        ],
        required=("aa.c",),
    )
    yes = score_cell(book, "aa.y", True)
    count = score_cell(book, "aa.c", 3)
    assert yes is not None and count is not None
    assert (yes.star, yes.position, yes.cents, yes.met, yes.required, yes.bit) == (0, 0, 2000, True, False, 1)
    assert (count.star, count.position, count.cents, count.met, count.required, count.bit) == (
        0,
        1,
        750,
        True,
        True,
        2,
    )
    assert score_cell(book, "zz.unknown", 1) is None
