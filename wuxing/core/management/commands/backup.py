"""wuxing backup [--output DIR]: the database and every uploaded file in one owner-only archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from wuxing.core.backup import BackupError, backup
from wuxing.core.management.base import WuxingCommand


class Command(WuxingCommand):
    help = "备份数据库和上传文件到一个归档文件（wuxing-backup-日期-时间.tar，仅本账号可读）"
    lock_name = "backup"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", default=None, help="保存目录（默认 $WUXING_VAR_DIR/backups）")

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"]) if options["output"] else Path(settings.VAR_DIR) / "backups"
        with self.lock():
            try:
                path = backup(output, progress=lambda step: self.stdout.write(f"备份{step}…"))
            except BackupError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"已备份：{path}"))
