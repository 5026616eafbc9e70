"""The rulebook format, without Django: ``pytest -p no:django wuxing/rules/tests/test_schema.py``."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from wuxing.rules.schema import (
    Indicator,
    Rulebook,
    RulebookError,
    Veto,
    load_rulebook_file,
    load_rulebook_yaml,
    parse_rulebook,
)
from wuxing.rules.tests.test_engine import rulebook_dicts

D = Decimal
RULEBOOKS = Path(__file__).resolve().parent.parent / "rulebooks"


def minimal() -> dict[str, Any]:
    """The smallest valid rulebook: five stars "aa".."ee", each with one yes/no item worth 10 points."""
    return {
        "year": 2023,
        "kind": "rural",
        "title": "测试细则",
        "stars": [
            {
                "code": code,
                "name": f"{code}星",
                "award": {"min_points": 10},
                "indicators": [{"code": f"{code}.ok", "name": "达标", "form": "yes_no", "max_points": 10}],
            }
            for code in ("aa", "bb", "cc", "dd", "ee")
        ],
    }


def errors_of(data: Any) -> list[str]:
    with pytest.raises(RulebookError) as caught:
        parse_rulebook(data)
    return caught.value.messages


def test_minimal_is_valid():
    book = parse_rulebook(minimal())
    assert book.version == 1 and book.placeholder is False and book.notes == ""
    assert [s.code for s in book.stars] == ["aa", "bb", "cc", "dd", "ee"]


# --------------------------------------------------------------------------- every error names its place


def with_indicator(**fields: Any) -> dict[str, Any]:
    data = minimal()
    data["stars"][0]["indicators"][0] = {"code": "aa.ok", "name": "达标", "max_points": 10, **fields}
    return data


CASES: list[tuple[str, Any, str]] = []


def case(name: str, expected: str):
    def register(mutate):
        data = minimal()
        mutate(data)
        CASES.append((name, data, expected))
        return mutate

    return register


@case("four stars", "stars: 必须恰好有 5 颗星，现有 4 颗")
def _(d):
    d["stars"].pop()


@case("six stars", "stars: 必须恰好有 5 颗星，现有 6 颗")
def _(d):
    extra = copy.deepcopy(d["stars"][0])
    extra["code"], extra["indicators"][0]["code"] = "ff", "ff.ok"
    d["stars"].append(extra)


@case("duplicate star code", "stars[1].code: 星代码 “aa” 重复（已在 stars[0] 使用）")
def _(d):
    d["stars"][1]["code"] = "aa"


@case(
    "indicator code reused in another star",
    "stars[1].indicators[0].code: 指标代码 “aa.ok” 重复（已在 stars[0].indicators[0] 使用）",
)
def _(d):
    d["stars"][1]["indicators"][0]["code"] = "aa.ok"


@case("requires an unknown star", "stars[0].requires_stars[0]: 没有代码为 “zz” 的星")
def _(d):
    d["stars"][0]["requires_stars"] = ["zz"]


@case("requires itself", "stars[2].requires_stars[0]: 一颗星不能要求它自己")
def _(d):
    d["stars"][2]["requires_stars"] = ["cc"]


@case("requires the same star twice", "stars[0].requires_stars[1]: “bb” 重复")
def _(d):
    d["stars"][0]["requires_stars"] = ["bb", "bb"]


@case("requirement cycle", "stars[0].requires_stars: requires_stars 形成循环：aa → bb → cc → aa")
def _(d):
    d["stars"][0]["requires_stars"] = ["bb"]
    d["stars"][1]["requires_stars"] = ["cc"]
    d["stars"][2]["requires_stars"] = ["aa"]


@case(
    "required indicator of another star",
    "stars[0].award.required_indicators[0]: 本星没有代码为 “bb.ok” 的指标",
)
def _(d):
    d["stars"][0]["award"]["required_indicators"] = ["bb.ok"]


@case("required indicator twice", "stars[0].award.required_indicators[1]: 必达指标 “aa.ok” 重复")
def _(d):
    d["stars"][0]["award"]["required_indicators"] = ["aa.ok", "aa.ok"]


@case(
    "min_points above what can be reached",
    "stars[0].award.min_points: 达标分 10.5 超过本星最高可得 10 分（扣分项不计）",
)
def _(d):
    d["stars"][0]["award"]["min_points"] = "10.5"


@case("negative min_points", "stars[0].award.min_points: 不能为负数")
def _(d):
    d["stars"][0]["award"]["min_points"] = -1


@case("unknown key", "stars[3].colour: 不认识的字段")
def _(d):
    d["stars"][3]["colour"] = "red"


@case("unknown top-level key", "colour: 不认识的字段")
def _(d):
    d["colour"] = "red"


@case("missing name", "stars[0].indicators[0].name: 缺少必填项")
def _(d):
    del d["stars"][0]["indicators"][0]["name"]


@case("missing award", "stars[4].award: 缺少必填项")
def _(d):
    del d["stars"][4]["award"]


@case("blank name", "stars[0].name: 不能为空")
def _(d):
    d["stars"][0]["name"] = "  "


@case("star without indicators", "stars[0].indicators: 每颗星至少要有 1 个指标")
def _(d):
    d["stars"][0]["indicators"] = []


@case("bad star code", "stars[0].code: 代码格式不正确")
def _(d):
    d["stars"][0]["code"] = "ZBGY"


@case("bad indicator code", "stars[0].indicators[0].code: 代码格式不正确")
def _(d):
    d["stars"][0]["indicators"][0]["code"] = "aa..ok"


@case("unknown kind", "kind: 取值无效，应为以下之一：'rural'、'community'")
def _(d):
    d["kind"] = "urban"


@case("year as text", "year: 应为整数")
def _(d):
    d["year"] = "2023"


@case("year out of range", "year: 不能小于 2000")
def _(d):
    d["year"] = 23


@case("version zero", "version: 不能小于 1")
def _(d):
    d["version"] = 0


@case("placeholder as text", "placeholder: 应为 true 或 false")
def _(d):
    d["placeholder"] = "yes"


@case("stars not a list", "stars: 应为列表")
def _(d):
    d["stars"] = "five"


@case("duplicate veto in a star", "stars[0].vetoes[1].code: 否决事项代码 “aa.v” 在本星重复")
def _(d):
    d["stars"][0]["vetoes"] = [{"code": "aa.v", "name": "甲"}, {"code": "aa.v", "name": "甲"}]


@case(
    "one veto code, two names",
    "stars[1].vetoes[0].name: 否决事项 “all.v” 在 stars[0].vetoes[0] 名为“甲”，同一代码的名称必须一致",
)
def _(d):
    d["stars"][0]["vetoes"] = [{"code": "all.v", "name": "甲"}]
    d["stars"][1]["vetoes"] = [{"code": "all.v", "name": "乙"}]


INDICATOR_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("negative max_points", {"form": "yes_no", "max_points": -1}, "max_points: 不能为负数"),
    ("three decimals", {"form": "yes_no", "max_points": "2.125"}, "max_points: 分值最多保留两位小数"),
    ("bool as a number", {"form": "yes_no", "max_points": True}, "max_points: 应为数字"),
    ("text as a number", {"form": "yes_no", "max_points": "十"}, "max_points: 应为数字"),
    ("infinite number", {"form": "yes_no", "max_points": "Infinity"}, "max_points: 应为有限的数字"),
    ("unknown form", {"form": "ratio"}, "form: 取值无效，应为以下之一：'yes_no'、'per_occurrence'"),
    (
        "threshold without target",
        {"form": "threshold", "unit": "%", "op": ">="},
        "target: 门槛型指标必须填写 target",
    ),
    (
        "threshold without unit",
        {"form": "threshold", "op": ">=", "target": 1},
        "unit: 门槛型指标必须填写 unit",
    ),
    ("threshold without op", {"form": "threshold", "unit": "%", "target": 1}, "op: 门槛型指标必须填写 op"),
    (
        "threshold with an unknown op",
        {"form": "threshold", "unit": "%", "op": "=>", "target": 1},
        "op: 取值无效，应为以下之一：'>='、'<='、'>'、'<'",
    ),
    (
        "target above max_value",
        {"form": "threshold", "unit": "%", "op": ">=", "target": 101, "max_value": 100},
        "target: target 不能大于允许填报的最大值 100",
    ),
    (
        "negative target without min_value",
        {"form": "threshold", "unit": "%", "op": ">=", "target": -5},
        "target: target 不能小于允许填报的最小值 0",
    ),
    (
        "min_value above max_value",
        {"form": "threshold", "unit": "%", "op": ">=", "target": 5, "min_value": 10, "max_value": 0},
        "min_value: min_value 不能大于 max_value",
    ),
    ("count without points_each", {"form": "per_occurrence"}, "points_each: 计次型指标必须填写 points_each"),
    ("bonus without points_each", {"form": "bonus"}, "points_each: 加分型指标必须填写 points_each"),
    ("penalty without points_each", {"form": "penalty"}, "points_each: 扣分型指标必须填写 points_each"),
    ("negative points_each", {"form": "penalty", "points_each": -2}, "points_each: 不能为负数"),
    ("min_count zero", {"form": "per_occurrence", "points_each": 1, "min_count": 0}, "min_count: 不能小于 1"),
    (
        "min_count on a penalty",
        {"form": "penalty", "points_each": 1, "min_count": 2},
        "min_count: 扣分型指标不使用",
    ),
    ("target on a yes/no item", {"form": "yes_no", "target": 3}, "target: 是否型指标不使用 target，请删除"),
    (
        "pass_points above max",
        {"form": "scale", "pass_points": 11},
        "pass_points: pass_points 不能大于 max_points",
    ),
    (
        "points_each on a scale",
        {"form": "scale", "points_each": 1},
        "points_each: 评分型指标不使用 points_each",
    ),
]


@pytest.mark.parametrize(("name", "data", "expected"), CASES, ids=[c[0] for c in CASES])
def test_rulebook_errors_name_their_location(name, data, expected):
    messages = errors_of(data)
    assert any(message.startswith(expected) for message in messages), messages


@pytest.mark.parametrize(("name", "fields", "expected"), INDICATOR_CASES, ids=[c[0] for c in INDICATOR_CASES])
def test_indicator_errors_name_their_location(name, fields, expected):
    messages = errors_of(with_indicator(**fields))
    assert any(message.startswith(f"stars[0].indicators[0].{expected}") for message in messages), messages


def test_all_problems_are_reported_together():
    data = minimal()
    data["stars"][0]["indicators"][0].update(form="threshold", unit="%", op=">=")  # no target
    data["stars"][3]["colour"] = "red"
    data["kind"] = "urban"
    messages = errors_of(data)
    assert messages == [
        "kind: 取值无效，应为以下之一：'rural'、'community'",
        "stars[0].indicators[0].target: 门槛型指标必须填写 target",
        "stars[3].colour: 不认识的字段",
    ]


def test_rulebook_error_is_a_value_error_listing_every_message():
    with pytest.raises(ValueError) as caught:
        parse_rulebook({**minimal(), "version": 0, "title": ""})
    assert isinstance(caught.value, RulebookError)
    assert str(caught.value) == "version: 不能小于 1\ntitle: 不能为空"


def test_top_level_must_be_a_mapping():
    assert errors_of([1, 2]) == ["规则书: 内容应为“字段: 值”形式的映射（YAML 顶层不能是列表或单个值）"]


def test_indicator_codes_need_not_repeat_the_star_code():
    data = minimal()
    data["stars"][0]["indicators"][0]["code"] = "income"
    assert parse_rulebook(data).indicator("income").name == "达标"


def test_the_same_veto_code_may_void_several_stars():
    data = minimal()
    data["stars"][0]["vetoes"] = [{"code": "all.v", "name": "甲"}]
    data["stars"][1]["vetoes"] = [{"code": "all.v", "name": "甲"}]
    assert len(parse_rulebook(data).star("bb").vetoes) == 1


# --------------------------------------------------------------------------- YAML


MINIMAL_YAML = """\
year: 2023
kind: rural
title: 测试细则
stars:
- code: aa
  name: 甲星
  award: {min_points: 10}
  indicators:
  - code: aa.t
    name: 收入
    form: threshold
    max_points: 10
    unit: 万元
    op: ">="
    target: 20.5
- code: bb
  name: 乙星
  award: {min_points: 0.1}
  indicators: [{code: bb.ok, name: 达标, form: per_occurrence, max_points: 10, points_each: 1.25}]
- code: cc
  name: 丙星
  award: {min_points: 10}
  indicators: [{code: cc.ok, name: 达标, form: yes_no, max_points: 10}]
- code: dd
  name: 丁星
  award: {min_points: 10}
  indicators: [{code: dd.ok, name: 达标, form: yes_no, max_points: 10}]
- code: ee
  name: 戊星
  award: {min_points: 10}
  indicators: [{code: ee.ok, name: 达标, form: yes_no, max_points: 10}]
"""


def test_yaml_numbers_become_exact_decimals():
    book = load_rulebook_yaml(MINIMAL_YAML)
    target = book.indicator("aa.t").target
    assert type(target) is Decimal and target == D("20.5")
    each = book.indicator("bb.ok").points_each
    assert type(each) is Decimal and str(each) == "1.25"
    assert str(book.star("bb").award.min_points) == "0.1"  # not 0.1000000000000000055511151231257827


def test_plain_data_floats_go_through_their_text():
    data = minimal()
    data["stars"][0]["award"]["min_points"] = 0.1
    assert parse_rulebook(data).star("aa").award.min_points == D("0.1")


def test_validation_errors_from_yaml_carry_the_line():
    text = MINIMAL_YAML.replace("    target: 20.5\n", "")
    with pytest.raises(RulebookError) as caught:
        load_rulebook_yaml(text)
    # the indicator without target starts on line 9
    assert caught.value.messages == ["stars[0].indicators[0].target: 门槛型指标必须填写 target（第9行）"]


def test_unknown_key_in_yaml_points_at_its_line():
    text = MINIMAL_YAML.replace("  name: 乙星\n", "  name: 乙星\n  colour: red\n")
    with pytest.raises(RulebookError) as caught:
        load_rulebook_yaml(text)
    assert caught.value.messages == ["stars[1].colour: 不认识的字段（第18行）"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "year: 2023\n  kind: rural\n",
            "第2行: YAML 格式错误：此处不能出现“键: 值”（检查冒号后的空格和缩进）",
        ),
        ("year: 2023\nyear: 2024\n", "第2行: YAML 格式错误：重复的键 “year”"),
        ("year: 2023\n\tkind: rural\n", "第2行: YAML 格式错误：不能用 Tab 键缩进，请用空格"),
        ('year: 2023\ntitle: "未闭合\n', "第3行: YAML 格式错误："),
        ("stars:\n- code: aa\n  name: 甲\n - code: bb\n", "第4行: YAML 格式错误："),
    ],
)
def test_yaml_syntax_errors_give_the_line_in_chinese(text, expected):
    with pytest.raises(RulebookError) as caught:
        load_rulebook_yaml(text)
    assert len(caught.value.messages) == 1
    assert caught.value.messages[0].startswith(expected), caught.value.messages


def test_empty_yaml():
    with pytest.raises(RulebookError, match="规则书: 内容为空"):
        load_rulebook_yaml("# 只有注释\n")


def test_yaml_infinity_is_refused():
    with pytest.raises(RulebookError, match=r"stars\[0\]\.indicators\[0\]\.max_points: 应为有限的数字"):
        load_rulebook_yaml(MINIMAL_YAML.replace("    max_points: 10\n", "    max_points: .inf\n", 1))


def test_load_file_prefixes_the_file_name(tmp_path):
    path = tmp_path / "2024-rural.yaml"
    path.write_text(MINIMAL_YAML.replace("kind: rural", "kind: town"), encoding="utf-8")
    with pytest.raises(RulebookError) as caught:
        load_rulebook_file(path)
    assert caught.value.messages == [
        "2024-rural.yaml kind: 取值无效，应为以下之一：'rural'、'community'（第2行）"
    ]
    latin = tmp_path / "latin1.yaml"
    latin.write_bytes("title: 测试".encode("gb18030"))
    with pytest.raises(RulebookError, match=r"latin1\.yaml: 文件不是 UTF-8 编码"):
        load_rulebook_file(latin)


# --------------------------------------------------------------------------- round trip


def test_to_yaml_writes_plain_numbers_and_flow_lists():
    data = minimal()
    data["stars"][0]["requires_stars"] = ["bb", "cc"]
    data["stars"][1]["indicators"][0].update(form="per_occurrence", points_each="1.25")
    text = parse_rulebook(data).to_yaml()
    assert "  requires_stars: [bb, cc]\n" in text
    assert "    points_each: 1.25\n" in text
    assert "    max_points: 10\n" in text
    assert "target" not in text  # unused optional fields are left out


def test_to_dict_is_json_safe_with_decimals_as_text():
    book = load_rulebook_yaml(MINIMAL_YAML)
    data = book.to_dict()
    json.dumps(data, ensure_ascii=False)
    assert data["stars"][1]["indicators"][0]["points_each"] == "1.25"
    assert parse_rulebook(data) == book


@pytest.mark.parametrize("name", ["2023-rural.yaml", "2023-community.yaml"])
def test_shipped_rulebooks_round_trip(name):
    book = load_rulebook_file(RULEBOOKS / name)
    assert load_rulebook_yaml(book.to_yaml()) == book
    assert parse_rulebook(book.to_dict()) == book
    assert load_rulebook_yaml(book.to_yaml()).to_yaml() == book.to_yaml()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rulebook_dicts())
def test_random_rulebooks_round_trip(data):
    book = parse_rulebook(data)
    again = load_rulebook_yaml(book.to_yaml())
    assert again == book
    assert again.to_dict() == book.to_dict()
    assert parse_rulebook(json.loads(json.dumps(book.to_dict()))) == book


# --------------------------------------------------------------------------- the shipped default rulebooks


@pytest.fixture(scope="module", params=["rural", "community"])
def shipped(request) -> tuple[str, Rulebook, str]:
    path = RULEBOOKS / f"2023-{request.param}.yaml"
    return request.param, load_rulebook_file(path), path.read_text(encoding="utf-8")


def test_every_yaml_in_rulebooks_loads():
    paths = sorted(RULEBOOKS.glob("*.yaml"))
    assert {p.name for p in paths} >= {"2023-rural.yaml", "2023-community.yaml"}
    for path in paths:
        load_rulebook_file(path)


STAR_NAMES = {
    "rural": [
        ("zbgy", "支部过硬星"),
        ("cyxw", "产业兴旺星"),
        ("stjy", "生态宜居星"),
        ("pafz", "平安法治星"),
        ("wmxf", "文明幸福星"),
    ],
    "community": [
        ("zbgy", "支部过硬星"),
        ("yyxy", "宜业兴业星"),
        ("pafz", "平安法治星"),
        ("gjgx", "共建共享星"),
        ("xfhx", "幸福和谐星"),
    ],
}


def test_shipped_stars_and_shape(shipped):
    kind, book, _text = shipped
    assert book.kind == kind and book.year == 2023
    assert [(s.code, s.name) for s in book.stars] == STAR_NAMES[kind]
    for star in book.stars:
        assert len(star.indicators) == 8
        assert star.base_points == 100  # scored out of 100 …
        assert star.award.min_points == 80  # … awarded at 80
        assert star.working_group.endswith("专班")


def test_shipped_books_mark_every_default_as_placeholder(shipped):
    _kind, book, text = shipped
    assert book.placeholder
    assert all(star.placeholder for star in book.stars)
    assert all(ind.placeholder for _s, ind in book.iter_indicators())
    assert all(veto.placeholder for star in book.stars for veto in star.vetoes)
    assert "默认" in book.title and "非官方" in book.title
    assert "不是官方文本" in text  # the file header says so
    assert text.count("# 默认，非官方") >= 25  # and so do the items themselves


def test_shipped_books_use_every_form(shipped):
    _kind, book, _text = shipped
    forms = {ind.form for _s, ind in book.iter_indicators()}
    assert forms == {"yes_no", "per_occurrence", "threshold", "scale", "bonus", "penalty"}


def test_shipped_capstone_default_and_how_to_switch(shipped):
    _kind, book, text = shipped
    others = tuple(s.code for s in book.stars[1:])
    assert book.star("zbgy").requires_stars == others
    assert all(s.requires_stars == () for s in book.stars[1:])
    assert "requires_stars: [zbgy]" in text  # the comment explaining the prerequisite reading


def test_shipped_safety_star_has_the_three_zero_standards_and_vetoes(shipped):
    _kind, book, _text = shipped
    pafz = book.star("pafz")
    assert [i.name for i in pafz.indicators] == [
        "组织领导坚强有力",
        "治安防控严密",
        "矛盾纠纷化解到位（调解成功率）",
        "重点人群帮扶管控到位",
        "风险隐患排查整治到位",
        "法治建设深入推进",
        "公共服务便捷高效",
        "群众普遍满意（安全感满意度）",
    ]
    assert [v.name for v in pafz.vetoes] == ["发生刑事案件或重大治安案件", "发生亡人或伤人事故", "越级上访"]
    # 零事故 is no accident with death *or injury* (five-star.md §3)
    accident = next(v for v in pafz.vetoes if v.code == "pafz.fatal_accident")
    assert "死亡或受伤" in accident.explanation
    # the eight published “三零” standards: official names, default points — and nothing else says so
    assert all(i.official_name and i.placeholder for i in pafz.indicators)
    assert {i.default_badge for i in pafz.indicators} == {"默认分值"}
    others = [i for s in book.stars if s.code != "pafz" for i in s.indicators]
    assert not any(i.official_name for i in others)
    assert {i.default_badge for i in others} <= {"默认", ""}


def test_rural_known_thresholds():
    book = load_rulebook_file(RULEBOOKS / "2023-rural.yaml")
    income = book.indicator("cyxw.income")
    assert (income.form, income.op, income.target, income.unit) == ("threshold", ">=", 20, "万元")
    assert income.requirement_text() == "村集体经济收入 ≥ 20 万元"
    assert "cyxw.income" in book.star("cyxw").award.required_indicators
    toilets = book.indicator("stjy.toilets")
    assert (toilets.form, toilets.op, toilets.target, toilets.unit) == ("threshold", ">=", 80, "%")
    assert toilets.input_bounds == (0, 100)
    assert toilets.requirement_text() == "卫生厕所普及率 ≥ 80%"
    assert "stjy.toilets" in book.star("stjy").award.required_indicators


FOCUS_AREAS = {
    "rural": {"“三零”创建", "农村集体经济增收", "人居环境改善", "背街小巷治理", "政务服务事项下沉"},
    "community": {
        "基层组织阵地建设规范化",
        "政务服务事项下沉",
        "老旧楼院物业全覆盖",
        "养老服务中心和社区日间照料中心全覆盖",
        "“人人持证、技能河南”",
    },
}


def test_shipped_focus_areas_are_beiguans(shipped):
    kind, book, _text = shipped
    assert {i.focus_area for _s, i in book.iter_indicators() if i.focus_area} == FOCUS_AREAS[kind]


# --------------------------------------------------------------------------- derived facts


@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"form": "yes_no"}, "项：是"),
        ({"form": "per_occurrence", "points_each": 1}, "项 ≥ 1 次"),
        ({"form": "per_occurrence", "points_each": 1, "min_count": 12, "unit": "场"}, "项 ≥ 12 场"),
        ({"form": "bonus", "points_each": 1, "unit": "项"}, "项 ≥ 1 项"),
        ({"form": "penalty", "points_each": 1}, "项 须为 0 次"),
        ({"form": "threshold", "unit": "%", "op": "<", "target": "5.50"}, "项 ＜ 5.5%"),
        ({"form": "threshold", "unit": "人", "op": ">", "target": 50}, "项 ＞ 50 人"),
        ({"form": "scale"}, "项 ≥ 6 分"),
        ({"form": "scale", "pass_points": "7.5"}, "项 ≥ 7.5 分"),
    ],
)
def test_requirement_text(fields, text):
    data = with_indicator(**fields)
    data["stars"][0]["award"]["min_points"] = 0
    data["stars"][0]["indicators"][0]["name"] = "项"
    assert parse_rulebook(data).indicator("aa.ok").requirement_text() == text


def test_star_max_points_leaves_out_penalties_but_counts_bonus():
    data = minimal()
    data["stars"][0]["indicators"] += [
        {"code": "aa.b", "name": "加", "form": "bonus", "max_points": 5, "points_each": 5},
        {"code": "aa.p", "name": "扣", "form": "penalty", "max_points": 30, "points_each": 10},
    ]
    star = parse_rulebook(data).star("aa")
    assert star.max_points == 15 and star.base_points == 10
    data["stars"][0]["award"]["min_points"] = 15  # reachable only with the bonus: allowed
    assert parse_rulebook(data).star("aa").award.min_points == 15


def test_rulebook_is_immutable():
    book = parse_rulebook(minimal())
    with pytest.raises(ValueError):
        book.year = 2024


@pytest.mark.parametrize(
    ("placeholder", "official_name", "badge"),
    [(False, False, ""), (False, True, ""), (True, False, "默认"), (True, True, "默认分值")],
)
def test_the_default_badge_says_whether_the_name_or_only_the_points_are_defaults(
    placeholder, official_name, badge
):
    data = {"code": "a.b", "name": "指标", "form": "yes_no", "max_points": 1}
    ind = Indicator.model_validate({**data, "placeholder": placeholder, "official_name": official_name})
    assert ind.default_badge == badge
    assert bool(ind.default_badge_title) == bool(badge)
    veto = Veto.model_validate(
        {"code": "a.v", "name": "否决", "placeholder": placeholder, "official_name": official_name}
    )
    assert veto.default_badge == badge


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "year: 2023\nstars:\n  - code: aa\n    op: >=\n",
            "第4行: YAML 格式错误：“>”或“|”在 YAML 里表示多行文字，后面不能直接跟其他字符。"
            '提示：“>=”含有 YAML 的特殊字符（如 >=、%、冒号），请加英文双引号，写成 op: ">="',
        ),
        (
            "year: 2023\nunit: %\n",
            "第2行: YAML 格式错误：值不能以“%”开头。"
            '提示：“%”含有 YAML 的特殊字符（如 >=、%、冒号），请加英文双引号，写成 unit: "%"',
        ),
        (
            "year: 2023\nexplanation: 注意: 这里\n",
            "第2行: YAML 格式错误：此处不能出现“键: 值”（检查冒号后的空格和缩进）。"
            '提示：“注意: 这里”含有 YAML 的特殊字符（如 >=、%、冒号），请加英文双引号，写成 explanation: "注意: 这里"',
        ),
        ("year: 2023\nname: 'x\n", "第3行: YAML 格式错误：文件意外结束（引号或括号没有闭合？）"),
        ("a: [1, 2\n", "第2行: YAML 格式错误：方括号 [ ] 没有闭合，或列表项之间缺少逗号"),
        ("a: !!foo x\n", "第1行: YAML 格式错误：不认识以“!”开头的写法。提示：“!!foo x”含有 YAML 的特殊字符"),
    ],
)
def test_yaml_errors_are_chinese_with_a_hint_to_quote(text, expected):
    with pytest.raises(RulebookError) as caught:
        load_rulebook_yaml(text)
    (message,) = caught.value.messages
    assert message.startswith(expected)
    # what went wrong is said in Chinese: no English from the YAML parser (only the user's own text)
    problem = message.split("：", 1)[1].split("。提示")[0].replace("YAML", "")
    assert not any(ch.isascii() and ch.isalpha() for ch in problem), message


def test_problems_are_also_given_by_names_with_the_path_as_secondary_text():
    data = minimal()
    data["stars"][1]["name"] = "乙星"
    data["stars"][1]["indicators"][0]["name"] = "有台账"
    data["stars"][1]["indicators"][0]["form"] = "threshold"
    data["stars"][2]["award"]["min_points"] = -1
    del data["stars"][3]["name"]
    data["stars"][3]["theme"] = 5
    with pytest.raises(RulebookError) as caught:
        parse_rulebook(data)
    assert caught.value.readable == [
        "乙星 › 有台账 › unit：门槛型指标必须填写 unit（位置 stars[1].indicators[0].unit）",
        "乙星 › 有台账 › op：门槛型指标必须填写 op（位置 stars[1].indicators[0].op）",
        "乙星 › 有台账 › target：门槛型指标必须填写 target（位置 stars[1].indicators[0].target）",
        f"{data['stars'][2]['name']} › 获星条件 › min_points：不能为负数（位置 stars[2].award.min_points）",
        "第4颗星 › name：缺少必填项（位置 stars[3].name）",
        "第4颗星 › theme：应为文本（位置 stars[3].theme）",
    ]
    assert len(caught.value.messages) == len(caught.value.readable)
    assert caught.value.messages[0].startswith("stars[1].indicators[0].unit: ")
