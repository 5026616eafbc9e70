from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from django.core.management.base import CommandError, CommandParser

from wuxing.core.excel import write_workbook
from wuxing.core.management.base import WuxingCommand
from wuxing.core.scoping import visible_orgs
from wuxing.orgs.models import Level
from wuxing.rules import exports, kept, queries


class Command(WuxingCommand):
    help = "按当前启用的星级细则计算星级（与页面、API 使用同一引擎）。"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--year", type=int, required=True, help="年度，如 2023")
        parser.add_argument("--street", help="只评定某街道/镇（名称或编码）")
        parser.add_argument("--kind", choices=["rural", "community"], help="只评定农村或城市社区")
        parser.add_argument(
            "--format",
            choices=["table", "json", "jsonl", "xlsx"],
            default="table",
            help="table 表格；json 一个数组（逐个组织写出）；jsonl 每行一个组织；xlsx Excel（需 --output）",
        )
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
        if not queries.year_versions(options["year"]):
            raise CommandError(f"{options['year']}年没有启用的星级细则；先运行 wuxing load_rulebooks")
        year, kind = options["year"], options["kind"]
        fmt = options["format"]

        def rows(only_kind: str | None = kind) -> Iterator[queries.RatingRow]:
            return kept.iter_rows(user, year, street=street, kind=only_kind)

        if fmt == "xlsx":
            if not options["output"]:
                raise CommandError("--format xlsx 需要 --output 文件名")
            versions = kept.export_versions(user, year, street=street, kind=kind)
            count = 0

            def counted(only_kind: str) -> Iterator[queries.RatingRow]:
                nonlocal count
                for row in rows(only_kind):
                    count += 1
                    yield row

            with open(options["output"], "wb") as fh:
                write_workbook(exports.ratings_sheets(year, versions, counted), fh)
            self.stderr.write(f"已写入 {options['output']}（{count} 个组织）")
            return
        lines: Iterator[str]
        if fmt == "json":
            lines = _json_array(rows())
        elif fmt == "jsonl":
            lines = (json.dumps(r.as_json(), ensure_ascii=False) for r in rows())
        else:
            lines = exports.ratings_table(rows())
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as text:
                n = _write_lines(lines, lambda line: text.write(line + "\n"))
            self.stderr.write(f"已写入 {options['output']}（{n} 行）")
        else:
            _write_lines(
                lines, self.stdout.write
            )  # adds the newline; not sys.stdout: call_command(stdout=…) must capture it


def _json_array(rows: Iterator[queries.RatingRow]) -> Iterator[str]:
    """A JSON array written one organisation per line, so the document is never built in memory."""
    first = True
    yield "["
    for row in rows:
        text = json.dumps(row.as_json(), ensure_ascii=False)
        yield text if first else "," + text
        first = False
    yield "]"


def _write_lines(lines: Iterator[str], write_line: Callable[[str], Any]) -> int:
    n = 0
    for line in lines:
        write_line(line)
        n += 1
    return n
