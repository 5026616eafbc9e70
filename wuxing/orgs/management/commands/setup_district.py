from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from wuxing.core.management.base import WuxingCommand
from wuxing.orgs import services


class Command(WuxingCommand):
    help = "新安装时建立区级组织（组织树的根），之后在网页上或用 Excel 导入建立街道/镇和村/社区党组织。"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--code", required=True, help="区的组织编码，如 BG")
        parser.add_argument("--name", required=True, help="区的名称，如 北关区")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self.acting_user(options)
        try:
            district = services.create_district(
                actor, code=options["code"], name=options["name"], reason="初始化"
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"已建立：{district.name}（{district.code}）"))
