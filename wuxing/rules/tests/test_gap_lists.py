"""Gap lists (差距清单) come straight from the totals, their texts shared between organisations: the
same strings, in the same order, as the reasons of the detailed path (``rate_one(..., detail=True)``
and its ``star_results``) — vetoes, blanks, unmet required values, both kinds of organisation and the
root cause at the end of a chain of stars — and reading them does an amount of text work that does not
grow with the number of organisations that share them."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wuxing.rules import engine
from wuxing.rules.engine import OrgResult, gap_list, rate_all, rate_one, rate_totals, score_cell
from wuxing.rules.schema import Indicator, Rulebook, load_rulebook_file, parse_rulebook
from wuxing.rules.tests.test_engine import (
    FILLERS_OK,
    PROPERTY,
    RULEBOOKS,
    book_with,
    database_totals,
    org_values,
    rulebook_dicts,
    veto_codes,
)
from wuxing.rules.tests.test_root_causes import chain_book


def detailed(result: OrgResult) -> list[str]:
    """The gap list as the detailed path says it: every reason of every star, in rulebook order."""
    return [f"{star.name}：{reason}" for star in result.star_results.values() for reason in star.reasons]


def assert_same_gaps(
    book: Rulebook, orgs: dict[Any, dict[str, Any]], vetoes: dict[Any, set[str]]
) -> list[list[str]]:
    """For every organisation: the gap list from its values, from stored cells with the unmet values
    (the province path) and from stored cells alone equals the detailed path's. Returns the lists."""
    totals = {org: database_totals(book, values) for org, values in orgs.items()}
    with_values = rate_totals(book, totals, vetoes, orgs)
    without_values = rate_totals(book, totals, vetoes)
    without_reference = rate_totals(book, totals, vetoes)
    from_values = rate_all(book, orgs, vetoes)
    lists = []
    for org, values in orgs.items():
        expected = detailed(rate_one(book, values, vetoes.get(org, ()), org=org, detail=True))
        assert gap_list(from_values[org]) == expected
        assert gap_list(with_values[org]) == expected
        assert gap_list(without_values[org]) == detailed(without_reference[org])
        lists.append(expected)
    return lists


@PROPERTY
@given(data=st.data())
def test_gap_lists_equal_the_detailed_reasons_on_random_rulebooks(data):
    book_dict = data.draw(rulebook_dicts())
    book = parse_rulebook(book_dict)
    codes = veto_codes(book_dict)
    n = data.draw(st.integers(1, 8))
    orgs = {f"org{k}": data.draw(org_values(book_dict)) for k in range(n)}
    vetoes = (
        {org: set(data.draw(st.lists(st.sampled_from(codes), max_size=3))) for org in orgs} if codes else {}
    )
    # twice: the second time every text comes from the memos the first time filled
    assert assert_same_gaps(book, orgs, vetoes) == assert_same_gaps(book, orgs, vetoes)


def shipped(kind: str) -> Rulebook:
    return load_rulebook_file(RULEBOOKS / f"2023-{kind}.yaml")


def plausible(rng: random.Random, ind: Indicator, quality: float) -> Any:
    """A value like the province benchmark's: better organisations score higher."""
    good = rng.random() < quality
    if ind.form == "yes_no":
        return good
    if ind.counts:
        top = ind.effective_max_count
        return rng.randint(0, 1) if ind.form == "penalty" and good else rng.randint(0, min(top, 20))
    if ind.form == "threshold":
        assert ind.target is not None
        low, high = ind.input_bounds
        delta = Decimal(rng.randint(-300, 300)) / 100
        value = max(low, ind.target + delta)
        return (value if high is None else min(high, value)).quantize(Decimal("0.01"))
    return (ind.max_points * Decimal(rng.randint(30, 100)) / 100).quantize(Decimal("0.01"))


@pytest.mark.parametrize("kind", ["rural", "community"])
def test_gap_lists_equal_the_detailed_reasons_on_the_shipped_rulebooks(kind):
    book = shipped(kind)
    codes = sorted(v.code for s in book.stars for v in s.vetoes)
    rng = random.Random(kind)
    orgs: dict[int, dict[str, Any]] = {}
    vetoes: dict[int, set[str]] = {}
    for org in range(400):
        quality = rng.choice([0.55, 0.7, 0.8, 0.9, 0.97, 1.0])
        orgs[org] = {
            ind.code: plausible(rng, ind, quality)
            for _star, ind in book.iter_indicators()
            if rng.random() >= 0.07  # about 7 % left blank
        }
        if rng.random() < 0.1:
            vetoes[org] = set(rng.sample(codes, rng.randint(1, 2)))
    lists = assert_same_gaps(book, orgs, vetoes)
    said = "\n".join(line for gaps in lists for line in gaps)
    # the data reaches every kind of reason
    for part in (
        "一票否决：",
        "得分 ",
        "未填报（按 0 分计）：",
        "必达指标未达标：",
        "须先获得：",
        "当前未填报",
    ):
        assert part in said


def test_a_chain_of_stars_names_its_root_in_the_gap_list_from_totals():
    book = chain_book()
    values = {**FILLERS_OK, "aa.x": True}
    totals = {1: database_totals(book, values), 2: database_totals(book, {**values, "aa.x": False})}
    results = rate_totals(book, totals, {1: {"aa.v"}}, {1: values, 2: {}})
    assert gap_list(results[1]) == [
        "甲星：一票否决：被列为软弱涣散",
        "乙星：须先获得：甲星",
        "丙星：须先获得：乙星（根源：甲星被一票否决（被列为软弱涣散））",
    ]
    assert gap_list(results[2]) == [
        "甲星：得分 0 分，距 1 分还差 1 分",
        "乙星：须先获得：甲星",
        "丙星：须先获得：乙星（根源：甲星得分不足（0 / 1 分））",
    ]
    for org, vetoed in ((1, {"aa.v"}), (2, set())):
        reference = rate_one(book, {**values, "aa.x": org == 1}, vetoed, detail=True)
        assert gap_list(results[org]) == detailed(reference)


def test_entered_without_its_value_and_not_entered_are_told_apart():
    book = book_with(
        [{"code": "aa.y", "name": "有制度", "form": "yes_no", "max_points": 1}], required=("aa.y",)
    )
    entered = database_totals(book, {**FILLERS_OK, "aa.y": False})
    blank = database_totals(book, FILLERS_OK)
    # the same (position, value None) twice in a row, one entered and one not
    results = rate_totals(book, {1: entered, 2: blank, 3: entered})
    assert gap_list(results[1]) == gap_list(results[3]) == ["甲星：必达指标未达标：有制度：是，未达标"]
    assert gap_list(results[2]) == ["甲星：必达指标未达标：有制度：是，当前未填报"]


def test_true_and_one_are_different_values_for_the_memo():
    book = book_with(
        [{"code": "aa.y", "name": "有制度", "form": "yes_no", "max_points": 1}], required=("aa.y",)
    )
    unmet = database_totals(book, {**FILLERS_OK, "aa.y": False})
    # rate_totals takes the unmet values as given: 1 and True (0 and False) hash alike, yet say
    # different things ("当前为否" for anything but True)
    given_values: dict[int, dict[str, Any]] = {1: {"aa.y": 1}, 2: {"aa.y": True}, 3: {"aa.y": 0}, 4: {}}
    totals = dict.fromkeys(given_values, unmet)
    results = rate_totals(book, totals, None, given_values)
    reference = rate_totals(book, totals, None, given_values)
    assert gap_list(results[1]) == ["甲星：必达指标未达标：有制度：是，当前为否"]
    assert gap_list(results[2]) == ["甲星：必达指标未达标：有制度：是，当前为是"]
    for org in given_values:
        assert gap_list(results[org]) == detailed(reference[org])


def test_gap_lists_after_the_star_results_are_the_same():
    book = shipped("rural")
    values = {"cyxw.income": Decimal("18"), "zbgy.secretary": Decimal("3")}
    first = rate_one(book, values, {"pafz.petition"})
    second = rate_one(book, values, {"pafz.petition"})
    assert first.star_results  # the detailed results first, then the list
    assert gap_list(first) == gap_list(second) == detailed(second)
    assert "产业兴旺星：必达指标未达标：村集体经济收入 ≥ 20 万元，当前 18 万元" in gap_list(first)


def test_gap_lists_share_their_texts_between_organisations(monkeypatch):
    """A thousand organisations with the same shortfall: their gap lists are read without building any
    star result, and each unmet value is put into words once, not once per organisation."""
    book = shipped("rural")
    values = {"cyxw.income": Decimal("18.5"), "zbgy.secretary": Decimal("3")}
    totals: dict[int, Any] = {}
    for org in range(1000):
        per_star: dict[int, tuple[int, int, int]] = {}
        for code, value in values.items():
            cell = score_cell(book, code, value)
            assert cell is not None
            cents, filled, met = per_star.get(cell.star, (0, 0, 0))
            per_star[cell.star] = (
                cents + cell.cents + org % 3,
                filled | cell.bit,
                met | (cell.bit * cell.met),
            )
        totals[org] = per_star
    worded: list[object] = []
    real_value_text = Indicator.value_text

    def counting_value_text(self: Indicator, value: object) -> str:
        worded.append(value)
        return real_value_text(self, value)

    explained: list[object] = []
    real_explain = engine._explain

    def counting_explain(*args: Any) -> Any:
        explained.append(args)
        return real_explain(*args)

    monkeypatch.setattr(Indicator, "value_text", counting_value_text)
    monkeypatch.setattr(engine, "_explain", counting_explain)
    results = rate_totals(book, totals, None, {org: values for org in totals})
    lists = [gap_list(results[org]) for org in totals]
    assert "产业兴旺星：必达指标未达标：村集体经济收入 ≥ 20 万元，当前 18.5 万元" in lists[0]
    assert explained == []
    # one wording per distinct (required indicator, value or 未填报), whatever the number of organisations
    required = sum(len(star.award.required_indicators) for star in book.stars)
    assert 0 < len(worded) <= required + len(values)
    # and the lists are still the detailed path's
    monkeypatch.undo()
    reference = rate_totals(book, totals, None, {org: values for org in totals})
    assert all(lists[org] == detailed(reference[org]) for org in (0, 1, 2, 999))


@pytest.mark.django_db
def test_the_province_path_says_what_each_card_says(world, rulebooks, save):
    """queries.rate + explain (the exports' path: stored cells, the unmet values read once and
    converted once per distinct value) gives each organisation the gap list of its detailed rating."""
    from wuxing.core.management.base import system_user
    from wuxing.rules import queries, services
    from wuxing.rules.tests.helpers import COMMUNITY_SOME, CYXW_AT_18, YEAR

    save(world.village_a, {**CYXW_AT_18, "cyxw.income": "18.55", "stjy.toilets": "79.5"})
    save(world.community_a, COMMUNITY_SOME)
    save(world.village_b, {**CYXW_AT_18, "stjy.toilets": "79.5", "zbgy.records": "否"})
    services.record_veto(
        world.users["street_b"], world.village_b, YEAR, "pafz.petition", dt.date(2023, 8, 1), "越级上访"
    )
    rows = queries.rate(system_user(), YEAR)
    queries.explain(rows)
    assert len(rows) == 3
    for row in rows:
        book = row.rulebook.rulebook
        org_ids = type(world.village_a).objects.filter(pk=row.org_id).values("pk")
        values = queries.load_values(org_ids, YEAR, book).get(row.org_id, {})
        vetoes = queries.load_vetoes(org_ids, YEAR, book).get(row.org_id, set())
        assert row.gaps == detailed(rate_one(book, values, vetoes, detail=True))
    said = "\n".join(line for row in rows for line in row.gaps)
    assert "村集体经济收入 ≥ 20 万元，当前 18.55 万元" in said and "平安法治星：一票否决：越级上访" in said
