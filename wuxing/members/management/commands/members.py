"""`wuxing members register|step|extend|document`: the register and the recording of steps from the
command line, with the scoping, masking and rules of the pages and the API."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError, CommandParser

from wuxing.core.dates import DateError, parse_date
from wuxing.core.excel import Sheet, write_workbook
from wuxing.core.locking import EditConflict
from wuxing.core.management.base import WuxingCommand
from wuxing.members import queries, register, services, steps
from wuxing.members.api import _person


class Command(WuxingCommand):
    help = "发展党员：查看名册（身份证号隐藏）、记录步骤、延长预备期、录入请示/批复/公示（与页面同一规则）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        reg = sub.add_parser("register", help="名册")
        reg.add_argument("--format", choices=["table", "json", "xlsx"], default="table")
        reg.add_argument("--stage", type=int, choices=range(1, 6), help="只看某阶段 1–5")
        reg.add_argument("--output", help="输出文件（xlsx 必填）")
        step = sub.add_parser("step", help="记录步骤")
        step.add_argument("applicant", type=int, help="档案编号")
        step.add_argument("step", type=int, choices=range(1, 26), help="步骤 1–25")
        step.add_argument("date", help="日期，如 2024-03-01")
        step.add_argument("--decision", default="")
        step.add_argument("--comment", default="")
        step.add_argument(
            "--data",
            default="{}",
            help='规则数据（JSON），如 {"entitled": 20, "present": 15, "votes_for": 14}',
        )
        step.add_argument("--override-reason", default="", help="越过规则的理由（仅区委组织部）")
        ext = sub.add_parser("extend", help="延长预备期")
        ext.add_argument("applicant", type=int)
        ext.add_argument("date")
        ext.add_argument("months", type=int)
        ext.add_argument("--comment", default="")
        doc = sub.add_parser("document", help="录入请示、批复或公示")
        doc.add_argument("applicant", type=int)
        doc.add_argument("kind", choices=list(steps.doc_kinds()))
        doc.add_argument("date")
        doc.add_argument("--number", default="")
        doc.add_argument("--ends-on", help="公示截止日期")
        for each in (reg, step, ext, doc):  # after the action: `wuxing members step … --user sj_bz001`
            super().add_arguments(each)

    def handle(self, *args: Any, **options: Any) -> None:
        user = self.acting_user(options)
        action = options["action"]
        if action == "register":
            return self._register(user, options)
        applicant = queries.visible_applicants(user).filter(pk=options["applicant"]).first()
        if applicant is None:
            raise CommandError("找不到该档案（或无权查看）")
        try:
            day = parse_date(options["date"])
            if action == "step":
                try:
                    data = json.loads(options["data"])
                except json.JSONDecodeError as exc:
                    raise CommandError("--data 不是有效的 JSON") from exc
                if not isinstance(data, dict):
                    raise CommandError("--data 应为 JSON 对象")
                services.record_step(
                    user,
                    applicant,
                    options["step"],
                    day,
                    decision=options["decision"],
                    comment=options["comment"],
                    data=data,
                    override_reason=options["override_reason"],
                )
                self.stdout.write(
                    f"已记录：{applicant.name} {steps.step(options['step']).label} {day:%Y-%m-%d}"
                )
            elif action == "extend":
                services.extend_probation(user, applicant, day, options["months"], comment=options["comment"])
                self.stdout.write(f"已延长预备期：{applicant.name} {options['months']} 个月")
            else:
                ends = parse_date(options["ends_on"]) if options.get("ends_on") else None
                services.add_document(
                    user, applicant, options["kind"], day, number=options["number"], ends_on=ends
                )
                self.stdout.write(f"已录入：{applicant.name} {steps.doc_name(options['kind'])}")
        except (DateError, ValidationError, PermissionDenied, EditConflict) as exc:
            messages = getattr(exc, "messages", None) or [str(exc)]
            raise CommandError("；".join(str(m) for m in messages)) from exc

    def _register(self, user: Any, options: dict[str, Any]) -> None:
        qs = queries.register(user, stage=options["stage"])
        if options["format"] == "xlsx":
            if not options["output"]:
                raise CommandError("--format xlsx 需要 --output 文件名")
            with open(options["output"], "wb") as fh:
                write_workbook(
                    [
                        Sheet(
                            register.SHEET,
                            register.COLUMNS,
                            register.export_rows(queries.files_of(qs), full_ids=False),
                        )
                    ],
                    fh,
                )
            self.stderr.write(f"已写入 {options['output']}")
            return
        people = [_person(a, a.last_step) for a in qs]  # type: ignore[attr-defined]
        if options["format"] == "json":
            self.stdout.write(json.dumps(people, ensure_ascii=False, indent=1))
            return
        for p in people:
            self.stdout.write(
                f"{p['id']}\t{p['org_code']}\t{p['org_name']}\t{p['name']}\t{p['id_number']}\t{p['standing']}\t{p['last_step'] or '—'}"
            )
