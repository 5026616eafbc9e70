from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from wuxing.core.dates import YEAR_MAX, YEAR_MIN
from wuxing.core.excel import write_workbook
from wuxing.core.management.base import WuxingCommand
from wuxing.core.scoping import visible_orgs
from wuxing.funds import exports, queries
from wuxing.funds.api import as_json
from wuxing.funds.engine import ITEMS
from wuxing.orgs.models import Level


class Command(WuxingCommand):
    help = "计算某年度的投入保障与奖励款项（每行附依据与计算；与页面、API 使用同一规则）。"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--year", type=int, required=True, help="年度，如 2024")
        parser.add_argument("--street", help="只看某街道/镇（编码或名称）")
        parser.add_argument("--item", choices=ITEMS, help="只看某一项目")
        parser.add_argument(
            "--format",
            choices=["table", "json", "jsonl", "xlsx"],
            default="table",
            help="table 表格；json 一个数组；jsonl 每行一笔；xlsx Excel（需 --output）",
        )
        parser.add_argument("--output", help="输出文件（xlsx 必填；其余默认输出到屏幕）")

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.acting_user(options)
        year = options["year"]
        if not YEAR_MIN <= year <= YEAR_MAX:
            raise CommandError(f"年度应在 {YEAR_MIN}–{YEAR_MAX} 之间")
        street = None
        if options["street"]:
            key = options["street"]
            street = (
                visible_orgs(user).filter(level=Level.STREET, code__iexact=key).first()
                or visible_orgs(user).filter(level=Level.STREET, name=key).first()
            )
            if street is None:
                raise CommandError(f"找不到街道/镇“{key}”（或无权查看）")
        result = queries.entitlements(user, year, street=street, item=options["item"])
        fmt = options["format"]
        for message in result.outcome.missing:
            self.stderr.write(f"未计算：{message}")
        if fmt == "xlsx":
            if not options["output"]:
                raise CommandError("--format xlsx 需要 --output 文件名")
            with open(options["output"], "wb") as fh:
                write_workbook(exports.sheets(result), fh)
            self.stderr.write(f"已写入 {options['output']}（{len(result.lines)} 笔）")
            return
        if fmt == "json":
            text = [json.dumps([as_json(line) for line in result.lines], ensure_ascii=False, indent=1)]
        elif fmt == "jsonl":
            text = [json.dumps(as_json(line), ensure_ascii=False) for line in result.lines]
        else:
            text = [
                f"{line.org.street_name}\t{line.org.code}\t{line.org.name}\t{line.item_label}\t"
                f"{line.person_name or ''}\t{line.amount:,.2f}\t{line.rule}"
                for line in result.lines
            ]
            text += [f"合计\t{name}\t{total:,.2f}" for _code, name, total in result.street_totals()]
            text.append(f"全区合计\t{result.total:,.2f}")
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as out:
                out.write("\n".join(text) + "\n")
            self.stderr.write(f"已写入 {options['output']}（{len(result.lines)} 笔）")
        else:
            for line in text:
                self.stdout.write(line)
