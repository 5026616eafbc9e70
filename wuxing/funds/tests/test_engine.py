"""The seed's rules as worked examples, amounts computed by hand (five-star.md §5, decisions §53–§55)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from wuxing.funds import engine
from wuxing.funds.engine import Member, Org, Record, Secretary
from wuxing.funds.parameters import DEFAULTS, parse_levels

YEAR = 2023
VILLAGE = Org(1, "ZB001", "西漳涧村", "rural", "ZB", "彰北街道")
COMMUNITY = Org(2, "ZB002", "阳光社区", "community", "ZB", "彰北街道")
ZHANG = Secretary("张三", 11)
LI = Secretary("李四", 12)


def params(**changes: object) -> engine.Params:
    values = {
        k: v
        for k, v in DEFAULTS.items()
        if k not in ("village_operating_before", "community_operating_before")
    }
    values.update(zhengke_salary=Decimal("84000.00"), fuke_salary=Decimal("72000.00"))
    values.update(base_allowance=Decimal("24000.00"))
    values.update(changes)
    values["three_star_levels"] = parse_levels(str(values["three_star_levels"]))
    values["allowance_levels"] = parse_levels(str(values["allowance_levels"]))
    return engine.Params(year=YEAR, **values)


def run(levels: list[int], *, removed: tuple[int, ...] = (), source: str = "named") -> dict:
    return {
        (VILLAGE.id, y): Record(lv, source, y in removed)
        for y, lv in zip(range(YEAR - len(levels) + 1, YEAR + 1), levels, strict=True)
    }


def secs(*people: Secretary, org: Org = VILLAGE) -> dict:
    return {(org.id, YEAR - 2 + i): p for i, p in enumerate(people)}


def lines(outcome: engine.Outcome, item: str) -> list[engine.Line]:
    return [line for line in outcome.lines if line.item == item]


def test_operating_funds_by_kind_without_stars() -> None:
    out = engine.compute(params(), [VILLAGE, COMMUNITY], {}, {}, {})
    assert [(line.org.code, line.amount) for line in out.lines] == [
        ("ZB001", Decimal("50000.00")),
        ("ZB002", Decimal("120000.00")),
    ]
    assert out.lines[0].rule == "村级党组织运转经费（2023年度参数）→ 50,000.00 元"
    assert out.lines[0].source == "" and out.lines[0].person_id is None


def test_three_stars_reward_and_allowance_uplift_per_member() -> None:
    members = {VILLAGE.id: [Member(11, "张三", "党组织书记"), Member(13, "王五", "村(居)委会主任")]}
    out = engine.compute(params(), [VILLAGE], run([3]), {}, members)
    (reward,) = lines(out, engine.THREE_STAR)
    assert reward.amount == Decimal("30000.00")
    assert reward.rule == "2023年三星（命名结果），适用星级 三星 → 支部奖励 30,000.00 元"
    uplift = lines(out, engine.UPLIFT)
    # 24,000.00 × 10% = 2,400.00 each
    assert [(u.person_name, u.amount) for u in uplift] == [
        ("张三", Decimal("2400.00")),
        ("王五", Decimal("2400.00")),
    ]
    assert "基本补贴 24,000.00 元 × 提高 10% → 2,400.00 元" in uplift[0].rule


def test_reward_is_exactly_three_stars_by_default_and_a_parameter() -> None:
    four = run([4])
    assert not lines(engine.compute(params(), [VILLAGE], four, {}, {}), engine.THREE_STAR)
    wider = engine.compute(params(three_star_levels="3,4,5"), [VILLAGE], four, {}, {})
    assert lines(wider, engine.THREE_STAR)[0].amount == Decimal("30000.00")


def test_allowance_uplift_without_base_allowance_is_refused_and_said() -> None:
    members = {VILLAGE.id: [Member(11, "张三", "党组织书记")]}
    out = engine.compute(params(base_allowance=None), [VILLAGE], run([3]), {}, members)
    assert not lines(out, engine.UPLIFT)
    assert "尚未录入，未计算" in out.missing[0]


def test_rounding_half_up_to_the_fen_once_per_line() -> None:
    # 1,234.565 × 10% = 123.4565 → 123.46 (half up); 0.005 would round to 0.01
    members = {VILLAGE.id: [Member(11, "张三", "党组织书记"), Member(12, "李四", "党组织委员")]}
    out = engine.compute(params(base_allowance=Decimal("1234.565")), [VILLAGE], run([3]), {}, members)
    assert [u.amount for u in lines(out, engine.UPLIFT)] == [Decimal("123.46"), Decimal("123.46")]
    assert engine.yuan(Decimal("0.005")) == Decimal("0.01")
    assert engine.yuan(Decimal("2.675")) == Decimal("2.68")  # a float would give 2.67


def test_five_stars_three_years_same_secretary_is_zhengke() -> None:
    out = engine.compute(params(), [VILLAGE], run([5, 5, 5]), secs(ZHANG, ZHANG, ZHANG), {})
    (line,) = lines(out, engine.LIVING)
    assert line.amount == Decimal("84000.00") and line.person_name == "张三"
    assert line.rule == (
        "五星 2021–2023 连续3年（命名结果），支部书记 张三 3年在任，非街道班子成员 → 正科级标准 84,000.00 元"
    )


def test_four_stars_three_years_is_fuke() -> None:
    out = engine.compute(params(), [VILLAGE], run([4, 4, 4]), secs(ZHANG, ZHANG, ZHANG), {})
    (line,) = lines(out, engine.LIVING)
    assert line.amount == Decimal("72000.00")
    assert line.rule.startswith("四星 2021–2023 连续3年")
    assert line.rule.endswith("→ 副科级标准 72,000.00 元")


def test_five_then_four_in_the_middle_counts_as_four_or_better() -> None:
    out = engine.compute(params(), [VILLAGE], run([5, 4, 5]), secs(ZHANG, ZHANG, ZHANG), {})
    (line,) = lines(out, engine.LIVING)
    assert line.amount == Decimal("72000.00")
    assert "2021年五星、2022年四星、2023年五星，四星及以上" in line.rule
    strict = engine.compute(
        params(mixed_run_counts=False), [VILLAGE], run([5, 4, 5]), secs(ZHANG, ZHANG, ZHANG), {}
    )
    assert not lines(strict, engine.LIVING) and "交替" in strict.notes[0]


@pytest.mark.parametrize(
    ("levels", "paid"),
    [
        ([4, 4, 4], True),  # exactly three years
        ([4, 4], False),  # two years only (no record of 2021)
        ([3, 4, 4], False),  # broken at the start
        ([4, 3, 4], False),  # broken in the middle
        ([4, 4, 3], False),  # broken in the year itself
    ],
)
def test_run_boundaries(levels: list[int], paid: bool) -> None:
    out = engine.compute(params(), [VILLAGE], run(levels), secs(ZHANG, ZHANG, ZHANG), {})
    assert bool(lines(out, engine.LIVING)) is paid


def test_two_years_out_of_three_is_a_narrow_miss_noted() -> None:
    out = engine.compute(params(), [VILLAGE], run([3, 4, 4]), secs(ZHANG, ZHANG, ZHANG), {})
    assert out.notes == ["西漳涧村：2021年三星，未连续3年四星及以上"]


def test_a_removed_star_breaks_the_run_by_default() -> None:
    records = run([5, 5, 5], removed=(2022,))
    out = engine.compute(params(), [VILLAGE], records, secs(ZHANG, ZHANG, ZHANG), {})
    assert not lines(out, engine.LIVING)
    assert "2022年被摘星" in out.notes[0]
    # the other reading: the level after the removal counts (here 5 stars stay 5 in the record)
    kept = engine.compute(params(removal_breaks_run=False), [VILLAGE], records, secs(ZHANG, ZHANG, ZHANG), {})
    assert lines(kept, engine.LIVING)[0].amount == Decimal("84000.00")


def test_a_secretary_who_changed_mid_run_is_not_paid_by_default() -> None:
    out = engine.compute(params(), [VILLAGE], run([5, 5, 5]), secs(LI, ZHANG, ZHANG), {})
    assert not lines(out, engine.LIVING)
    assert "期间书记有变动" in out.notes[0]
    current = engine.compute(
        params(secretary_rule="current"), [VILLAGE], run([5, 5, 5]), secs(LI, ZHANG, ZHANG), {}
    )
    (line,) = lines(current, engine.LIVING)
    assert line.person_name == "张三" and "2023年末在任支部书记 张三" in line.rule


def test_an_imported_name_matches_the_registry_person_by_name() -> None:
    imported = Secretary("张三")
    out = engine.compute(params(), [VILLAGE], run([4, 4, 4]), secs(imported, imported, ZHANG), {})
    assert lines(out, engine.LIVING)[0].person_id == ZHANG.person_id


def test_a_secretary_on_the_street_leadership_is_not_paid() -> None:
    leader = dataclasses.replace(ZHANG, on_street_leadership=True)
    out = engine.compute(params(), [VILLAGE], run([5, 5, 5]), secs(ZHANG, ZHANG, leader), {})
    assert not lines(out, engine.LIVING)
    assert "街道(镇)班子成员" in out.notes[0]


def test_living_subsidy_without_salary_standard_is_refused_and_said() -> None:
    out = engine.compute(params(fuke_salary=None), [VILLAGE], run([4, 4, 4]), secs(ZHANG, ZHANG, ZHANG), {})
    assert not lines(out, engine.LIVING)
    assert out.missing == [
        "西漳涧村：四星 2021–2023 连续3年（命名结果），支部书记 张三 3年在任 → 副科级标准，"
        "区委组织部尚未录入副科级工资标准，未计算"
    ]


def test_street_totals_are_the_sums_of_their_lines() -> None:
    other = Org(3, "BZ001", "后万金村", "rural", "BZ", "柏庄镇")
    records = {**run([5, 5, 5]), (other.id, YEAR): Record(3, "live")}
    out = engine.compute(params(), [VILLAGE, COMMUNITY, other], records, secs(ZHANG, ZHANG, ZHANG), {})
    totals = {code: total for code, _name, total in engine.street_totals(out.lines)}
    # 彰北: 50,000 + 120,000 + 84,000; 柏庄: 50,000 + 30,000
    assert totals == {"ZB": Decimal("254000.00"), "BZ": Decimal("80000.00")}


def test_creation_subsidy_is_the_rate_of_approved_spending_from_four_stars() -> None:
    spending = {VILLAGE.id: (Decimal("12345.67"), 2)}
    out = engine.compute(params(), [VILLAGE], run([4]), {}, {}, spending)
    (line,) = lines(out, engine.CREATION)
    # 12,345.67 × 70% = 8,641.969 → 8,641.97 (half up, once)
    assert line.amount == Decimal("8641.97")
    assert line.rule == (
        "2023年四星（命名结果），四星及以上奖补；已批准创建经费 12,345.67 元（2 笔） × 70% → 8,641.97 元"
    )
    three = engine.compute(params(), [VILLAGE], run([3]), {}, {}, spending)
    assert not lines(three, engine.CREATION)
    assert "未达四星，不予奖补" in three.notes[0]
