from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import transaction
from rich.progress import Progress

from wuxing.core.management.base import WuxingCommand
from wuxing.rules import services


class Command(WuxingCommand):
    help = "按当前启用的细则版本重新计分（启用新版本时会自动进行；数据量很大时可在此手动运行并查看进度）。"
    lock_name = "rescore"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--year", type=int, required=True, help="年度")
        parser.add_argument("--kind", choices=["rural", "community"], help="只处理农村或城市社区")

    def handle(self, *args: Any, **options: Any) -> None:
        kinds = [options["kind"]] if options["kind"] else ["rural", "community"]
        versions = [rb for k in kinds if (rb := services.active_rulebook(options["year"], k)) is not None]
        if not versions:
            raise CommandError(f"{options['year']}年没有启用的星级细则")
        with self.lock(), Progress(console=None, transient=False) as bar:
            for rb in versions:
                task = bar.add_task(f"{rb}", total=None)

                def show(done: int, total: int, task: Any = task) -> None:
                    bar.update(task, completed=done, total=total)

                with transaction.atomic():
                    scored, unscored = services.rescore(rb, progress=show)
                self.stdout.write(
                    f"{rb}：已计分 {scored} 项"
                    + (f"，{len(unscored)} 项不符合细则未计分" if unscored else "")
                )
                for org_code, code in unscored[:20]:
                    self.stdout.write(f"  - {org_code} {code}")
