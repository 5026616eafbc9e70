from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from wuxing.core.management.base import WuxingCommand
from wuxing.rules import services
from wuxing.rules.schema import RulebookError, load_rulebook_file


class Command(WuxingCommand):
    help = "校验并加载星级细则 YAML 文件（不带参数时加载随系统提供的默认细则）。每次加载生成一个新版本。"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("files", nargs="*", help="YAML 文件路径")
        parser.add_argument("--check", action="store_true", help="只校验，不写入数据库")
        parser.add_argument("--note", default="", help="修订说明")
        parser.add_argument("--no-activate", action="store_true", help="加载后不启用（默认立即启用）")

    def handle(self, *args: Any, **options: Any) -> None:
        files = [Path(f) for f in options["files"]]
        if options["check"]:
            targets = files or sorted(services.SHIPPED_DIR.glob("*.yaml"))
            failed = False
            for path in targets:
                try:
                    book = load_rulebook_file(path)
                except RulebookError as exc:
                    failed = True
                    self.stderr.write(f"{path}：校验未通过")
                    for message in exc.messages:
                        self.stderr.write(f"  - {message}")
                else:
                    self.stdout.write(
                        f"{path}：通过（{book.year}年 {book.kind}，{sum(1 for _ in book.iter_indicators())} 项指标）"
                    )
            if failed:
                raise CommandError("有细则文件未通过校验")
            return
        actor = self.acting_user(options)
        if not files:
            created = services.load_shipped(actor)
            for rb in created:
                self.stdout.write(f"已加载默认细则：{rb}")
            if not created:
                self.stdout.write("默认细则已存在，未重复加载。")
            return
        for path in files:
            try:
                rb = services.create_version(
                    actor,
                    path.read_text(encoding="utf-8"),
                    note=options["note"] or f"由 {path.name} 加载",
                    activate=not options["no_activate"],
                    background=False,  # the command waits for the rescore itself
                )
            except ValidationError as exc:
                for message in exc.messages:
                    self.stderr.write(f"  - {message}")
                raise CommandError(f"{path}：校验未通过，未写入") from exc
            self.stdout.write(self.style.SUCCESS(f"已加载：{rb}{'（已启用）' if rb.is_active else ''}"))
