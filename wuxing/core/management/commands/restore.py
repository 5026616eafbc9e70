"""wuxing restore ARCHIVE --yes: put a backup's database and uploaded files back (app stopped)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from wuxing.core.backup import BackupError, read_manifest, restore
from wuxing.core.management.base import WuxingCommand


class Command(WuxingCommand):
    help = "从备份恢复数据库和上传文件（会覆盖当前数据；请先停止网站服务）"
    lock_name = "restore"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="wuxing backup 生成的 .tar 文件")
        parser.add_argument("--yes", action="store_true", help="确认覆盖当前的数据库和上传文件")

    def handle(self, *args: Any, **options: Any) -> None:
        archive = Path(options["archive"])
        try:
            manifest = read_manifest(archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"备份时间 {manifest['created_at']}，{len(manifest['tables'])} 张表共 {rows} 行，"
            f"{len(manifest['media'])} 个上传文件。"
        )
        if not options["yes"]:
            raise CommandError(
                "恢复会覆盖当前的数据库和上传文件：确认无误后加 --yes 再运行（请先停止网站服务）"
            )
        with self.lock():
            try:
                restore(archive, progress=lambda step: self.stdout.write(f"恢复{step}…"))
            except BackupError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS("已恢复，行数和文件校验值与备份一致。"))
