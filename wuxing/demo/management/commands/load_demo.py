from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from wuxing.core.management.base import WuxingCommand
from wuxing.demo import services


class Command(WuxingCommand):
    help = "加载北关区演示数据（112 个村/社区党组织及演示账号）。数据库已有数据时不重复加载。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet-accounts", action="store_true", help="不打印演示账号")

    def handle(self, *args: Any, **options: Any) -> None:
        from wuxing.orgs.models import OrgUnit

        if OrgUnit.objects.exists():
            self.stdout.write("数据库中已有组织数据，跳过演示数据加载。")
        else:
            with self.lock("load_demo"):
                counts = services.load_registry()
            self.stdout.write(
                self.style.SUCCESS(
                    f"已加载北关区演示数据：{counts['streets']} 个街道/镇，{counts['organisations']} 个村/社区党组织，"
                    f"{counts['units']} 个区直单位。"
                )
            )
        if services.demo_loaded():
            self.post_registry_hooks()
            rows = services.ensure_demo_accounts()
            if not options["quiet_accounts"]:
                self.stdout.write(
                    f"\n演示账号（密码均为 {services.DEMO_PASSWORD}；仅在演示安装（WUXING_DEMO=1，make run 和 make dev 已设置）下可登录）："
                )
                for username, role, scope in rows:
                    self.stdout.write(f"  {username:<22} {role:<14} {scope}")

    def post_registry_hooks(self) -> None:
        """Later apps add their demo data here (idempotent)."""
        from wuxing.demo import hooks

        for hook in hooks.HOOKS:
            message = hook()
            if message:
                self.stdout.write(message)
