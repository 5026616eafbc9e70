from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError, CommandParser

from wuxing.accounts import services
from wuxing.accounts.models import Role
from wuxing.core.management.base import WuxingCommand
from wuxing.core.scoping import visible_orgs, visible_units


class Command(WuxingCommand):
    help = (
        "新建一个账号。街道/镇工作人员用 --scope-code 指定街道/镇编码，"
        "书记用 --scope-code 指定村/社区党组织编码，区直单位账号用 --unit-code 指定单位编码。"
        "不给 --password 时随机生成密码并显示一次；首次登录须修改密码。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("username", help="用户名")
        parser.add_argument("--role", required=True, choices=[r.value for r in Role], help="角色")
        parser.add_argument("--full-name", default="", help="姓名")
        parser.add_argument("--scope-code", help="组织编码（街道/镇或村/社区党组织）")
        parser.add_argument("--unit-code", help="区直单位编码")
        parser.add_argument("--password", help="初始密码（须符合密码规则）；不给则随机生成")
        parser.add_argument("--reason", default="命令行新建账号", help="原因，记入操作记录")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self.acting_user(options)
        scope_org = unit = None
        if options["scope_code"]:
            code = options["scope_code"].strip().upper()
            scope_org = visible_orgs(actor).filter(code=code).first()
            if scope_org is None:
                raise CommandError(f"找不到组织编码“{code}”")
        if options["unit_code"]:
            code = options["unit_code"].strip().upper()
            unit = visible_units(actor).filter(code=code).first()
            if unit is None:
                raise CommandError(f"找不到区直单位编码“{code}”")
        try:
            account = services.create_user(
                actor,
                username=options["username"],
                role=options["role"],
                full_name=options["full_name"],
                scope_org=scope_org,
                unit=unit,
                password=options["password"],
                reason=options["reason"],
            )
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        user = account.user
        self.stdout.write(self.style.SUCCESS(f"已新建账号 {user.username}（{user.get_role_display()}）"))
        if not options["password"]:
            self.stdout.write(f"初始密码（只显示这一次）：{account.password}")
        self.stdout.write("首次登录须修改密码。")
