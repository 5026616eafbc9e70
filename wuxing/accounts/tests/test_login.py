"""Logging in: throttling, demo and inactive accounts, CSRF, first-login password change."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from wuxing.accounts.models import Role, User

LOGIN = "/accounts/login/"


def post_login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


@pytest.mark.django_db
def test_correct_password_logs_in(client, world):
    response = post_login(client, "leader", "pw-leader-1")
    assert response.status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_wrong_password_shows_chinese_error(client, world):
    response = post_login(client, "leader", "wrong")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_account_with_a_chinese_page(client, world):
    for _ in range(4):
        assert post_login(client, "leader", "wrong").status_code == 200
    locked = post_login(client, "leader", "wrong")
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "登录已被暂时锁定" in body and "30 分钟" in body
    # Even the right password is refused while locked.
    again = post_login(client, "leader", "pw-leader-1")
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_lockout_is_per_username(client, world):
    for _ in range(5):
        post_login(client, "leader", "wrong")
    assert post_login(client, "admin", "pw-admin-1").status_code == 302


@pytest.mark.django_db
def test_password_reset_by_admin_lifts_the_lockout(client, world):
    from wuxing.accounts import services

    for _ in range(5):
        post_login(client, "leader", "wrong")
    password = services.reset_password(world.users["admin"], world.users["leader"], "锁定后解锁")
    assert post_login(client, "leader", password).status_code == 302


@pytest.mark.django_db
def test_demo_account_refused_when_demo_login_not_allowed(client, world):
    User.objects.create_user("demo_x", password="pw-demo-123", role=Role.LEADER, is_demo=True)
    with override_settings(WUXING_DEMO_LOGIN_ALLOWED=False):
        response = post_login(client, "demo_x", "pw-demo-123")
        assert response.status_code == 200
        assert "用户名或密码不正确" in response.content.decode()
        assert "_auth_user_id" not in client.session
    with override_settings(WUXING_DEMO_LOGIN_ALLOWED=True):
        assert post_login(client, "demo_x", "pw-demo-123").status_code == 302


@pytest.mark.django_db
def test_demo_session_ends_when_demo_login_is_switched_off(client, world):
    user = User.objects.create_user("demo_y", password="pw-demo-123", role=Role.LEADER, is_demo=True)
    client.force_login(user)
    assert client.get("/").status_code == 200
    with override_settings(WUXING_DEMO_LOGIN_ALLOWED=False):
        response = client.get("/")
        assert response.status_code == 302 and LOGIN in response["Location"]


@pytest.mark.django_db
def test_inactive_user_refused(client, world):
    user = world.users["leader"]
    user.is_active = False
    user.save()
    response = post_login(client, "leader", "pw-leader-1")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_login_enforces_csrf(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "leader", "password": "pw-leader-1"})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    # With the token from the form it works.
    client.get(LOGIN)
    token = client.cookies["csrftoken"].value
    ok = client.post(LOGIN, {"username": "leader", "password": "pw-leader-1", "csrfmiddlewaretoken": token})
    assert ok.status_code == 302


@pytest.mark.django_db
def test_must_change_password_redirects_then_clears(client, world):
    user = world.users["leader"]
    user.must_change_password = True
    user.save()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].endswith("/accounts/password/")
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "pw-leader-1",
            "new_password1": "Xq7-unusual-pass",
            "new_password2": "Xq7-unusual-pass",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_a_permission_the_rules_deny_costs_no_query_and_a_superuser_keeps_every_permission(
    django_assert_num_queries: Any,
) -> None:
    secretary = User.objects.create(username="perm_probe", role=Role.SECRETARY)
    secretary = User.objects.get(pk=secretary.pk)
    with django_assert_num_queries(0):  # the permission tables are never read for a rules-based user
        assert not secretary.has_perm("competition.manage")
        assert not secretary.has_perm("auth.add_user")
    root = User.objects.create(username="perm_root", role=Role.DISTRICT_ADMIN, is_superuser=True)
    assert root.has_perm("auth.add_user") and root.has_perm("competition.manage")
