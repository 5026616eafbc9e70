"""No 500 from input: NUL characters anywhere (400, JSON under /api/), identifiers in other scripts or
too long (ignored with a warning), API errors always JSON in Chinese, API pages bounded.

Run on SQLite and on PostgreSQL: PostgreSQL refuses NUL in text, which is where a NUL used to become
a 500; SQLite would store it silently. Either way the answer must be 400 and nothing may change.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from wuxing.accounts.models import User
from wuxing.core.middleware import NUL_MESSAGE
from wuxing.orgs.models import OrgUnit

pytestmark = pytest.mark.django_db

API_404 = "未找到：接口路径不存在，或路径中的 ID 格式不正确（应为整数）"


def assert_nul_page(response: Any) -> None:
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()


def assert_json(response: Any, status: int, detail: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"] == detail


# --------------------------------------------------------------------------- NUL


@pytest.mark.parametrize(
    "url",
    [
        "/orgs/?q=%00",
        "/orgs/people/?q=a%00b",
        "/orgs/units/?q=%00",
        "/accounts/users/?q=%00",
        "/stars/scores/?kind=rural%00",
        "/stars/scores/rural%00.xlsx",
        "/orgs/?%00=1",
        "/accounts/login/?next=/%00",
    ],
)
def test_nul_in_path_or_query_string_is_a_400_page(client_for: Any, url: str) -> None:
    client = client_for("admin")
    assert_nul_page(client.get(url))


def test_nul_in_a_form_field_changes_nothing(client_for: Any, world: Any) -> None:
    client = client_for("admin")
    # 删除原因 with a NUL: refused before the view runs; the organisation stays
    assert_nul_page(client.post(f"/orgs/{world.community_a.pk}/delete/", {"reason": "撤\x00并"}))
    assert OrgUnit.objects.filter(pk=world.community_a.pk).exists()
    # a search field in a form posted with a file
    response = client.post(
        "/orgs/import/", {"kind": "orgs\x00", "file": SimpleUploadedFile("a.xlsx", b"x")}, follow=False
    )
    assert_nul_page(response)


def test_nul_in_the_login_form_and_in_a_cookie(world: Any) -> None:
    client = Client()
    assert_nul_page(client.post("/accounts/login/", {"username": "admin\x00", "password": "pw-admin-1"}))
    client = Client()
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    assert_nul_page(client.get("/orgs/"))


def test_nul_under_the_api_is_json(bearer: Any) -> None:
    assert_json(bearer("admin").get("/api/v1/orgs?q=%00"), 400, NUL_MESSAGE)
    assert_json(bearer("admin").get("/api/v1/orgs?street=Z%00B"), 400, NUL_MESSAGE)


# --------------------------------------------------------------------------- identifiers and years


@pytest.mark.parametrize(
    ("url", "label"),
    [
        ("/orgs/people/?street=①", "街道/镇"),
        ("/orgs/people/?street=٣", "街道/镇"),
        ("/orgs/people/?street=" + "9" * 5000, "街道/镇"),
        ("/orgs/new/?parent=①", "所属街道/镇"),
        ("/orgs/people/new/?org=①", "所在组织"),
        ("/stars/scores/?year=①", "年度"),
        ("/stars/scores/?year=99999", "年度"),
    ],
)
def test_identifiers_that_are_not_plain_numbers_are_ignored_with_a_warning(
    client_for: Any, url: str, label: str
) -> None:
    response = client_for("admin").get(url)
    assert response.status_code == 200
    assert f"筛选条件“{label}”无效，已忽略。" in response.content.decode()


def test_the_star_card_falls_back_to_the_default_year(client_for: Any, world: Any) -> None:
    response = client_for("admin").get(f"/stars/orgs/{world.village_a.pk}/?year=99999999999999999999")
    assert response.status_code == 200
    assert "筛选条件“年度”无效，已忽略。" in response.content.decode()


def test_secretary_accounts_ignore_selected_ids_in_other_scripts(client_for: Any, world: Any) -> None:
    users = User.objects.count()
    response = client_for("admin").post("/accounts/users/secretaries/", {"orgs": ["①", "٣", "9" * 5000]})
    assert response.status_code == 200
    assert "请至少选择一个组织。" in response.content.decode()
    assert User.objects.count() == users


# --------------------------------------------------------------------------- the API answers JSON


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/orgs/abc",
        "/api/v1/orgs/①",
        "/api/v1/orgs/1.5",
        "/api/v1/ratings/abc?year=2023",
        "/api/v1/nothing",
        "/api/v2/orgs",
        "/api/v1/orgs/",
    ],
)
def test_unknown_api_paths_and_malformed_ids_are_a_json_404(bearer: Any, path: str) -> None:
    assert_json(bearer("admin").get(path), 404, API_404)


def test_an_unsupported_method_is_a_json_405(bearer: Any) -> None:
    response = bearer("admin").delete("/api/v1/orgs")
    assert_json(response, 405, "该接口不支持此请求方法")
    assert response["Allow"] == "GET"


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("page=99999999999999999999", "参数无效：page：不能大于 100000"),
        ("page=100001", "参数无效：page：不能大于 100000"),
        ("page=0", "参数无效：page：不能小于 1"),
        ("page=①", "参数无效：page：应为整数"),
        ("page_size=101", "参数无效：page_size：不能大于 100"),
        ("page=1e309", "参数无效：page：应为整数"),
    ],
)
def test_api_page_parameters_out_of_range_are_a_chinese_422(bearer: Any, query: str, detail: str) -> None:
    assert_json(bearer("admin").get(f"/api/v1/orgs?{query}"), 422, detail)


def test_api_pages_up_to_100000_past_the_last_one_are_an_empty_list(bearer: Any) -> None:
    assert bearer("admin").get("/api/v1/orgs?page=100001&page_size=100").status_code == 422
    response = bearer("admin").get("/api/v1/orgs?page=100000&page_size=100")
    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 3}
    ratings = bearer("admin").get("/api/v1/ratings?year=2023&page=100000")
    assert ratings.status_code == 200 and ratings.json()["items"] == []


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/ratings?year=99999999999999999999",
        "/api/v1/ratings?year=1899",
        "/api/v1/ratings/{a}?year=2101",
        "/api/v1/rulebooks?year=99999999999999999999",
    ],
)
def test_api_years_are_bounded(bearer: Any, world: Any, url: str) -> None:
    response = bearer("admin").get(url.format(a=world.village_a.pk))
    assert response.status_code == 422
    assert json.loads(response.content)["detail"].startswith("参数无效：year：")


def test_nul_in_a_json_body_is_refused_and_changes_nothing(bearer: Any, world: Any) -> None:
    org = OrgUnit.objects.get(pk=world.village_a.pk)
    url = f"/api/v1/orgs/{org.pk}"
    client = bearer("admin")
    for body in (
        {"lock_version": org.lock_version, "name": "新\u0000名称"},
        {"lock_version": org.lock_version, "reason": ["x"], "name\u0000": "新名称"},
    ):
        response = client.patch(url, json.dumps(body), content_type="application/json")
        assert_json(response, 400, NUL_MESSAGE)
    org.refresh_from_db()
    assert org.name == "西漳涧村"
    # a literal backslash-u in a name is text, not a NUL
    body = {"lock_version": org.lock_version, "name": "西漳涧村\\u0000"}
    response = client.patch(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content


def test_a_body_that_is_not_json_is_a_chinese_400(bearer: Any, world: Any) -> None:
    url = f"/api/v1/orgs/{world.village_a.pk}"
    for body in ("not json", '{"lock_version": ' + "9" * 5000 + "}", "[" * 100000 + "]" * 100000):
        response = bearer("admin").patch(url, body, content_type="application/json")
        assert_json(response, 400, "请求内容不是有效的 JSON，无法解析")
