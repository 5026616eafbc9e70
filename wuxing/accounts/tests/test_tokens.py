"""Personal API tokens: every user lists, creates (raw shown once) and revokes their own."""

from __future__ import annotations

import pytest
from django.test import Client

from wuxing.accounts.models import ApiToken
from wuxing.core.models import DecisionLog

ROLES = ["admin", "leader", "street_a", "street_b", "secretary_a", "unit"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_user_creates_uses_and_revokes_own_token(role, client_for, world):
    client = client_for(role)
    assert client.get("/accounts/tokens/").status_code == 200
    response = client.post("/accounts/tokens/", {"name": "统计脚本"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = response.context["raw"]
    assert raw.startswith("wx_") and raw in response.content.decode()
    token = ApiToken.objects.get(user=world.users[role])
    assert token.name == "统计脚本" and raw.startswith(token.prefix)
    assert raw not in token.key_hash
    # The raw token is never shown again.
    listing = client.get("/accounts/tokens/").content.decode()
    assert raw not in listing and token.prefix in listing
    # The token acts with the user's scope.
    me = Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me").json()
    assert me["username"] == role
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me").status_code == 401
    actions = set(DecisionLog.objects.filter(actor=world.users[role]).values_list("action", flat=True))
    assert {"token_issued", "token_revoked"} <= actions


@pytest.mark.django_db
def test_name_is_required(client_for, world):
    response = client_for("leader").post("/accounts/tokens/", {"name": "  "})
    assert response.status_code == 200 and "raw" not in response.context
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_tokens_of_others_are_invisible(client_for, world):
    other, _raw = ApiToken.issue(world.users["street_b"], "别人的")
    client = client_for("street_a")
    assert "别人的" not in client.get("/accounts/tokens/").content.decode()
    assert client.post(f"/accounts/tokens/{other.pk}/revoke/").status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None
    # Even the admin revokes others' tokens from the account page, not from their own token page.
    assert client_for("admin").post(f"/accounts/tokens/{other.pk}/revoke/").status_code == 404


@pytest.mark.django_db
def test_revoke_needs_post(client_for, world):
    token, _raw = ApiToken.issue(world.users["leader"], "x")
    assert client_for("leader").get(f"/accounts/tokens/{token.pk}/revoke/").status_code == 405


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client, world):
    response = client.get("/accounts/tokens/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_menu_links_exist(client_for, world):
    body = client_for("leader").get("/accounts/tokens/").content.decode()
    assert 'href="/accounts/tokens/"' in body
    assert 'href="/api/v1/docs"' in body
