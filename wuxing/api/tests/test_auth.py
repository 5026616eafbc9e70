"""Authentication of the API: anonymous, session, token, revoked/inactive/demo tokens, docs and schema."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client, override_settings
from django.utils import timezone

from wuxing.accounts.models import ApiToken

ENDPOINTS = ["/api/v1/me", "/api/v1/orgs", "/api/v1/streets", "/api/v1/orgs/{village_a}"]


def urls(world):
    return [u.format(village_a=world.village_a.pk) for u in ENDPOINTS]


@pytest.mark.django_db
def test_every_endpoint_refuses_anonymous_with_chinese_401(world):
    client = Client()
    for url in urls(world):
        response = client.get(url)
        assert response.status_code == 401, url
        assert response["Content-Type"].startswith("application/json")
        assert "未登录" in response.json()["detail"]
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_every_endpoint_answers_with_session(client_for, world):
    client = client_for("admin")
    for url in urls(world):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_every_endpoint_answers_with_token(bearer, world):
    client = bearer("admin")
    for url in urls(world):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_revoked_token_is_refused_everywhere(world):
    token, raw = ApiToken.issue(world.users["admin"], "脚本")
    token.revoked_at = timezone.now()
    token.save()
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    for url in urls(world):
        assert client.get(url).status_code == 401, url


@pytest.mark.django_db
def test_wrong_or_malformed_token_is_refused(world):
    for header in ("Bearer wx_not-a-token", "Bearer ", "Token abc", "Basic YWRtaW46cHc="):
        assert Client(headers={"Authorization": header}).get("/api/v1/me").status_code == 401, header


@pytest.mark.django_db
def test_token_of_deactivated_user_is_refused(world):
    from wuxing.accounts import services

    user = world.users["street_a"]
    _token, raw = ApiToken.issue(user, "脚本")
    services.deactivate_user(world.users["admin"], user, "离职")
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me").status_code == 401
    # Reactivation does not bring the old token back.
    services.reactivate_user(world.users["admin"], user, "返岗")
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me").status_code == 401


@pytest.mark.django_db
def test_inactive_user_token_refused_even_if_not_revoked(world):
    user = world.users["leader"]
    _token, raw = ApiToken.issue(user, "脚本")
    user.is_active = False
    user.save()
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me").status_code == 401


@pytest.mark.django_db
def test_demo_token_refused_unless_demo_login_allowed(world):
    user = world.users["leader"]
    user.is_demo = True
    user.save()
    _token, raw = ApiToken.issue(user, "脚本")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    with override_settings(WUXING_DEMO_LOGIN_ALLOWED=True):
        assert client.get("/api/v1/me").status_code == 200
    with override_settings(WUXING_DEMO_LOGIN_ALLOWED=False):
        assert client.get("/api/v1/me").status_code == 401


@pytest.mark.django_db
def test_demo_session_refused_unless_demo_login_allowed(client, world):
    user = world.users["leader"]
    user.is_demo = True
    user.save()
    client.force_login(user)
    with override_settings(WUXING_DEMO_LOGIN_ALLOWED=False):
        assert client.get("/api/v1/me").status_code == 401


@pytest.mark.django_db
def test_last_used_is_recorded_at_most_once_a_minute(world):
    token, raw = ApiToken.issue(world.users["leader"], "脚本")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    client.get("/api/v1/me")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    client.get("/api/v1/me")
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    client.get("/api/v1/me")
    token.refresh_from_db()
    assert token.last_used_at > first - dt.timedelta(minutes=2)


@pytest.mark.django_db
def test_session_post_without_csrf_is_refused(world):
    """Session authentication enforces CSRF for unsafe methods (the API has none yet: 403 or 405)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["admin"])
    response = client.post("/api/v1/me")
    assert response.status_code in (403, 405)


@pytest.mark.django_db
def test_me_describes_role_and_scope(bearer, world):
    body = bearer("street_a").get("/api/v1/me").json()
    assert body["username"] == "street_a"
    assert body["role"] == "street_staff"
    assert body["scope"] == {"kind": "street", "code": "ZB", "name": "彰北街道"}
    assert bearer("unit").get("/api/v1/me").json()["scope"] == {
        "kind": "unit",
        "code": "U01",
        "name": "区财政局",
    }
    assert bearer("secretary_a").get("/api/v1/me").json()["scope"]["kind"] == "branch"
    assert bearer("leader").get("/api/v1/me").json()["scope"]["kind"] == "district"


@pytest.mark.django_db
def test_openapi_schema_is_valid_json_and_lists_endpoints():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    assert {"/api/v1/me", "/api/v1/orgs", "/api/v1/orgs/{org_id}", "/api/v1/streets"} <= paths
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    assert any(s.get("in") == "cookie" for s in schemes.values())
    list_params = {p["name"] for p in schema["paths"]["/api/v1/orgs"]["get"]["parameters"]}
    assert {"street", "area_kind", "branch_type", "unit", "q", "page", "page_size"} <= list_params


@pytest.mark.django_db
def test_docs_page_uses_only_local_static_files(client_for):
    response = client_for("leader").get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"https?://", html), "the docs page must not reference any remote URL (CDN)"
    assert not re.search(r'(src|href)="//', html)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not a known static file"
    # Swagger UI's validator badge would call validator.swagger.io: it is switched off.
    settings_json = re.search(r'id="swagger-settings">(.*?)</script>', html, re.S)
    assert settings_json is not None
    assert json.loads(settings_json.group(1))["validatorUrl"] is None


def test_a_token_stops_working_until_an_administrator_set_password_is_changed(world, token_for):
    from django.test import Client

    raw = token_for("street_a")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    assert client.get("/api/v1/me").status_code == 200
    user = world.users["street_a"]
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    assert client.get("/api/v1/me").status_code == 401
