"""Gap lists name the root cause: a star lost through a chain of requires_stars says which star,
failing on its own, started it; the relation comes first among a star's reasons."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from wuxing.rules.engine import Ref, gap_list, rate_one
from wuxing.rules.schema import parse_rulebook
from wuxing.rules.tests.test_engine import (
    FILLERS_OK,
    PROPERTY,
    book_with,
    full_marks,
    org_values,
    rulebook_dicts,
    rural,  # noqa: F401  (the shipped rural rulebook, a fixture)
    veto_codes,
)

VETO = {"code": "aa.v", "name": "被列为软弱涣散"}


def chain_book() -> Any:
    """甲星 (aa) ← 乙星 (bb) ← 丙星 (cc): 丙 requires 乙, which requires 甲; 甲 has a veto."""
    return book_with(
        [{"code": "aa.x", "name": "有", "form": "yes_no", "max_points": 1}],
        min_points=1,
        vetoes=(VETO,),
        requires={"bb": ["aa"], "cc": ["bb"]},
    )


def test_a_veto_at_the_start_of_a_chain_is_named_at_its_end():
    result = rate_one(chain_book(), {**FILLERS_OK, "aa.x": True}, {"aa.v"})
    assert result.stars == ("dd", "ee")
    cc, bb, aa = (result.star_results[c] for c in ("cc", "bb", "aa"))
    assert aa.reasons == ("一票否决：被列为软弱涣散",) and aa.root_stars == ()
    # 乙星 misses 甲星 directly, and 甲星 failed on its own: no root to add
    assert bb.reasons == ("须先获得：甲星",) and bb.root_stars == ()
    # 丙星 misses 乙星, which was eligible itself: the root is 甲星 and why
    assert cc.missing_stars == (Ref("bb", "乙星"),)
    assert cc.root_stars == (Ref("aa", "甲星"),)
    assert cc.reasons == ("须先获得：乙星（根源：甲星被一票否决（被列为软弱涣散））",)
    assert gap_list(result)[-1] == "丙星：须先获得：乙星（根源：甲星被一票否决（被列为软弱涣散））"


def test_the_root_says_points_when_points_started_it():
    result = rate_one(chain_book(), {**FILLERS_OK, "aa.x": False})
    assert result.star_results["cc"].reasons == ("须先获得：乙星（根源：甲星得分不足（0 / 1 分））",)


def test_every_failing_star_along_the_chain_is_a_root():
    # 乙星 fails on its own too: both 甲 and 乙 started 丙's loss
    result = rate_one(chain_book(), {**FILLERS_OK, "aa.x": True, "bb.ok": False}, {"aa.v"})
    cc = result.star_results["cc"]
    assert cc.root_stars == (Ref("aa", "甲星"), Ref("bb", "乙星"))
    assert cc.reasons == (
        "须先获得：乙星（根源：甲星被一票否决（被列为软弱涣散）；乙星得分不足（0 / 1 分））",
    )


def test_the_relation_comes_before_a_stars_own_reasons():
    result = rate_one(chain_book(), {**FILLERS_OK, "aa.x": False, "bb.ok": False})
    assert result.star_results["bb"].reasons == ("须先获得：甲星", "得分 0 分，距 1 分还差 1 分")


def test_the_shipped_rulebook_chain_from_the_issue(rural):  # noqa: F811
    """The prerequisite reading made into a chain: 支部过硬星 → 产业兴旺星 → 生态宜居星."""
    data = rural.to_dict()
    for star in data["stars"]:
        star["requires_stars"] = {"cyxw": ["zbgy"], "stjy": ["cyxw"]}.get(star["code"], [])
    book = parse_rulebook(data)
    veto = next(v for v in book.star("zbgy").vetoes)
    result = rate_one(book, full_marks(rural), {veto.code})
    assert result.stars == ("pafz", "wmxf")
    stjy = result.star_results["stjy"]
    assert stjy.reasons == (f"须先获得：产业兴旺星（根源：支部过硬星被一票否决（{veto.name}））",)
    assert result.star_results["cyxw"].reasons == ("须先获得：支部过硬星",)


@PROPERTY
@given(data=st.data())
def test_roots_are_stars_that_failed_on_their_own_and_explain_every_eligible_loss(data):
    book_dict = data.draw(rulebook_dicts())
    book = parse_rulebook(book_dict)
    values = data.draw(org_values(book_dict))
    codes = veto_codes(book_dict)
    vetoes = set(data.draw(st.lists(st.sampled_from(codes), max_size=2))) if codes else set()
    results = rate_one(book, values, vetoes).star_results
    for star in results.values():
        for root in star.root_stars:
            assert not results[root.code].eligible and not results[root.code].awarded
        if star.awarded:
            assert star.reasons == () and star.root_stars == ()
        elif star.missing_stars:
            assert star.reasons[0].startswith("须先获得：")
            # a star lost only through a missing star that was itself eligible always names a root
            if any(results[m.code].eligible for m in star.missing_stars):
                assert star.root_stars


def test_the_veto_picker_lists_a_shared_code_once_naming_every_star_it_voids():
    from wuxing.rules.forms import veto_choices

    data = book_with(
        [{"code": "aa.x", "name": "有", "form": "yes_no", "max_points": 1}], vetoes=(VETO,)
    ).to_dict()
    shared = {"code": "safety.accident", "name": "发生亡人或伤人事故", "placeholder": True}
    data["stars"][1]["vetoes"] = [shared]
    data["stars"][3]["vetoes"] = [shared, {"code": "dd.own", "name": "丁星自己的"}]
    book = parse_rulebook(data)
    assert veto_choices(book) == [
        ("aa.v", "被列为软弱涣散（否决：甲星）"),
        ("safety.accident", "发生亡人或伤人事故（否决：乙星、丁星）（默认条目）"),
        ("dd.own", "丁星自己的（否决：丁星）"),
    ]
    # and the one event voids both stars
    result = rate_one(book, {**FILLERS_OK, "aa.x": True}, {"safety.accident"})
    assert result.stars == ("aa", "cc", "ee")


def test_the_api_names_the_root_stars(world, rulebooks, save, bearer):
    """Under the prerequisite reading with a chain (产业兴旺星 ← 支部过硬星, 生态宜居星 ← 产业兴旺星),
    a veto on 支部过硬星 is the root of 生态宜居星's loss, in the API too."""
    import datetime as dt

    from wuxing.core.management.base import system_user
    from wuxing.rules import services
    from wuxing.rules.tests.helpers import RURAL_FULL, YEAR, edited_yaml

    def chain(data: dict[str, Any]) -> None:
        for star in data["stars"]:
            star["requires_stars"] = {"cyxw": ["zbgy"], "stjy": ["cyxw"]}.get(star["code"], [])

    services.create_version(system_user(), edited_yaml(rulebooks["rural"], chain), note="链条")
    save(world.village_a, RURAL_FULL)
    services.record_veto(
        system_user(), world.village_a, YEAR, "zbgy.weak_branch", dt.date(2023, 5, 1), "测试"
    )
    body = bearer("admin").get(f"/api/v1/ratings/{world.village_a.pk}?year={YEAR}").json()
    stars = {s["code"]: s for s in body["star_results"]}
    assert stars["stjy"]["root_stars"] == ["zbgy"]
    assert stars["stjy"]["reasons"] == [
        "须先获得：产业兴旺星（根源：支部过硬星被一票否决（被列为软弱涣散村党组织））"
    ]
    assert stars["cyxw"]["root_stars"] == [] and stars["cyxw"]["reasons"] == ["须先获得：支部过硬星"]
