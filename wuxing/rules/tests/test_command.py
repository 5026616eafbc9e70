"""The `rate` and `load_rulebooks` commands."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from wuxing.rules.models import RulebookVersion
from wuxing.rules.services import SHIPPED_DIR
from wuxing.rules.tests.helpers import COMMUNITY_SOME, CYXW_AT_18, RURAL_FULL, replace_once

pytestmark = pytest.mark.django_db

KEYS = {"org_code", "org_name", "street", "kind", "level", "stars", "points", "gaps"}


@pytest.fixture
def rated(world, rulebooks, save) -> None:
    save(world.village_a, RURAL_FULL)  # five stars
    save(world.community_a, COMMUNITY_SOME)  # none
    save(world.village_b, CYXW_AT_18)  # none: 80 points but 18 万元 < 20


def rate(*args: str) -> Any:
    out, err = io.StringIO(), io.StringIO()
    call_command("rate", "--year", "2023", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def rate_json(*args: str) -> list[dict[str, Any]]:
    out, _err = rate("--format", "json", *args)
    return json.loads(out)


def test_json_has_one_object_per_organisation(rated):
    data = rate_json()
    assert [d["org_code"] for d in data] == ["BZ001", "ZB001", "ZB002"]
    assert all(set(d) >= KEYS for d in data)
    by_code = {d["org_code"]: d for d in data}
    assert {k: by_code["ZB001"][k] for k in KEYS} == {
        "org_code": "ZB001",
        "org_name": "西漳涧村",
        "street": "彰北街道",
        "kind": "rural",
        "level": 5,
        "stars": ["zbgy", "cyxw", "stjy", "pafz", "wmxf"],
        "points": dict.fromkeys(["zbgy", "cyxw", "stjy", "pafz", "wmxf"], "100.00"),
        "gaps": [],
    }
    bz = by_code["BZ001"]
    assert (bz["level"], bz["points"]["cyxw"], bz["rulebook_version"]) == (0, "80.00", 1)
    assert "产业兴旺星：必达指标未达标：村集体经济收入 ≥ 20 万元，当前 18 万元" in bz["gaps"]
    zb2 = by_code["ZB002"]
    assert (zb2["kind"], zb2["level"], zb2["points"]["zbgy"], zb2["points"]["xfhx"]) == (
        "community",
        0,
        "20.00",
        "15.00",
    )


def test_street_kind_and_user_narrow_the_rating(rated):
    assert [d["org_code"] for d in rate_json("--street", "ZB")] == ["ZB001", "ZB002"]
    assert [d["org_code"] for d in rate_json("--street", "柏庄镇")] == ["BZ001"]
    assert [d["org_code"] for d in rate_json("--kind", "rural")] == ["BZ001", "ZB001"]
    assert [d["org_code"] for d in rate_json("--user", "street_a")] == ["ZB001", "ZB002"]
    assert [d["org_code"] for d in rate_json("--user", "secretary_a")] == ["ZB001"]
    with pytest.raises(CommandError, match="找不到街道/镇“BZ”（或无权查看）"):
        rate("--user", "street_a", "--street", "BZ")
    with pytest.raises(CommandError, match="找不到街道/镇“XX”"):
        rate("--street", "XX")
    with pytest.raises(CommandError, match="找不到账号“nobody”"):
        rate("--user", "nobody")


def test_table_output(rated):
    out, _err = rate()
    assert "西漳涧村" in out and "后万金村" in out
    assert (
        out.strip().splitlines()[-1] == "星级分布：5星 1 个，4星 0 个，3星 0 个，2星 0 个，1星 0 个，0星 2 个"
    )


def test_xlsx_output(rated, tmp_path: Path):
    target = tmp_path / "评定.xlsx"
    _out, err = rate("--format", "xlsx", "--output", str(target))
    assert "3 个组织" in err
    wb = load_workbook(target)
    assert wb.sheetnames == ["2023年农村", "2023年城市社区", "星级分布"]
    dist = [list(r) for r in wb["星级分布"].iter_rows(values_only=True)]
    assert dist == [
        ["星级", "组织数"],
        ["0星", 2],
        ["1星", 0],
        ["2星", 0],
        ["3星", 0],
        ["4星", 0],
        ["5星", 1],
    ]
    rural = [list(r) for r in wb["2023年农村"].iter_rows(values_only=True)]
    assert rural[0][:5] == ["街道/镇", "组织编码", "组织名称", "星级", "获得的星"]
    assert [r[1:4] for r in rural[1:]] == [["BZ001", "后万金村", 0], ["ZB001", "西漳涧村", 5]]
    assert rural[0][-2:] == ["细则版本", "结果来源"]
    assert rural[2][-2:] == ["2023-rural-v1（含默认条目）", "实时评定（尚未命名）"]
    with pytest.raises(CommandError, match="需要 --output"):
        rate("--format", "xlsx")


def test_json_to_a_file(rated, tmp_path: Path):
    target = tmp_path / "评定.json"
    rate("--format", "json", "--output", str(target))
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 3


def test_a_year_without_rulebooks_is_an_error_in_chinese(world, rulebooks):
    with pytest.raises(CommandError, match="2030年没有启用的星级细则；先运行 wuxing load_rulebooks"):
        call_command("rate", "--year", "2030", stdout=io.StringIO())


# --- load_rulebooks ------------------------------------------------------------------------------------------


def load(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("load_rulebooks", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_check_passes_the_shipped_rulebooks_and_writes_nothing(db):
    versions = RulebookVersion.objects.count()
    out, _err = load("--check")
    assert "2023-rural.yaml：通过（2023年 rural，40 项指标）" in out
    assert "2023-community.yaml：通过（2023年 community，40 项指标）" in out
    assert RulebookVersion.objects.count() == versions


def test_check_names_the_broken_field(db, tmp_path: Path):
    versions = RulebookVersion.objects.count()
    rural = (SHIPPED_DIR / "2023-rural.yaml").read_text(encoding="utf-8")
    missing = tmp_path / "missing-target.yaml"
    missing.write_text(replace_once(rural, "        target: 20\n", ""), encoding="utf-8")
    misspelt = tmp_path / "misspelt.yaml"
    award = "min_points: 80\n      required_indicators: [cyxw.income]"
    misspelt.write_text(
        replace_once(rural, award, award.replace("min_points", "min_point")), encoding="utf-8"
    )
    good = SHIPPED_DIR / "2023-community.yaml"
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="有细则文件未通过校验"):
        call_command(
            "load_rulebooks", "--check", str(missing), str(misspelt), str(good), stdout=out, stderr=err
        )
    # the line of "- code: cyxw.income", the indicator that lacks its target
    line = (
        rural.splitlines().index("      - code: cyxw.income # 门槛来自某县公开目标 [local]；作为默认，非官方")
        + 1
    )
    errors = err.getvalue()
    assert (
        f"missing-target.yaml stars[1].indicators[0].target: 门槛型指标必须填写 target（第{line}行）"
        in errors
    )
    assert "misspelt.yaml stars[1].award.min_point: 不认识的字段" in errors
    assert "misspelt.yaml stars[1].award.min_points: 缺少必填项" in errors
    assert "2023-community.yaml：通过" in out.getvalue()
    assert RulebookVersion.objects.count() == versions


def test_loading_files_makes_new_versions(world, rulebooks, tmp_path: Path):
    rural = rulebooks["rural"].content
    lowered = tmp_path / "rural-v2.yaml"
    lowered.write_text(replace_once(rural, "target: 20\n", "target: 15\n"), encoding="utf-8")
    out, _err = load(str(lowered))
    assert "已加载：2023年 农村 第2版（已启用）" in out
    assert RulebookVersion.objects.get(kind="rural", is_active=True).version == 2
    out, _err = load(str(lowered), "--no-activate")
    assert "已加载：2023年 农村 第3版" in out and "已启用" not in out
    broken = tmp_path / "broken.yaml"
    broken.write_text(replace_once(rural, "        target: 20\n", ""), encoding="utf-8")
    with pytest.raises(CommandError, match=r"broken\.yaml：校验未通过，未写入"):
        load(str(broken))
    assert RulebookVersion.objects.filter(kind="rural").count() == 3
    out, _err = load()
    assert "默认细则已存在，未重复加载。" in out


def test_rescore_command_scores_every_value_under_the_active_version(world, rulebooks, save):
    from wuxing.rules.models import Score

    save(world.village_a, {"cyxw.income": "25", "zbgy.records": "是"})
    Score.objects.update(scored_with=None, cents=0, bit=0, met_bit=0)  # as if scored by nothing
    out = io.StringIO()
    call_command("rescore", "--year", "2023", "--kind", "rural", stdout=out)
    assert "已计分 2 项" in out.getvalue()
    income = Score.objects.get(indicator_code="cyxw.income")
    assert (income.scored_with_id, income.cents, income.met_bit > 0) == (rulebooks["rural"].pk, 2500, True)
    with pytest.raises(CommandError, match="2031年没有启用的星级细则"):
        call_command("rescore", "--year", "2031")


def test_jsonl_is_one_organisation_per_line_and_matches_json(rated):
    out, _err = rate("--format", "jsonl")
    lines = out.splitlines()
    assert [json.loads(line) for line in lines] == rate_json()
    assert len(lines) == 3


def test_json_is_written_one_organisation_at_a_time(rated, monkeypatch):
    """The array is written as it is produced: each organisation on a line of its own, never the whole
    document as one string."""
    from wuxing.rules import kept

    real = kept.iter_rows
    monkeypatch.setattr(kept, "iter_rows", lambda *a, **k: real(*a, **{**k, "batch": 1}))
    out, _err = rate("--format", "json")
    lines = out.splitlines()
    assert lines[0] == "[" and lines[-1] == "]" and len(lines) == 5
    assert json.loads(out) == rate_json()
