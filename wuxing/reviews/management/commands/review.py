from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from wuxing.core.management.base import WuxingCommand
from wuxing.core.scoping import visible_orgs
from wuxing.orgs.models import Level
from wuxing.reviews import queries
from wuxing.reviews.models import Stage


class Command(WuxingCommand):
    help = "年度评星：wuxing review status --year 2023 [--street CODE] 按街道/镇汇总各环节的组织数。"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        status = sub.add_parser("status", help="各街道/镇各环节的组织数")
        status.add_argument("--year", type=int, required=True, help="年度，如 2023")
        status.add_argument("--street", help="只看某街道/镇（编码或名称）")
        status.add_argument("--user", dest="acting_user", help="以该账号的权限范围汇总（默认全区）")

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.acting_user(options)
        street_code = None
        if options.get("street"):
            key = options["street"]
            street = (
                visible_orgs(user).filter(level=Level.STREET, code__iexact=key).first()
                or visible_orgs(user).filter(level=Level.STREET, name=key).first()
            )
            if street is None:
                raise CommandError(f"找不到街道/镇“{key}”（或无权查看）")
            street_code = street.code
        cycles = list(queries.visible_cycles().filter(year=options["year"]))
        if not cycles:
            raise CommandError(f"{options['year']}年尚未启动年度评星")
        progress = queries.progress(user, cycles, street_code)
        labels = [str(label) for _value, label in Stage.choices]
        for cycle in cycles:
            self.stdout.write(f"{cycle}（{cycle.get_status_display()}，细则第{cycle.rulebook.version}版）")
            self.stdout.write("\t".join(["街道/镇", *labels, "合计"]))
            rows = progress[cycle.pk]
            for row in rows:
                counts = [str(row.counts[s]) for s in Stage.values]
                self.stdout.write("\t".join([row.name, *counts, str(row.total)]))
            totals = queries.totals(rows)
            self.stdout.write(
                "\t".join(["合计", *(str(totals[s]) for s in Stage.values), str(sum(totals.values()))])
            )
