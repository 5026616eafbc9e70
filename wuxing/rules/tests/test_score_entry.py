"""The score entry page as people use it: the error summary that links to each field, every field's
allowed range and pass line, the star index and the save button always in reach, readable evidence
delete buttons, and one file attached to one value only once."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from wuxing.core.management.base import system_user
from wuxing.rules import services
from wuxing.rules.models import Evidence, Score
from wuxing.rules.schema import Indicator
from wuxing.rules.tests.helpers import YEAR, score_form_data, text_of

pytestmark = pytest.mark.django_db

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082"
)


def _ind(**fields: object) -> Indicator:
    return Indicator.model_validate({"code": "a.b", "name": "指标", "max_points": 15, **fields})


@pytest.mark.parametrize(
    ("fields", "hint"),
    [
        ({"form": "scale", "pass_points": 9}, "0–15 分，达标 ≥ 9 分"),
        ({"form": "scale"}, "0–15 分，达标 ≥ 9 分"),  # 60% of 15 by default
        ({"form": "yes_no"}, "是/否，达标为是"),
        ({"form": "per_occurrence", "points_each": 5, "min_count": 2}, "0–9999 次，达标 ≥ 2 次"),
        ({"form": "penalty", "points_each": 5, "max_count": 3, "unit": "起"}, "0–3 起，达标 = 0 起"),
        (
            {"form": "threshold", "unit": "%", "op": ">=", "target": 80, "max_value": 100},
            "0–100%，达标 ≥ 80%",
        ),
        ({"form": "threshold", "unit": "万元", "op": ">=", "target": 20}, "≥ 0 万元，达标 ≥ 20 万元"),
    ],
)
def test_each_form_states_its_range_and_pass_line(fields, hint):
    assert _ind(**fields).entry_hint() == hint


def field_block(html: str, code: str) -> str:
    start = html.index(f'id="ind-{code}"')
    return html[start : html.index("</div>\n", html.index('class="helptext"', start))]


def test_every_field_shows_its_range_and_pass_line(world, rulebooks, client_for):
    html = (
        client_for("street_a").get(f"/stars/orgs/{world.village_a.pk}/scores/?year={YEAR}").content.decode()
    )
    assert "0–100%，达标 ≥ 80%（门槛型）" in field_block(html, "stjy.toilets")
    assert "≥ 0 万元，达标 ≥ 20 万元（门槛型）" in field_block(html, "cyxw.income")
    book = rulebooks["rural"].rulebook
    for _star, ind in book.iter_indicators():
        assert ind.entry_hint() in field_block(html, ind.code), ind.code


def test_a_failed_save_lists_every_error_at_the_top_with_a_link_to_its_field(world, rulebooks, client_for):
    client = client_for("street_a")
    url = f"/stars/orgs/{world.village_a.pk}/scores/?year={YEAR}"
    typed = {"cyxw.income": "很多", "stjy.toilets": "120", "cyxw.cooperative": "是"}
    html = client.post(url, score_form_data(client, url, typed)).content.decode()
    summary = html[
        html.index('class="error-summary"') : html.index("</div>", html.index('class="error-summary"'))
    ]
    assert "有 2 项需要修改，本次没有保存" in summary
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    assert [anchor for anchor, _text in links] == ["id_v_cyxw.income", "id_v_stjy.toilets"]  # form order
    assert links[1][1] == "生态宜居星 · 卫生厕所普及率：应为 0–100 之间的数（单位：%）"
    for anchor, _text in links:
        assert f'id="{anchor}"' in html  # each link lands on its field
    # the star index counts the errors per star, and the save button sits in the sticky footer
    index = html[html.index('class="star-index"') : html.index("</nav>", html.index('class="star-index"'))]
    assert re.search(r'href="#star-stjy">生态宜居星 <span class="badge error"[^>]*>1</span>', index)
    assert 'href="#star-zbgy">支部过硬星</a>' in index
    footer = html[html.index('class="sticky-actions"') :]
    assert '<button type="submit">保存</button>' in footer[: footer.index("</form>")]
    assert not Score.objects.exists()


def test_no_summary_on_a_fresh_page(world, rulebooks, client_for):
    html = (
        client_for("street_a").get(f"/stars/orgs/{world.village_a.pk}/scores/?year={YEAR}").content.decode()
    )
    assert "error-summary" not in html
    assert html.count('class="card star-group"') == 5


def test_evidence_delete_is_a_readable_button(world, rulebooks, save, client_for):
    save(world.village_a, {"cyxw.income": "18"})
    services.add_evidence(
        system_user(),
        Score.objects.get(org=world.village_a),
        SimpleUploadedFile("报表.png", PNG, "image/png"),
    )
    html = client_for("admin").get(f"/stars/orgs/{world.village_a.pk}/scores/?year={YEAR}").content.decode()
    button = re.search(r'<button type="submit" class="btn-delete"[^>]*>删除</button>', html)
    assert button and 'title="删除佐证材料 报表.png"' in button.group(0)
    assert 'style="color' not in html  # no inline red text on the red submit button any more


def test_the_same_file_is_attached_to_one_value_once(world, rulebooks, save, client_for):
    save(world.village_a, {"cyxw.income": "18", "stjy.toilets": "85"})
    client = client_for("secretary_a")
    base = f"/stars/orgs/{world.village_a.pk}"

    def upload(code: str, name: str, content: bytes = PNG) -> str:
        response = client.post(
            f"{base}/evidence/?year={YEAR}",
            {"indicator": code, "file": SimpleUploadedFile(name, content, "image/png")},
            follow=True,
        )
        return text_of(response)

    assert "佐证材料已上传。" in upload("cyxw.income", "报表.png")
    # the same content under another name: refused, naming the file already there
    assert "这份文件已作为本指标的佐证材料上传过（“报表.png”），无需重复上传" in upload(
        "cyxw.income", "副本.png"
    )
    # the same file for another indicator, and another file for the same one, are fine
    assert "佐证材料已上传。" in upload("stjy.toilets", "报表.png")
    assert "佐证材料已上传。" in upload("cyxw.income", "另一份.png", PNG + b"\0")
    assert sorted(Evidence.objects.values_list("score__indicator_code", "original_name")) == [
        ("cyxw.income", "另一份.png"),
        ("cyxw.income", "报表.png"),
        ("stjy.toilets", "报表.png"),
    ]
    assert all(len(ev.sha256) == 64 for ev in Evidence.objects.all())


def test_the_database_refuses_a_second_copy_too(world, rulebooks, save):
    """Two uploads at the same moment both pass the look-up; the unique constraint decides."""
    save(world.village_a, {"cyxw.income": "18"})
    score = Score.objects.get(org=world.village_a)
    first = services.add_evidence(system_user(), score, SimpleUploadedFile("a.png", PNG, "image/png"))
    Evidence.objects.filter(pk=first.pk).update(original_name="a.png")
    original = Evidence.objects.filter
    try:
        # hide the first copy from the look-up, as a concurrent request would not see it yet
        Evidence.objects.filter = lambda *a, **k: original(*a, **k).exclude(pk=first.pk)  # type: ignore[method-assign]
        with pytest.raises(ValidationError, match="已作为本指标的佐证材料上传过"):
            services.add_evidence(system_user(), score, SimpleUploadedFile("b.png", PNG, "image/png"))
    finally:
        Evidence.objects.filter = original  # type: ignore[method-assign]
    assert Evidence.objects.count() == 1
    assert Score.objects.get(pk=score.pk).value == Decimal(18)


def test_the_default_badge_says_which_part_is_a_default(world, rulebooks, client_for):
    html = (
        client_for("street_a").get(f"/stars/orgs/{world.village_a.pk}/scores/?year={YEAR}").content.decode()
    )
    official = html[html.index('id="ind-pafz.disputes"') :][:600]
    assert '<span class="badge placeholder" title="名称为官方公布的标准；' in official
    assert ">默认分值</span>" in official
    default = html[html.index('id="ind-cyxw.income"') :][:600]
    assert ">默认</span>" in default and "默认分值" not in default
    detail = client_for("admin").get(f"/stars/rulebooks/{rulebooks['rural'].pk}/").content.decode()
    assert detail.count(">默认分值</span>") == 8
