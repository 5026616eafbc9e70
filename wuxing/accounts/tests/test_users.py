"""Account management by the district: list, create, edit, deactivate/reactivate, reset password."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from wuxing.accounts import queries, services
from wuxing.accounts.models import Role, User
from wuxing.core.models import DecisionLog

NON_ADMINS = ["leader", "street_a", "street_b", "secretary_a", "unit"]


def decisions(user):
    return list(queries.user_decisions(user).values_list("action", flat=True))


# --- authority --------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", NON_ADMINS)
def test_only_the_district_admin_reaches_account_pages(role, client_for, world):
    client = client_for(role)
    target = world.users["street_b"]
    for url in ("/accounts/users/", "/accounts/users/new/", "/accounts/users/secretaries/"):
        assert client.get(url).status_code == 403, url
    for suffix in ("", "edit/", "deactivate/", "reactivate/", "reset-password/"):
        assert client.get(f"/accounts/users/{target.pk}/{suffix}").status_code == 404, suffix
    assert client.post(f"/accounts/users/{target.pk}/deactivate/", {"reason": "x"}).status_code == 404
    target.refresh_from_db()
    assert target.is_active
    # The menu shows account management to the admin only.
    assert "/accounts/users/" not in client.get("/orgs/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", NON_ADMINS)
def test_services_refuse_non_admins(role, world):
    actor = world.users[role]
    with pytest.raises(PermissionDenied):
        services.create_user(actor, username="x1", role=Role.LEADER)
    with pytest.raises(PermissionDenied):
        services.reset_password(actor, world.users["leader"])
    with pytest.raises(PermissionDenied):
        services.deactivate_user(actor, world.users["street_b"], "x")
    with pytest.raises(PermissionDenied):
        services.create_secretary_accounts(actor)


# --- list -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_filters_and_search(client_for, world):
    client = client_for("admin")
    body = client.get("/accounts/users/").content.decode()
    for username in ("admin", "leader", "street_a", "street_b", "secretary_a", "unit"):
        assert username in body
    assert "/accounts/users/" in client.get("/").content.decode()  # menu entry

    def listed(query):
        page = client.get(f"/accounts/users/?{query}").context["page"]
        return {u.username for u in page}

    assert listed("role=street_staff") == {"street_a", "street_b"}
    assert listed(f"street={world.street_a.pk}") == {"street_a", "secretary_a"}
    assert listed("q=secretary") == {"secretary_a"}
    world.users["unit"].is_active = False
    world.users["unit"].save()
    assert "unit" not in listed("")
    assert listed("status=inactive") == {"unit"}
    assert "unit" in listed("status=all")


@pytest.mark.django_db
def test_list_paginates(client_for, world):
    User.objects.bulk_create([User(username=f"bulk{i:03d}", role=Role.LEADER) for i in range(60)])
    page = client_for("admin").get("/accounts/users/").context["page"]
    assert page.paginator.count == 66 and len(page.object_list) == 50
    assert len(client_for("admin").get("/accounts/users/?page=2").context["page"].object_list) == 16


@pytest.mark.django_db
def test_list_exports_excel(client_for, world):
    response = client_for("admin").get("/accounts/users/?role=street_staff&format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.getvalue())).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:5] == ("用户名", "姓名", "角色", "街道/镇", "负责范围")
    assert {r[0] for r in rows[1:]} == {"street_a", "street_b"}
    assert {r[3] for r in rows[1:]} == {"彰北街道", "柏庄镇"}


# --- create -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_with_generated_password_shows_it_once(client_for, world):
    client = client_for("admin")
    response = client.post(
        "/accounts/users/new/",
        {"username": "jd_zb_2", "full_name": "赵敏", "role": "street_staff", "street": world.street_a.pk},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = response.context["password"]
    assert password in response.content.decode()
    user = User.objects.get(username="jd_zb_2")
    assert user.scope_org == world.street_a and user.role == Role.STREET_STAFF
    assert user.must_change_password
    assert user.check_password(password)
    assert password not in user.password
    assert decisions(user) == ["account_created"]
    assert user.history.first().history_user == world.users["admin"]
    # The detail page never shows the password again.
    detail = client.get(f"/accounts/users/{user.pk}/").content.decode()
    assert password not in detail and "新建账号" in detail


@pytest.mark.django_db
def test_create_with_given_password_uses_django_validators(client_for, world):
    client = client_for("admin")
    weak = client.post(
        "/accounts/users/new/",
        {"username": "ld2", "role": "leader", "password1": "12345678", "password2": "12345678"},
    )
    assert weak.status_code == 200 and not User.objects.filter(username="ld2").exists()
    assert weak.context["form"].errors["password1"]
    mismatch = client.post(
        "/accounts/users/new/",
        {"username": "ld2", "role": "leader", "password1": "Hq8-long-pass", "password2": "Hq8-long-pasx"},
    )
    assert "两次输入的密码不一致" in mismatch.content.decode()
    ok = client.post(
        "/accounts/users/new/",
        {"username": "ld2", "role": "leader", "password1": "Hq8-long-pass", "password2": "Hq8-long-pass"},
    )
    assert ok.status_code == 200
    user = User.objects.get(username="ld2")
    assert user.check_password("Hq8-long-pass") and user.must_change_password
    assert "Hq8-long-pass" not in ok.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "field", "message"),
    [
        ("street_staff", "street", "街道/镇工作人员必须指定所属街道/镇"),
        ("secretary", "branch", "书记账号必须指定所在村/社区党组织"),
        ("unit", "unit", "区直单位账号必须指定单位"),
    ],
)
def test_create_requires_the_scope_of_the_role(role, field, message, client_for, world):
    response = client_for("admin").post("/accounts/users/new/", {"username": "nobody", "role": role})
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert not User.objects.filter(username="nobody").exists()


@pytest.mark.django_db
def test_create_refuses_a_taken_username_case_insensitively(client_for, world):
    response = client_for("admin").post("/accounts/users/new/", {"username": "Leader", "role": "leader"})
    assert "该用户名已被使用" in response.content.decode()
    with pytest.raises(ValidationError):
        services.create_user(world.users["admin"], username="LEADER", role=Role.LEADER)


@pytest.mark.django_db
def test_service_rejects_street_staff_scoped_to_a_branch(world):
    with pytest.raises(ValidationError) as exc:
        services.create_user(
            world.users["admin"], username="odd", role=Role.STREET_STAFF, scope_org=world.village_a
        )
    assert "街道/镇工作人员必须指定所属街道/镇" in str(exc.value)


@pytest.mark.django_db
def test_scope_fields_the_role_does_not_use_are_cleared(world):
    account = services.create_user(
        world.users["admin"], username="ld3", role=Role.LEADER, scope_org=world.street_a, unit=world.unit
    )
    assert account.user.scope_org is None and account.user.unit is None


@pytest.mark.django_db
def test_generated_passwords_pass_the_validators(world):
    from django.contrib.auth.password_validation import validate_password

    seen = set()
    for _ in range(50):
        password = services.generate_password()
        validate_password(password)
        assert len(password) == services.PASSWORD_LENGTH
        seen.add(password)
    assert len(seen) == 50


# --- edit, deactivate, reactivate, reset ------------------------------------------------------------------


@pytest.mark.django_db
def test_edit_changes_role_and_scope_and_records_it(client_for, world):
    client = client_for("admin")
    user = world.users["street_b"]
    form = client.get(f"/accounts/users/{user.pk}/edit/").context["form"]
    assert form.initial["street"] == world.street_b
    response = client.post(
        f"/accounts/users/{user.pk}/edit/",
        {"full_name": "钱多", "role": "secretary", "branch": world.village_b.pk, "reason": "调任书记"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.role, user.scope_org, user.full_name) == (Role.SECRETARY, world.village_b, "钱多")
    log = DecisionLog.objects.get(action="account_updated")
    assert log.actor == world.users["admin"] and log.comment == "调任书记"
    assert log.from_state == "街道/镇工作人员·柏庄镇" and log.to_state == "村/社区党组织书记·后万金村"
    assert user.history.first().history_change_reason == "调任书记"
    detail = client.get(f"/accounts/users/{user.pk}/").content.decode()
    assert "调任书记" in detail and "修改账号" in detail


@pytest.mark.django_db
def test_admin_cannot_change_own_role(client_for, world):
    admin = world.users["admin"]
    response = client_for("admin").post(f"/accounts/users/{admin.pk}/edit/", {"role": "leader"})
    assert response.status_code == 200
    assert "不能修改自己账号的角色" in response.content.decode()
    admin.refresh_from_db()
    assert admin.role == Role.DISTRICT_ADMIN


@pytest.mark.django_db
def test_deactivate_needs_a_reason_and_is_recorded(client_for, world):
    from wuxing.accounts.models import ApiToken

    client = client_for("admin")
    user = world.users["street_a"]
    ApiToken.issue(user, "脚本")
    assert client.post(f"/accounts/users/{user.pk}/deactivate/", {"reason": ""}).status_code == 200
    user.refresh_from_db()
    assert user.is_active
    response = client.post(f"/accounts/users/{user.pk}/deactivate/", {"reason": "调离本街道"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    log = DecisionLog.objects.get(action="account_deactivated")
    assert (log.from_state, log.to_state, log.actor) == ("启用", "停用", world.users["admin"])
    assert log.comment.startswith("调离本街道")
    response = client.post(f"/accounts/users/{user.pk}/reactivate/", {"reason": "返岗"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active
    assert decisions(user)[:2] == ["account_reactivated", "account_deactivated"]


@pytest.mark.django_db
def test_deactivated_user_is_logged_out(client, world):
    user = world.users["street_a"]
    client.force_login(user)
    assert client.get("/").status_code == 200
    services.deactivate_user(world.users["admin"], user, "离职")
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_admin_cannot_deactivate_themselves(client_for, world):
    admin = world.users["admin"]
    client = client_for("admin")
    assert (
        f"/accounts/users/{admin.pk}/deactivate/"
        not in client.get(f"/accounts/users/{admin.pk}/").content.decode()
    )
    response = client.post(f"/accounts/users/{admin.pk}/deactivate/", {"reason": "试试"})
    assert response.status_code == 200
    assert "不能停用自己的账号" in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active


@pytest.mark.django_db
def test_reset_password_shows_new_password_once(client_for, world):
    client = client_for("admin")
    user = world.users["secretary_a"]
    response = client.post(f"/accounts/users/{user.pk}/reset-password/", {"reason": "忘记密码"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = response.context["password"]
    assert password in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(password) and not user.check_password("pw-sec-1")
    assert user.must_change_password
    log = DecisionLog.objects.get(action="password_reset")
    assert log.comment == "忘记密码" and log.actor == world.users["admin"]
    assert password not in client.get(f"/accounts/users/{user.pk}/").content.decode()


@pytest.mark.django_db
def test_detail_page_shows_decisions_history_and_tokens(client_for, world):
    from wuxing.accounts.models import ApiToken

    user = world.users["unit"]
    token, raw = ApiToken.issue(user, "统计脚本")
    services.reset_password(world.users["admin"], user, "首次分发")
    body = client_for("admin").get(f"/accounts/users/{user.pk}/").content.decode()
    assert "操作记录" in body and "重置密码" in body and "首次分发" in body
    assert "变更历史" in body
    assert "统计脚本" in body and token.prefix in body and raw not in body
    response = client_for("admin").post(f"/accounts/users/{user.pk}/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.django_db
def test_a_secretary_account_created_singly_is_linked_to_the_current_secretary(world):
    account = services.create_user(
        world.users["admin"], username="sj_new", role=Role.SECRETARY, scope_org=world.village_a
    )
    assert account.user.person == world.secretary_a
