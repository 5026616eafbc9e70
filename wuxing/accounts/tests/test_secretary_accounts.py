"""Accounts for the secretaries already in the registry: candidates, usernames, passwords shown once."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from wuxing.accounts import queries, services
from wuxing.accounts.models import Role, User
from wuxing.core.management.base import system_user
from wuxing.core.models import DecisionLog
from wuxing.orgs import services as org_services
from wuxing.orgs.models import Person, Post, PostRole

URL = "/accounts/users/secretaries/"


def candidate_codes(actor, street=None):
    return [o.code for o in queries.secretary_candidates(actor, street)]


def xlsx_from_page(html):
    match = re.search(r'href="data:application/vnd\.openxmlformats[^;]*;base64,([^"]+)"', html)
    assert match, "the result page embeds the Excel file"
    return load_workbook(io.BytesIO(base64.b64decode(match.group(1)))).active


@pytest.mark.django_db
def test_candidates_are_branches_whose_current_secretary_has_no_account(world):
    admin = world.users["admin"]
    # ZB002 has no secretary at all; ZB001 and BZ001 have one without an account.
    assert candidate_codes(admin) == ["BZ001", "ZB001"]
    assert candidate_codes(admin, world.street_a) == ["ZB001"]
    # A secretary linked to an account is no longer a candidate.
    world.users["secretary_a"].person = world.secretary_a
    world.users["secretary_a"].save()
    assert candidate_codes(admin) == ["BZ001"]


@pytest.mark.django_db
def test_past_and_future_terms(world):
    actor = system_user()
    post = Post.objects.get(org=world.village_b, role=PostRole.SECRETARY)
    post.end_date = dt.date(2020, 12, 31)
    post.start_date = dt.date(2018, 1, 1)
    org_services.save_post(actor, post)
    assert candidate_codes(world.users["admin"]) == ["ZB001"]
    # A term ending today still counts as current.
    from wuxing.core.workdays import today

    post.end_date = today()
    org_services.save_post(actor, post)
    assert candidate_codes(world.users["admin"]) == ["BZ001", "ZB001"]


@pytest.mark.django_db
def test_page_lists_candidates_and_warns_of_other_secretary_accounts(client_for, world):
    response = client_for("admin").get(URL)
    body = response.content.decode()
    assert "西漳涧村" in body and "后万金村" in body and "阳光社区" not in body
    assert "李建国" in body and "sj_zb001" in body
    # secretary_a is an account scoped to ZB001 but not linked to the registered secretary.
    assert "本组织已有其他书记账号" in body
    filtered = client_for("admin").get(f"{URL}?street={world.street_b.pk}").content.decode()
    assert "后万金村" in filtered and "西漳涧村" not in filtered


@pytest.mark.django_db
def test_bulk_create_shows_passwords_once_and_offers_excel(client_for, world):
    client = client_for("admin")
    response = client.post(URL, {"orgs": [world.village_a.pk, world.village_b.pk]})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "已创建 2 个书记账号" in body
    created = {a.user.username: a for a in response.context["created"]}
    assert set(created) == {"sj_zb001", "sj_bz001"}
    ws = xlsx_from_page(body)
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("街道/镇", "组织编码", "组织名称", "书记姓名", "用户名", "初始密码")
    by_username = {r[4]: r for r in rows[1:]}
    assert by_username["sj_zb001"][:4] == ("彰北街道", "ZB001", "西漳涧村", "李建国")
    for username, account in created.items():
        user = User.objects.get(username=username)
        assert user.role == Role.SECRETARY and user.must_change_password
        assert user.check_password(account.password)
        assert by_username[username][5] == account.password
        assert account.password in body
        assert account.password not in user.password
        assert user.person is not None and user.full_name == user.person.name
        assert user.history.first().history_user == world.users["admin"]
    assert User.objects.get(username="sj_zb001").scope_org == world.village_a
    assert DecisionLog.objects.filter(action="account_created").count() == 2
    # Nothing in plain text survives the response: not in the session, not in the database.
    session = dict(client.session)
    for account in created.values():
        assert account.password not in repr(session)
        assert not DecisionLog.objects.filter(comment__contains=account.password).exists()
    # Submitting again creates nothing (the secretaries have accounts now).
    again = client.post(URL, {"orgs": [world.village_a.pk, world.village_b.pk]})
    assert again.context["count"] == 0
    assert User.objects.filter(username__startswith="sj_").count() == 2
    assert candidate_codes(world.users["admin"]) == []


@pytest.mark.django_db
def test_only_selected_and_only_candidates_are_created(client_for, world):
    client = client_for("admin")
    # ZB002 (no secretary) is ignored even if posted; BZ001 was not selected.
    response = client.post(URL, {"orgs": [world.village_a.pk, world.community_a.pk]})
    assert [a.user.username for a in response.context["created"]] == ["sj_zb001"]
    assert not User.objects.filter(username="sj_bz001").exists()


@pytest.mark.django_db
def test_nothing_selected_is_an_error(client_for, world):
    response = client_for("admin").post(URL, {})
    assert response.status_code == 200
    assert "请至少选择一个组织" in response.content.decode()


@pytest.mark.django_db
def test_usernames_get_a_suffix_when_taken(world):
    User.objects.create_user("sj_zb001", role=Role.LEADER)
    User.objects.create_user("SJ_ZB001-2", role=Role.LEADER)
    created = services.create_secretary_accounts(world.users["admin"], [world.village_a.pk])
    assert [a.user.username for a in created] == ["sj_zb001-3"]
    assert services.secretary_username("BZ001", set()) == "sj_bz001"
    assert services.secretary_username("BZ001", {"sj_bz001"}) == "sj_bz001-2"


@pytest.mark.django_db
def test_new_secretary_after_a_change_gets_an_account(world):
    admin = world.users["admin"]
    services.create_secretary_accounts(admin, [world.village_a.pk])
    actor = system_user()
    old = Post.objects.get(org=world.village_a, role=PostRole.SECRETARY)
    org_services.end_post(actor, old, dt.date(2023, 12, 31))
    successor = org_services.save_person(actor, Person(name="周新", home_org=world.village_a))
    org_services.save_post(
        actor,
        Post(person=successor, org=world.village_a, role=PostRole.SECRETARY, start_date=dt.date(2024, 1, 1)),
    )
    created = services.create_secretary_accounts(admin, [world.village_a.pk])
    assert [(a.user.username, a.user.full_name) for a in created] == [("sj_zb001-2", "周新")]


@pytest.mark.django_db
def test_web_batch_limit(world, monkeypatch):
    with pytest.raises(ValidationError) as exc:
        services.create_secretary_accounts(world.users["admin"], limit=1)
    assert "一次最多创建 1 个账号" in str(exc.value)
    assert not User.objects.filter(username__startswith="sj_").exists()


@pytest.mark.django_db
def test_a_larger_batch_reports_progress(world):
    actor = system_user()
    for i in range(30):
        org = org_services.create_branch(
            actor,
            world.street_b,
            {"code": f"BZ1{i:02d}", "name": f"村{i}", "area_kind": "rural", "branch_type": "branch"},
        )
        person = org_services.save_person(actor, Person(name=f"书记{i}", home_org=org))
        org_services.save_post(
            actor, Post(person=person, org=org, role=PostRole.SECRETARY, start_date=dt.date(2022, 1, 1))
        )
    seen: list[tuple[int, int]] = []
    created = services.create_secretary_accounts(
        world.users["admin"], street=world.street_b, progress=lambda done, total: seen.append((done, total))
    )
    assert len(created) == 31
    assert seen[-1] == (31, 31)
    assert len({a.password for a in created}) == 31


@pytest.mark.django_db
def test_accounts_created_meanwhile_are_skipped(world, monkeypatch):
    """Hashing runs outside the transaction; whatever another admin created meanwhile is not duplicated."""
    original = services.hash_passwords

    def slow_hash(passwords):
        User.objects.create_user(
            "li_jg", role=Role.SECRETARY, scope_org=world.village_a, person=world.secretary_a
        )
        return original(passwords)

    monkeypatch.setattr(services, "hash_passwords", slow_hash)
    created = services.create_secretary_accounts(world.users["admin"])
    assert [a.user.username for a in created] == ["sj_bz001"]
    assert User.objects.filter(person=world.secretary_a).count() == 1


def test_hash_passwords_uses_djangos_hasher():
    from django.contrib.auth.hashers import check_password, identify_hasher

    passwords = ["Aa1aaaaaaaaa", "Bb2bbbbbbbbb", "Cc3ccccccccc"]
    hashes = services.hash_passwords(passwords)
    assert all(check_password(p, h) for p, h in zip(passwords, hashes, strict=True))
    assert len(set(hashes)) == 3
    assert identify_hasher(hashes[0]).algorithm == "md5"  # the test settings' fast hasher
