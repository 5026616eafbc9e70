"""`wuxing create_user` and `wuxing create_secretary_accounts` go through the services."""

from __future__ import annotations

import io
import os
import stat

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from wuxing.accounts.models import Role, User
from wuxing.core.models import DecisionLog


def run(*args, **kwargs):
    out = io.StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


@pytest.mark.django_db
def test_create_user_with_generated_password(world):
    out = run("create_user", "jd_bz_2", "--role", "street_staff", "--scope-code", "bz", "--full-name", "孙丽")
    user = User.objects.get(username="jd_bz_2")
    assert user.scope_org == world.street_b and user.full_name == "孙丽" and user.must_change_password
    password = out.split("初始密码（只显示这一次）：")[1].split()[0]
    assert user.check_password(password)
    assert DecisionLog.objects.filter(action="account_created", object_id=str(user.pk)).exists()


@pytest.mark.django_db
def test_create_user_unit_and_given_password(world):
    out = run("create_user", "u2", "--role", "unit", "--unit-code", "U02", "--password", "Kp4-good-enough")
    user = User.objects.get(username="u2")
    assert user.unit == world.other_unit and user.check_password("Kp4-good-enough")
    assert "Kp4-good-enough" not in out


@pytest.mark.django_db
def test_create_user_errors_are_chinese(world):
    with pytest.raises(CommandError, match="书记账号必须指定所在村/社区党组织"):
        run("create_user", "s9", "--role", "secretary")
    with pytest.raises(CommandError, match="找不到组织编码"):
        run("create_user", "s9", "--role", "secretary", "--scope-code", "NOPE")
    with pytest.raises(CommandError, match="已被使用"):
        run("create_user", "leader", "--role", "leader")
    with pytest.raises(CommandError, match="密码"):
        run("create_user", "s9", "--role", "leader", "--password", "123")
    with pytest.raises(CommandError, match="没有权限"):
        run("create_user", "s9", "--role", "leader", "--user", "street_a")
    assert not User.objects.filter(username="s9").exists()


@pytest.mark.django_db
def test_create_user_as_named_admin_records_the_actor(world):
    run("create_user", "s10", "--role", "leader", "--user", "admin")
    log = DecisionLog.objects.get(
        action="account_created", object_id=str(User.objects.get(username="s10").pk)
    )
    assert log.actor == world.users["admin"]


@pytest.mark.django_db
def test_create_secretary_accounts_writes_private_excel(world, tmp_path):
    target = tmp_path / "书记账号.xlsx"
    out = run("create_secretary_accounts", "--street", "ZB", "--output", str(target))
    assert "已创建 1 个书记账号" in out
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert rows[1][:5] == ("彰北街道", "ZB001", "西漳涧村", "李建国", "sj_zb001")
    user = User.objects.get(username="sj_zb001")
    assert user.role == Role.SECRETARY and user.check_password(rows[1][5])
    assert rows[1][5] not in out
    # Never overwrite an existing password file; a second run has nothing left to create in ZB.
    with pytest.raises(CommandError, match="已存在"):
        run("create_secretary_accounts", "--output", str(target))
    assert "没有新建账号" in run("create_secretary_accounts", "--street", "ZB")


@pytest.mark.django_db
def test_create_secretary_accounts_dry_run_and_print(world):
    out = run("create_secretary_accounts", "--dry-run")
    assert "共 2 个组织" in out and not User.objects.filter(username__startswith="sj_").exists()
    out = run("create_secretary_accounts")
    assert "sj_bz001" in out and "sj_zb001" in out and "已创建 2 个书记账号" in out
    with pytest.raises(CommandError, match="找不到街道/镇编码"):
        run("create_secretary_accounts", "--street", "XX")
