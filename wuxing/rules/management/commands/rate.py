from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from wuxing.core.excel import write_workbook
from wuxing.core.management.base import WuxingCommand
from wuxing.core.scoping import visible_orgs
from wuxing.orgs.models import Level
from wuxing.rules import exports, queries


class Command(WuxingCommand):
    help = "按当前启用的星级细则计算星级（与页面、API 使用同一引擎）。"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--year", type=int, required=True, help="年度，如 2023")
        parser.add_argument("--street", help="只评定某街道/镇（名称或编码）")
        parser.add_argument("--kind", choices=["rural", "community"], help="只评定农村或城市社区")
        parser.add_argument("--format", choices=["table", "json", "xlsx"], default="table")
        parser.add_argument("--output", help="输出文件（xlsx 必填；json/table 默认输出到屏幕）")

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.acting_user(options)
        street = None
        if options["street"]:
            key = options["street"]
            street = (
                visible_orgs(user).filter(level=Level.STREET, code__iexact=key).first()
                or visible_orgs(user).filter(level=Level.STREET, name=key).first()
            )
            if street is None:
                raise CommandError(f"找不到街道/镇“{key}”（或无权查看）")
        if not queries.active_versions(options["year"]):
            raise CommandError(f"{options['year']}年没有启用的星级细则；先运行 wuxing load_rulebooks")
        rows = queries.rate(user, options["year"], street=street, kind=options["kind"])
        fmt = options["format"]
        if fmt == "xlsx":
            if not options["output"]:
                raise CommandError("--format xlsx 需要 --output 文件名")
            with open(options["output"], "wb") as fh:
                write_workbook(exports.ratings_sheets(rows, options["year"]), fh)
            self.stderr.write(f"已写入 {options['output']}（{len(rows)} 个组织）")
            return
        if fmt == "json":
            text = json.dumps([r.as_json() for r in rows], ensure_ascii=False, indent=1)
        else:
            text = exports.ratings_table(rows)
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
            self.stderr.write(f"已写入 {options['output']}（{len(rows)} 个组织）")
        else:
            self.stdout.write(text)  # not sys.stdout: call_command(stdout=…) must capture it
