from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from wuxing.accounts import queries, services
from wuxing.core.excel import write_workbook
from wuxing.core.management.base import WuxingCommand
from wuxing.orgs.queries import visible_streets


class Command(WuxingCommand):
    help = (
        "为已登记现任书记、但书记还没有账号的村/社区党组织批量创建书记账号"
        "（用户名 sj_组织编码，随机密码，首次登录须修改）。"
        "账号和初始密码写入 --output 指定的 Excel（仅本人可读）；不给 --output 时打印在屏幕上。"
    )
    lock_name = "create_secretary_accounts"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--street", help="只处理该街道/镇（编码）")
        parser.add_argument("--output", help="把账号和初始密码写入该 .xlsx 文件（文件不得已存在）")
        parser.add_argument("--dry-run", action="store_true", help="只列出将要创建的账号，不创建")
        parser.add_argument("--reason", default="命令行为现任书记批量创建账号", help="原因，记入操作记录")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self.acting_user(options)
        street = None
        if options["street"]:
            code = options["street"].strip().upper()
            street = visible_streets(actor).filter(code=code).first()
            if street is None:
                raise CommandError(f"找不到街道/镇编码“{code}”")
        output = Path(options["output"]) if options["output"] else None
        if output is not None:
            if output.suffix.lower() != ".xlsx":
                raise CommandError("--output 须是 .xlsx 文件")
            if output.exists():
                raise CommandError(f"文件 {output} 已存在；为免覆盖他人的密码表，请换一个文件名")
            if not output.parent.exists():
                raise CommandError(f"目录 {output.parent} 不存在")

        if options["dry_run"]:
            candidates = list(queries.secretary_candidates(actor, street))
            for org in candidates:
                self.stdout.write(f"  {org.street_name}  {org.code}  {org.name}  {org.secretary_name}")
            self.stdout.write(f"共 {len(candidates)} 个组织的书记还没有账号（未创建，--dry-run）。")
            return

        with self.lock():
            created = self._create(actor, street, options["reason"])
        if not created:
            self.stdout.write("所有已登记的现任书记都已有账号，没有新建账号。")
            return
        rows = services.secretary_account_rows(created)
        if output is not None:
            fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                write_workbook(services.secretary_accounts_sheets(created), fh)
            self.stdout.write(f"账号和初始密码已写入 {output}（仅本人可读）。请分发后妥善销毁该文件。")
        else:
            self.stdout.write("用户名与初始密码（只显示这一次）：")
            for row in rows:
                self.stdout.write(f"  {row[4]:<20} {row[5]}  {row[0]} {row[2]} {row[3]}")
        self.stdout.write(
            self.style.SUCCESS(f"已创建 {len(created)} 个书记账号（{timezone.localtime():%Y-%m-%d %H:%M}）。")
        )

    def _create(self, actor: Any, street: Any, reason: str) -> list[services.NewAccount]:
        total = queries.secretary_candidates(actor, street).count()
        if not total:
            return []
        self.stdout.write(f"将为 {total} 位书记创建账号……")
        step = max(1, total // 10)

        def progress(done: int, count: int) -> None:
            if done % step == 0 or done == count:
                self.stdout.write(f"  已创建 {done}/{count}")

        try:
            return services.create_secretary_accounts(actor, street=street, reason=reason, progress=progress)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
