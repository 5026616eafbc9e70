"""Every /stars/ page tried by each role on its own and on another street's organisation, then what
the pages say: reasons in Chinese, the "default rules" banner, score entry errors, evidence files."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from wuxing.core.management.base import system_user
from wuxing.rules import services
from wuxing.rules.models import Evidence, RulebookVersion, Score, VetoEvent
from wuxing.rules.tests.helpers import (
    CYXW_AT_18,
    RURAL_FULL,
    STJY_FULL,
    YEAR,
    replace_once,
    score_form_data,
    text_of,
)

pytestmark = pytest.mark.django_db

ROLES = ["admin", "leader", "street_a", "street_b", "secretary_a", "unit"]
# 1×1 transparent PNG
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082"
)


def expect(ok: int, yes: str, no: str = "", hidden: str = "") -> dict[str, int]:
    """Status per role: `ok` for the roles in `yes`, 403 for `no`, 404 for `hidden`."""
    table = {r: ok for r in yes.split()} | dict.fromkeys(no.split(), 403) | dict.fromkeys(hidden.split(), 404)
    assert sorted(table) == sorted(ROLES), table
    return table


SEE_A = "admin leader street_a secretary_a unit"  # who sees 西漳涧村 (village_a, 彰北街道)
SEE_B = "admin leader street_b"  # who sees 后万金村 (village_b, 柏庄镇)
EVERYONE = " ".join(ROLES)

# (method, path, data, expected status per role); {a}, {b}: village_a / village_b, {rb}: rural v1,
# {ev}: an evidence file of village_a, {veto}: a veto event of village_a. Writes come last.
MATRIX: list[tuple[str, str, dict[str, Any], dict[str, int]]] = [
    ("get", "/stars/ratings/", {}, expect(200, EVERYONE)),
    ("get", "/stars/ratings/?format=xlsx", {}, expect(200, EVERYONE)),
    ("get", "/stars/orgs/{a}/", {}, expect(200, SEE_A, hidden="street_b")),
    ("get", "/stars/orgs/{b}/", {}, expect(200, SEE_B, hidden="street_a secretary_a unit")),
    (
        "get",
        "/stars/orgs/{a}/scores/",
        {},
        expect(200, "admin street_a secretary_a", "leader unit", "street_b"),
    ),
    (
        "get",
        "/stars/orgs/{b}/scores/",
        {},
        expect(200, "admin street_b", "leader", "street_a secretary_a unit"),
    ),
    ("get", "/stars/orgs/{a}/evidence/{ev}/", {}, expect(200, SEE_A, hidden="street_b")),
    ("get", "/stars/scores/", {}, expect(200, "admin street_a street_b secretary_a", "leader unit")),
    (
        "get",
        "/stars/scores/rural.xlsx",
        {},
        expect(200, "admin street_a street_b secretary_a", "leader unit"),
    ),
    ("get", "/stars/scores/rural.xlsx?filled=1", {}, expect(200, EVERYONE)),
    ("get", "/stars/rulebooks/", {}, expect(200, EVERYONE)),
    ("get", "/stars/rulebooks/{rb}/", {}, expect(200, EVERYONE)),
    ("get", "/stars/rulebooks/{rb}/?format=yaml", {}, expect(200, EVERYONE)),
    (
        "get",
        "/stars/rulebooks/{rb}/edit/",
        {},
        expect(200, "admin", "leader street_a street_b secretary_a unit"),
    ),
    (
        "get",
        "/stars/rulebooks/{rb}/edit/?as_new=1",
        {},
        expect(200, "admin", "leader street_a street_b secretary_a unit"),
    ),
    # writes
    (
        "post",
        "/stars/orgs/{a}/scores/",
        {"v_cyxw.income": "19", "o_cyxw.income": "18"},
        expect(302, "admin street_a secretary_a", "leader unit", "street_b"),
    ),
    (
        "post",
        "/stars/orgs/{a}/evidence/",
        {"indicator": "cyxw.income", "file": "PNG"},
        expect(302, "admin street_a secretary_a", "leader unit", "street_b"),
    ),
    (
        "post",
        "/stars/orgs/{a}/vetoes/",
        {"veto_code": "pafz.petition", "occurred_on": "2023-07-01", "description": "越级上访"},
        expect(302, "admin street_a", "leader secretary_a unit", "street_b"),
    ),
    (
        "post",
        "/stars/orgs/{b}/vetoes/",
        {"veto_code": "pafz.petition", "occurred_on": "2023-07-01", "description": "越级上访"},
        expect(302, "admin street_b", "leader", "street_a secretary_a unit"),
    ),
    (
        "post",
        "/stars/orgs/{a}/vetoes/{veto}/revoke/",
        {"reason": "误报"},
        expect(302, "admin street_a", "leader secretary_a unit", "street_b"),
    ),
    (
        "post",
        "/stars/rulebooks/{rb}/activate/",
        {},
        expect(302, "admin", "leader street_a street_b secretary_a unit"),
    ),
    (
        "post",
        "/stars/rulebooks/{rb}/clone/",
        {"year": "2024"},
        expect(302, "admin", "leader street_a street_b secretary_a unit"),
    ),
    (
        "post",
        "/stars/rulebooks/{rb}/edit/",
        {"content": "RURAL", "note": "另存", "activate": "on"},
        expect(302, "admin", "leader street_a street_b secretary_a unit"),
    ),
    (
        "post",
        "/stars/rulebooks/",
        {"file": "YAML", "note": "上传", "activate": "on"},
        expect(302, "admin", "leader street_a street_b secretary_a unit"),
    ),
]


@pytest.fixture
def page_data(world, rulebooks, save) -> dict[str, Any]:
    save(world.village_a, {"cyxw.income": "18"})
    score = Score.objects.get(org=world.village_a, indicator_code="cyxw.income")
    ev = services.add_evidence(system_user(), score, SimpleUploadedFile("收入报表.png", PNG, "image/png"))
    veto = services.record_veto(
        system_user(), world.village_a, YEAR, "stjy.pollution", dt.date(2023, 4, 1), "污染"
    )
    return {
        "a": world.village_a.pk,
        "b": world.village_b.pk,
        "rb": rulebooks["rural"].pk,
        "ev": ev.pk,
        "veto": veto.pk,
        "content": rulebooks["rural"].content,
    }


def request(client: Any, method: str, path: str, data: dict[str, Any], ids: dict[str, Any]) -> Any:
    url = path.format(**ids)
    url += ("&" if "?" in url else "?") + f"year={YEAR}"
    payload = dict(data)
    if payload.get("file") == "PNG":
        payload["file"] = SimpleUploadedFile("照片.png", PNG, "image/png")
    elif payload.get("file") == "YAML":
        payload["file"] = SimpleUploadedFile("rural.yaml", ids["content"].encode(), "text/yaml")
    if payload.get("content") == "RURAL":
        payload["content"] = ids["content"]
    return getattr(client, method)(url, payload)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_by_every_role(role, client_for, page_data):
    client = client_for(role)
    counts = [m.objects.count() for m in (Score, Evidence, VetoEvent, RulebookVersion)]
    got = {}
    for method, path, data, expected in MATRIX:
        response = request(client, method, path, data, page_data)
        got[(method, path)] = response.status_code
        assert response.status_code == expected[role], (role, method, path, response.status_code)
    if role in ("leader", "unit"):  # read-only roles changed nothing
        assert [m.objects.count() for m in (Score, Evidence, VetoEvent, RulebookVersion)] == counts
        assert Score.objects.get(indicator_code="cyxw.income").value == Decimal(18)
        assert not VetoEvent.objects.filter(revoked_at__isnull=False).exists()


def test_anonymous_is_sent_to_the_login_page(client, page_data):
    for method, path, data, _expected in MATRIX:
        response = request(client, method, path, data, page_data)
        assert response.status_code == 302, (method, path)
        assert response["Location"].startswith("/accounts/login/?next=/stars/"), (method, path)
    assert not VetoEvent.objects.filter(revoked_at__isnull=False).exists()
    assert RulebookVersion.objects.count() == 2


def test_a_street_user_cannot_reach_another_streets_evidence_through_its_own_org(
    client_for, page_data, world
):
    # the evidence belongs to village_a: asking for it under village_b's URL is a 404 even for admin
    url = f"/stars/orgs/{world.village_b.pk}/evidence/{page_data['ev']}/"
    assert client_for("admin").get(url).status_code == 404


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["edit", "tune"])
def test_a_missing_rulebook_is_missing_for_everybody(role, page, client_for, world):
    """Existence is decided before permission: no role learns more from 403 than from 404."""
    assert client_for(role).get(f"/stars/rulebooks/999999/{page}/").status_code == 404


# --- what the pages say --------------------------------------------------------------------------------------


def test_the_card_explains_every_missing_star_in_chinese(world, rulebooks, save, client_for):
    save(world.village_a, {**CYXW_AT_18, **STJY_FULL, "pafz.satisfaction": "95"})
    services.record_veto(
        system_user(), world.village_a, YEAR, "stjy.pollution", dt.date(2023, 4, 1), "河道污染"
    )
    response = client_for("secretary_a").get(f"/stars/orgs/{world.village_a.pk}/?year={YEAR}")
    card = text_of(response)
    assert "西漳涧村 · 2023年 ☆☆☆☆☆ 0星" in card
    # 支部过硬星: nothing entered, needs the other four
    assert "得分 0 分，距 80 分还差 80 分" in card
    assert "必达指标未达标：按月开展主题党日 ≥ 12 次，当前未填报" in card
    assert "须先获得：产业兴旺星、生态宜居星、平安法治星、文明幸福星" in card
    # 产业兴旺星: 80 points but the required income is missed
    assert "必达指标未达标：村集体经济收入 ≥ 20 万元，当前 18 万元" in card
    # 生态宜居星: 100 points, vetoed
    assert "100.00 / 达标线 80.00 分" in card and "一票否决：发生重大环境污染或生态破坏事件" in card
    # 平安法治星: 15 points of 80, required item met
    assert "得分 15 分，距 80 分还差 65 分" in card
    # entered values shown in the indicator table; yes and no as plain words, without quotation marks
    assert "18 万元" in card
    html = response.content.decode()
    assert re.search(r"<td>\s*是\s*</td>", html) and "“是”" not in html and "“否”" not in html
    assert "河道污染" in card


def test_the_default_rules_banner(world, rulebooks, client_for):
    banner = "默认规则，非官方"
    client = client_for("admin")
    pages = [
        f"/stars/ratings/?year={YEAR}",
        f"/stars/orgs/{world.village_a.pk}/?year={YEAR}",
        f"/stars/orgs/{world.village_a.pk}/scores/?year={YEAR}",
        f"/stars/rulebooks/{rulebooks['rural'].pk}/",
    ]
    for url in pages:
        assert banner in text_of(client.get(url)), url
    assert "含默认条目" in text_of(client.get("/stars/rulebooks/"))
    # once the district replaces every default with its own rules, the banner goes
    for rb in rulebooks.values():
        official = rb.content.replace("placeholder: true", "placeholder: false")
        assert services.create_version(world.users["admin"], official).is_placeholder is False
    for url in pages[:3]:
        assert banner not in text_of(client.get(url)), url


def field_block(html: str, code: str) -> str:
    """The form row of one indicator (its input, help text and errors)."""
    start = html.index(f'id="ind-{code}"')
    return html[start : html.index('<div class="form-row" id="ind-', start + 1)]


def test_score_entry_shows_chinese_errors_beside_the_field_and_saves_nothing(world, rulebooks, client_for):
    client = client_for("street_a")
    url = f"/stars/orgs/{world.village_a.pk}/scores/?year={YEAR}"
    typed = {"cyxw.income": "18", "stjy.toilets": "120", "cyxw.cooperative": "是"}
    response = client.post(url, score_form_data(client, url, typed))
    assert response.status_code == 200
    html = response.content.decode()
    assert "卫生厕所普及率：应为 0–100 之间的数（单位：%）" in field_block(html, "stjy.toilets")
    assert "errorlist" not in field_block(html, "cyxw.income")
    assert 'value="18"' in field_block(html, "cyxw.income")  # what was typed is kept
    assert not Score.objects.exists()

    typed = {"cyxw.income": "１８", "stjy.toilets": "85", "cyxw.cooperative": "是"}
    response = client.post(url, score_form_data(client, url, typed, note="自评"), follow=True)
    assert "已保存：新增 3 项，修改 0 项，清空 0 项。" in text_of(response)
    values = dict(Score.objects.filter(org=world.village_a).values_list("indicator_code", "value"))
    assert values == {"cyxw.income": Decimal(18), "stjy.toilets": Decimal(85), "cyxw.cooperative": Decimal(1)}
    # the form shows the stored values back
    html = client.get(url).content.decode()
    assert 'value="18"' in field_block(html, "cyxw.income")
    assert re.search(r'<option value="是" selected>', field_block(html, "cyxw.cooperative"))


def test_evidence_upload_and_download(world, rulebooks, save, client_for):
    save(world.village_a, {"cyxw.income": "18"})
    client = client_for("secretary_a")
    base = f"/stars/orgs/{world.village_a.pk}"
    response = client.post(
        f"{base}/evidence/?year={YEAR}",
        {"indicator": "cyxw.income", "file": SimpleUploadedFile("财务报表.png", PNG, "image/png")},
        follow=True,
    )
    assert "佐证材料已上传。" in text_of(response)
    (ev,) = Evidence.objects.all()
    assert (ev.score.indicator_code, ev.original_name, ev.uploaded_by) == (
        "cyxw.income",
        "财务报表.png",
        world.users["secretary_a"],
    )
    download = client_for("unit").get(f"{base}/evidence/{ev.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert "attachment" in download["Content-Disposition"]
    assert "财务报表.png" in text_of(client_for("leader").get(f"{base}/?year={YEAR}"))

    # no value for the indicator yet: a Chinese error, nothing attached
    client = client_for("secretary_a")  # (client_for logs the one test client in as that role)
    response = client.post(
        f"{base}/evidence/?year={YEAR}",
        {"indicator": "stjy.toilets", "file": SimpleUploadedFile("厕所.png", PNG, "image/png")},
        follow=True,
    )
    assert "请先填报该指标的数值，再上传佐证材料。" in text_of(response)
    response = client.post(
        f"{base}/evidence/?year={YEAR}",
        {
            "indicator": "cyxw.income",
            "file": SimpleUploadedFile("脚本.exe", b"MZ", "application/octet-stream"),
        },
        follow=True,
    )
    assert "只接受 JPG/PNG 图片、PDF、Word（.docx）和 Excel（.xlsx）文件" in text_of(response)
    assert Evidence.objects.count() == 1

    # removing it: refused for a reader, done for the secretary, recorded in the history
    assert client_for("leader").post(f"{base}/evidence/{ev.pk}/delete/").status_code == 403
    assert client_for("street_b").post(f"{base}/evidence/{ev.pk}/delete/").status_code == 404
    assert Evidence.objects.count() == 1
    client = client_for("secretary_a")
    response = client.post(f"{base}/evidence/{ev.pk}/delete/", {"reason": "传错了"}, follow=True)
    assert "已删除佐证材料：财务报表.png" in text_of(response)
    assert not Evidence.objects.exists()
    deleted = Evidence.history.filter(history_type="-").get()
    assert (deleted.original_name, deleted.history_user, deleted.history_change_reason) == (
        "财务报表.png",
        world.users["secretary_a"],
        "传错了",
    )


def test_vetoes_through_the_card(world, rulebooks, save, client_for):
    save(world.village_b, RURAL_FULL)
    client = client_for("street_b")
    card = f"/stars/orgs/{world.village_b.pk}/?year={YEAR}"
    assert "★★★★★ 5星" in text_of(client.get(card))
    response = client.post(
        f"/stars/orgs/{world.village_b.pk}/vetoes/?year={YEAR}",
        {"veto_code": "wmxf.bad_customs", "occurred_on": "2023-09-09", "description": "天价彩礼被通报"},
        follow=True,
    )
    page = text_of(response)
    assert "已登记一票否决事项，星级已重新计算。" in page
    assert "★★★☆☆ 3星" in page and "一票否决：发生大操大办等移风易俗反面典型并被通报" in page
    response = client.post(
        f"/stars/orgs/{world.village_b.pk}/vetoes/?year={YEAR}",
        {"veto_code": "wmxf.bad_customs", "occurred_on": "2022-09-09", "description": "去年的事"},
        follow=True,
    )
    assert "发生日期应在 2023 年内" in text_of(response)
    event = VetoEvent.objects.get()
    response = client.post(
        f"/stars/orgs/{world.village_b.pk}/vetoes/{event.pk}/revoke/", {"reason": ""}, follow=True
    )
    assert "撤销必须填写原因" in text_of(response)
    client.post(f"/stars/orgs/{world.village_b.pk}/vetoes/{event.pk}/revoke/", {"reason": "通报已撤回"})
    assert "★★★★★ 5星" in text_of(client.get(card))


def test_rulebook_edit_page(world, rulebooks, save, client_for):
    v1 = rulebooks["rural"]
    client = client_for("admin")
    # no values yet: edit in place
    page = text_of(client.get(f"/stars/rulebooks/{v1.pk}/"))
    assert "修改" in page and "此版本已有得分数据" not in page
    broken = replace_once(v1.content, "        target: 20\n", "")
    response = client.post(f"/stars/rulebooks/{v1.pk}/edit/", {"content": broken, "activate": "on"})
    assert response.status_code == 200
    # the place by names first (line, star, indicator), the internal path only after the problem
    assert re.search(
        r"第\d+行 产业兴旺星 › 村集体经济收入 › target：门槛型指标必须填写 target（位置 stars\[1\]\.indicators\[0\]\.target）",
        text_of(response),
    )
    assert RulebookVersion.objects.count() == 2

    save(world.village_a, CYXW_AT_18)
    page = text_of(client.get(f"/stars/rulebooks/{v1.pk}/"))
    assert "此版本已有得分数据，不能直接修改" in page
    edit = text_of(client.get(f"/stars/rulebooks/{v1.pk}/edit/"))
    assert "另存为新版本" in edit and "保存将生成一个新版本" in edit
    lowered = replace_once(v1.content, "target: 20\n", "target: 15\n")
    response = client.post(
        f"/stars/rulebooks/{v1.pk}/edit/", {"content": lowered, "note": "门槛降为15万元", "activate": "on"}
    )
    v2 = RulebookVersion.objects.get(kind="rural", version=2)
    assert response.status_code == 302 and response["Location"] == f"/stars/rulebooks/{v2.pk}/"
    assert (v2.is_active, v2.based_on_id, v2.change_note) == (True, v1.pk, "门槛降为15万元")
    card = text_of(client.get(f"/stars/orgs/{world.village_a.pk}/?year={YEAR}"))
    assert "★☆☆☆☆ 1星" in card and "2023年 农村 第2版" in card


def test_clone_page_refuses_a_year_that_already_has_rules(world, rulebooks, client_for):
    v1 = rulebooks["rural"]
    response = client_for("admin").post(f"/stars/rulebooks/{v1.pk}/clone/", {"year": "2023"}, follow=True)
    assert "2023年已有农村细则" in text_of(response)
    response = client_for("admin").post(f"/stars/rulebooks/{v1.pk}/clone/", {"year": "1999"}, follow=True)
    assert "请填写有效的年度。" in text_of(response)
    assert RulebookVersion.objects.count() == 2


def test_the_ratings_page_filters_and_counts(world, rulebooks, save, client_for):
    save(world.village_a, RURAL_FULL)
    save(world.village_b, CYXW_AT_18)
    client = client_for("admin")
    page = text_of(client.get(f"/stars/ratings/?year={YEAR}"))
    assert "2023年星级评定" in page and "共 3 个组织" in page
    assert "三星及以上 33.3%" in page and "1/3 · 目标：100%" in page
    assert "2023年 农村 第1版" in page and "2023年 城市社区 第1版" in page
    five = text_of(client.get(f"/stars/ratings/?year={YEAR}&level=5"))
    assert "共 1 个组织" in five and "西漳涧村" in five and "后万金村" not in five
    search = text_of(client.get(f"/stars/ratings/?year={YEAR}&q=后万金"))
    assert "共 1 个组织" in search and "后万金村" in search
    street = text_of(client.get(f"/stars/ratings/?year={YEAR}&street={world.street_b.pk}"))
    assert "2023年星级评定 · 柏庄镇" in street and "共 1 个组织" in street
    # a street user cannot filter their way into another street
    other = text_of(client_for("street_a").get(f"/stars/ratings/?year={YEAR}&street={world.street_b.pk}"))
    assert "后万金村" not in other and "共 2 个组织" in other
