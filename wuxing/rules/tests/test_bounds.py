"""Bounded indicator values everywhere a value comes in: the engine's validate_value, the rulebook's
numbers (max_count and the size of every number), the score form and the Excel import.

The hostile tester's inputs: ``1e1000000`` in a count field made the process build a million-digit
integer (78 s, and every other request waited); a 5,000-digit string and ``9`` × 100 overflow what a
score can hold. Each must be a Chinese message within 50 ms, and nothing is written.
"""

from __future__ import annotations

import io
import time
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from wuxing.rules.engine import validate_value
from wuxing.rules.models import Score
from wuxing.rules.schema import (
    DEFAULT_MAX_COUNT,
    VALUE_INT_DIGITS,
    VALUE_PLACES,
    RulebookError,
    load_rulebook_yaml,
)
from wuxing.rules.tests.helpers import YEAR, replace_once, score_form_data, text_of
from wuxing.rules.tests.test_engine import indicator
from wuxing.rules.tests.test_schema import errors_of, with_indicator

D = Decimal
EXPONENT = "请填写普通数字，不要用科学计数法"
TOO_BIG = f"数字过大：最多 {VALUE_INT_DIGITS} 位整数"
HOSTILE = ["1e1000000", "9" * 5000, "9" * 100]
COUNT = {"form": "per_occurrence", "points_each": 1, "unit": "次"}
MONEY = {
    "form": "threshold",
    "unit": "万元",
    "op": ">=",
    "target": 20,
}  # no max_value: only storage bounds it


def message_of(ind: Any, raw: object) -> str:
    start = time.perf_counter()
    with pytest.raises(ValueError) as caught:
        validate_value(ind, raw)
    assert time.perf_counter() - start < 0.05, raw if not isinstance(raw, str) else raw[:20]
    return str(caught.value)


# --------------------------------------------------------------------------- the engine


def test_a_score_holds_what_the_bounds_allow():
    field = Score._meta.get_field("value")
    assert (
        field.max_digits - field.decimal_places >= VALUE_INT_DIGITS and field.decimal_places == VALUE_PLACES
    )
    # SQLite stores the column as a double: exact to 15 significant digits, and no more are allowed
    assert VALUE_INT_DIGITS + VALUE_PLACES == 15


@pytest.mark.parametrize("form", [COUNT, MONEY, {"form": "scale"}], ids=["count", "threshold", "scale"])
def test_exponent_notation_is_refused_in_every_numeric_form(form):
    ind = indicator(**form)
    for raw in ["1e1000000", "1E5", "2.5e-3", "-1e300000"]:
        assert message_of(ind, raw) == EXPONENT


def test_too_many_digits_for_a_threshold_without_a_maximum():
    money = indicator(**MONEY)
    assert validate_value(money, "99999999999.9999") == D("99999999999.9999")  # the most a score holds
    for raw in ["100000000000", "9" * 100, "9" * 5000]:
        assert message_of(money, raw) == TOO_BIG
    assert message_of(money, "1.00001") == "最多保留 4 位小数"


@pytest.mark.parametrize("raw", [1e300, D("1E+1000000"), 10**30, float("inf")], ids=str)
def test_excel_cells_of_every_type_are_bounded(raw):
    money = indicator(**MONEY)
    assert message_of(money, raw) in (TOO_BIG, "应为不小于 0 的数（单位：万元）")
    assert message_of(indicator(**COUNT), raw) in (
        "数字过大：最多 9999 次",
        "应为 0–9999 之间的整数（单位：次）",
    )


def test_counts_are_integers_up_to_the_default_max_count():
    count = indicator(**COUNT)
    assert count.effective_max_count == DEFAULT_MAX_COUNT == 9999
    assert validate_value(count, "9999") == 9999
    assert validate_value(count, 9999.0) == 9999
    assert message_of(count, "10000") == "数字过大：最多 9999 次"
    for raw in ["-1", "1.5", "٣"]:
        assert message_of(count, raw) == "应为 0–9999 之间的整数（单位：次）"
    for raw in HOSTILE:
        assert message_of(count, raw) in (EXPONENT, "数字过大：最多 9999 次")


def test_a_rulebook_max_count_is_the_upper_bound_and_the_message_says_it():
    count = indicator(**COUNT, max_count=20)
    assert validate_value(count, "20") == 20
    assert message_of(count, "21") == "应为 0–20 之间的整数（单位：次）"
    bonus = indicator(form="bonus", points_each=1, unit="项", min_count=2, max_count=2)
    assert validate_value(bonus, "2") == 2
    assert message_of(bonus, "3") == "应为 0–2 之间的整数（单位：项）"


# --------------------------------------------------------------------------- the rulebook


def test_max_count_belongs_to_count_forms_and_is_at_least_min_count():
    assert any(
        m.startswith("stars[0].indicators[0].max_count: 门槛型指标不使用 max_count")
        for m in errors_of(with_indicator(form="threshold", unit="%", op=">=", target=1, max_count=5))
    )
    assert errors_of(with_indicator(form="per_occurrence", points_each=1, min_count=3, max_count=2)) == [
        "stars[0].indicators[0].max_count: max_count（2）不能小于 min_count（3）"
    ]
    assert errors_of(with_indicator(form="penalty", points_each=1, max_count=0)) == [
        "stars[0].indicators[0].max_count: 不能小于 1"
    ]
    assert errors_of(with_indicator(form="penalty", points_each=1, max_count=10**11)) == [
        "stars[0].indicators[0].max_count: 必须小于 100000000000"
    ]


@pytest.fixture(scope="module")
def rural_yaml() -> str:
    from wuxing.rules.services import SHIPPED_DIR

    return (SHIPPED_DIR / "2023-rural.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "max_points: 25",
            "max_points: 1e1000000",
            f"stars[1].indicators[{{i}}].max_points: {TOO_BIG}（第{{line}}行）",
        ),
        ("max_points: 25", "max_points: " + "9" * 5000, f"第{{line}}行: YAML 格式错误：{TOO_BIG}"),
        ("target: 20", "target: 1e1000000", f"stars[1].indicators[{{i}}].target: {TOO_BIG}（第{{line}}行）"),
        (
            "target: 20",
            "target: 20.00001",
            "stars[1].indicators[{i}].target: 最多保留 4 位小数（第{line}行）",
        ),
        ("min_count: 12", "min_count: " + "9" * 5000, f"第{{line}}行: YAML 格式错误：{TOO_BIG}"),
    ],
    ids=["points-exponent", "points-5000-digits", "target-exponent", "target-places", "count-5000-digits"],
)
def test_rulebook_numbers_are_bounded_with_a_chinese_message(rural_yaml, old, new, expected):
    from wuxing.rules.schema import load_rulebook_yaml as load

    line = rural_yaml[: rural_yaml.index(old)].count("\n") + 1  # where the edited number is
    income = [ind.code for ind in load(rural_yaml).stars[1].indicators].index("cyxw.income")
    start = time.perf_counter()
    with pytest.raises(RulebookError) as caught:
        load_rulebook_yaml(replace_once(rural_yaml, old, new))
    assert time.perf_counter() - start < 1  # parsing the whole YAML takes about 0.05 s
    assert caught.value.messages == [expected.format(i=income, line=line)]


# --------------------------------------------------------------------------- the score form and Excel


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1e1000000", EXPONENT),
        ("9" * 5000, "数字过大：最多 9999 个"),
        ("9" * 100, "数字过大：最多 9999 个"),
        ("10000", "数字过大：最多 9999 个"),
    ],
    ids=["exponent", "5000-digits", "100-nines", "10000"],
)
def test_saving_scores_refuses_a_hostile_count_within_50_ms(world, rulebooks, save, raw, expected):
    from django.core.exceptions import ValidationError

    save(world.village_a, {"cyxw.projects": "3"})  # warm: the rulebook is parsed and compiled once
    start = time.perf_counter()
    with pytest.raises(ValidationError) as caught:
        save(world.village_a, {"cyxw.projects": raw, "cyxw.income": "9" * 5000})
    assert time.perf_counter() - start < 0.05
    assert caught.value.message_dict == {
        "cyxw.projects": [f"当年新引进或实施产业项目：{expected}"],
        "cyxw.income": [f"村集体经济收入：{TOO_BIG}"],
    }
    assert dict(Score.objects.values_list("indicator_code", "value")) == {"cyxw.projects": D(3)}


@pytest.mark.django_db
@pytest.mark.parametrize("raw", HOSTILE, ids=["exponent", "5000-digits", "100-nines"])
def test_score_form_shows_the_message_beside_each_field_and_saves_nothing(world, rulebooks, client_for, raw):
    client = client_for("street_a")
    url = f"/stars/orgs/{world.village_a.pk}/scores/?year={YEAR}"
    # two count fields and a threshold without a maximum
    data = score_form_data(client, url, dict.fromkeys(("cyxw.projects", "zbgy.org_life", "cyxw.income"), raw))
    response = client.post(url, data)
    assert response.status_code == 200
    page = text_of(response)
    count_message = EXPONENT if raw.startswith("1e") else "数字过大：最多 9999 个"
    assert f"当年新引进或实施产业项目：{count_message}" in page
    assert f"按月开展主题党日：{count_message.replace('个', '次')}" in page
    assert f"村集体经济收入：{EXPONENT if raw.startswith('1e') else TOO_BIG}" in page
    assert not Score.objects.exists()


@pytest.mark.django_db
def test_score_form_boundaries_the_largest_count_and_value_a_score_holds(world, rulebooks, client_for):
    client = client_for("street_a")
    url = f"/stars/orgs/{world.village_a.pk}/scores/?year={YEAR}"
    # one past each boundary: refused, nothing saved
    refused = score_form_data(client, url, {"cyxw.projects": "10000", "cyxw.income": "100000000000"})
    page = text_of(client.post(url, refused))
    assert "当年新引进或实施产业项目：数字过大：最多 9999 个" in page
    assert f"村集体经济收入：{TOO_BIG}" in page
    assert not Score.objects.exists()
    accepted = score_form_data(client, url, {"cyxw.projects": "9,999", "cyxw.income": "99999999999.9999"})
    response = client.post(url, accepted, follow=True)
    assert "已保存：新增 2 项" in text_of(response)
    values = dict(Score.objects.filter(org=world.village_a).values_list("indicator_code", "value"))
    assert values == {"cyxw.projects": D(9999), "cyxw.income": D("99999999999.9999")}


def fill_template(content: bytes, cells: dict[str, Any]) -> bytes:
    wb = load_workbook(io.BytesIO(content))
    ws = wb.worksheets[0]
    columns = {str(c.value).rsplit("[", 1)[-1].rstrip("]"): c.column for c in ws[1] if c.value}
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == "ZB001")
    for code, value in cells.items():
        ws.cell(row=row, column=columns[code], value=value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.django_db
def test_excel_import_refuses_hostile_cells_of_every_type_and_writes_nothing(world, rulebooks, client_for):
    from wuxing.rules import services

    download = client_for("admin").get(f"/stars/scores/rural.xlsx?year={YEAR}")
    template = b"".join(download.streaming_content)
    content = fill_template(
        template,
        {
            "cyxw.projects": "1e1000000",  # text
            "zbgy.org_life": 1e300,  # a number cell: openpyxl gives a float
            "stjy.cleanup": "9" * 2000,  # the longest cell the Excel reader passes on
            "cyxw.income": "9" * 100,
            "stjy.toilets": 85,  # a good cell: not written either, the file is all or nothing
        },
    )
    start = time.perf_counter()
    report = services.import_scores(world.users["admin"], io.BytesIO(content), YEAR, "rural")
    assert time.perf_counter() - start < 2
    messages = report.messages()
    assert any(m.endswith(f"当年新引进或实施产业项目：{EXPONENT}") for m in messages), messages
    assert any(m.endswith("按月开展主题党日：数字过大：最多 9999 次") for m in messages), messages
    assert any(m.endswith("开展村庄清洁行动：数字过大：最多 9999 次") for m in messages), messages
    assert any(m.endswith(f"村集体经济收入：{TOO_BIG}") for m in messages), messages
    assert not Score.objects.exists()


@pytest.mark.django_db
def test_tuning_a_rulebook_refuses_hostile_numbers_and_saves_no_version(world, rulebooks, client_for):
    import re

    from wuxing.rules.models import RulebookVersion

    rb = rulebooks["rural"]
    client = client_for("admin")
    url = f"/stars/rulebooks/{rb.pk}/tune/"
    html = client.get(url).content.decode()
    data = dict(re.findall(r'name="(n__[^"]+)"[^>]*value="([^"]*)"', html))
    data.update(
        {
            "n__cyxw.income__max_points": "1e1000000",
            "n__cyxw.income__target": "9" * 5000,
            "n__zbgy.org_life__min_count": "9" * 5000,
            "n__zbgy__min_points": "80.123",
        }
    )
    versions = RulebookVersion.objects.count()
    response = client.post(url, data)
    assert response.status_code == 200
    errors = re.findall(r'<ul class="errorlist[^>]*>(.*?)</ul>', response.content.decode())
    assert sorted(errors) == sorted(
        [
            f"<li>{EXPONENT}</li>",
            f"<li>{TOO_BIG}</li>",
            "<li>数字过大：最多 11 位整数</li>",
            "<li>最多保留 2 位小数</li>",
        ]
    )
    assert RulebookVersion.objects.count() == versions
