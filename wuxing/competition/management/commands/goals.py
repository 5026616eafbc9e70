from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from wuxing.competition import exports, goals
from wuxing.core.dates import YEAR_MAX, YEAR_MIN
from wuxing.core.excel import write_workbook
from wuxing.core.management.base import WuxingCommand


class Command(WuxingCommand):
    help = "某年度的目标达成：每个街道(镇)是否达标、差多少、最接近达标的组织（与页面、API 使用同一规则）。"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--year", type=int, required=True, help="年度，如 2023")
        parser.add_argument(
            "--format", choices=["table", "json", "xlsx"], default="table",
            help="table 表格；json；xlsx Excel（需 --output）",
        )  # fmt: skip
        parser.add_argument("--output", help="输出文件（xlsx 必填；其余默认输出到屏幕）")

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.acting_user(options)
        year = options["year"]
        if not YEAR_MIN <= year <= YEAR_MAX:
            raise CommandError(f"年度应在 {YEAR_MIN}–{YEAR_MAX} 之间")
        report = goals.evaluate(user, year)
        fmt = options["format"]
        if fmt == "xlsx":
            if not options["output"]:
                raise CommandError("--format xlsx 需要 --output 文件名")
            with open(options["output"], "wb") as fh:
                write_workbook(exports.goal_sheets(report), fh)
            self.stderr.write(f"已写入 {options['output']}（{len(report.streets)} 个街道/镇）")
            return
        if fmt == "json":
            text = [json.dumps(report.as_json(), ensure_ascii=False, indent=1)]
        else:
            text = [f"{year} 年度目标（星级来源：{report.source}）"]
            text += [f"- {g['text']}（依据：{g['basis']}）" for g in report.goals]
            text.append("街道/镇\t组织数\t未达目标星级\t五星\t计入四星\t达标\t原因")
            for s in report.streets:
                text.append(
                    f"{s.name}\t{s.orgs}\t{s.below}\t{s.fives}\t{s.fours}\t{'是' if s.met else '否'}\t"
                    + "；".join(s.reasons)
                )
                for goal, items in s.closest.items():
                    for c in items:
                        text.append(
                            f"\t最接近（{exports.GOAL_LABELS[goal]}）\t{c.code}\t{c.name}\t{c.level}星→{c.target}星"
                            f"\t差距 {c.items} 项"
                        )
            text.append(f"达标街道/镇：{report.met_count} / {len(report.streets)}")
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as out:
                out.write("\n".join(text) + "\n")
            self.stderr.write(f"已写入 {options['output']}")
        else:
            for line in text:
                self.stdout.write(line)
