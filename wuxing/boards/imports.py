"""The short-board list in Excel: the export (streamed, one query for the rows and their counts) and the
all-or-nothing import of the same columns (core/excel.py `run_checked_import`, "第N行 第M列" messages).

A row with 任务编号 updates that open task (任务, 重点领域, 责任人, 完成时限); a row without creates a task
for the organisation (组织编码) — the importer may create tasks only where the page would let them (the
street for its own organisations, the district everywhere). The export's computed columns (街道/镇,
组织名称, 状态, 是否逾期, 进展条数, 佐证材料数, 完成日期) are read back and ignored, so an exported file can
be edited and imported again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from wuxing.boards import queries, services
from wuxing.boards.models import FocusArea, Task, TaskStatus
from wuxing.core.dates import DateError, parse_date
from wuxing.core.excel import (
    CheckedRows,
    Column,
    ImportReport,
    RowError,
    Sheet,
    run_checked_import,
    template_sheets,
)
from wuxing.core.numbers import NumberError, parse_whole
from wuxing.core.scoping import visible_orgs
from wuxing.core.uploads import check_xlsx_upload
from wuxing.core.workdays import today
from wuxing.orgs.models import Level, OrgUnit

SHEET = "短板任务"
COLUMNS = [
    Column("id", "任务编号", help="修改已有任务时填写（导出文件自带）；新建任务留空", width=10),
    Column("street", "街道/镇", help="导出时填写，导入时不读取"),
    Column("org_code", "组织编码", required=True, help="村/社区党组织编码"),
    Column("org_name", "组织名称", help="导出时填写，导入时不读取", width=20),
    Column("year", "年度", required=True, width=8),
    Column("star_code", "星", help="差距项所属的星（编码，如 zbgy），可空", width=10),
    Column("indicator_code", "指标编码", help="差距项的指标编码，可空", width=18),
    Column("title", "任务", required=True, width=40),
    Column("focus", "重点领域", help="重点领域名称，可空", width=24),
    Column("owner", "责任人", width=10),
    Column("deadline", "完成时限", required=True, help="日期，如 2024-06-30", width=12),
    Column("status", "状态", help="导出时填写，导入时不读取", width=8),
    Column("overdue", "是否逾期", help="导出时填写，导入时不读取", width=8),
    Column("notes", "进展条数", help="导出时填写，导入时不读取", width=8),
    Column("evidence", "佐证材料数", help="导出时填写，导入时不读取", width=8),
    Column("closed_on", "完成日期", help="导出时填写，导入时不读取", width=12),
]
EXAMPLE = [
    "",
    "",
    "XZJ001",
    "",
    2024,
    "cyxw",
    "cyxw.income",
    "发展村集体经济",
    "村集体经济增收",
    "张三",
    "2024-12-31",
]


def export_rows(tasks: QuerySet[Task]) -> Iterator[list[Any]]:
    on = today()
    streets = dict(OrgUnit.objects.filter(level=Level.STREET).values_list("path", "name"))
    qs = (
        queries.with_counts(tasks).select_related("org", "focus_area").order_by("org__code", "deadline", "pk")
    )
    for t in qs.iterator(chunk_size=2000):
        yield [
            t.pk,
            streets.get(t.org.path[: queries.STREET_PATH_LEN], ""),
            t.org.code,
            t.org.name,
            t.year,
            t.star_code,
            t.indicator_code,
            t.title,
            t.focus_area.name if t.focus_area else "",
            t.owner,
            t.deadline,
            t.get_status_display(),
            "是" if t.is_overdue(on) else "",
            t.note_count,  # type: ignore[attr-defined]
            t.evidence_count,  # type: ignore[attr-defined]
            t.closed_on,
        ]


def export_sheets(tasks: QuerySet[Task]) -> list[Sheet]:
    return [Sheet(SHEET, COLUMNS, export_rows(tasks), frozen_columns=4)]


def template() -> list[Sheet]:
    names = "、".join(FocusArea.objects.values_list("name", flat=True))
    return template_sheets(SHEET, COLUMNS, EXAMPLE, rules=[f"重点领域可选：{names}"])


@dataclass
class Plan:
    creates: list[dict[str, Any]] = field(default_factory=list)
    updates: list[tuple[Task, dict[str, Any]]] = field(default_factory=list)


def _text(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    return "" if value is None else str(value).strip()


def import_tasks(actor: Any, fileobj: Any) -> ImportReport:
    check_xlsx_upload(fileobj)

    def check(records: list[tuple[int, dict[str, Any]]]) -> CheckedRows[Plan]:
        checked: CheckedRows[Plan] = CheckedRows(Plan())
        codes = {_text(r, "org_code") for _n, r in records}
        orgs = {o.code: o for o in visible_orgs(actor).filter(level=Level.BRANCH, code__in=codes)}
        ids = []
        for _n, r in records:
            try:
                if _text(r, "id"):
                    ids.append(parse_whole(_text(r, "id"), max_value=2**31 - 1, min_value=1))
            except NumberError:
                pass
        existing = {t.pk: t for t in queries.visible_tasks(actor).filter(pk__in=ids)}
        focus = {f.name: f for f in FocusArea.objects.all()}
        open_keys = set(
            Task.objects.filter(org__in=list(orgs.values()), status=TaskStatus.OPEN)
            .exclude(gap_key="")
            .values_list("org_id", "year", "gap_key")
        )
        for rownum, r in records:
            try:
                checked_row = _check_row(actor, r, orgs, existing, focus, open_keys)
            except (RowError, ValidationError) as exc:
                checked.problems.append((rownum, exc))
                continue
            if isinstance(checked_row, tuple):
                _task, changes = checked_row
                if changes:
                    checked.plan.updates.append(checked_row)
                    checked.updated += 1
                else:
                    checked.unchanged += 1
            else:
                checked.plan.creates.append(checked_row)
                checked.created += 1
        return checked

    def write(checked: CheckedRows[Plan]) -> None:
        for kwargs in checked.plan.creates:
            org = kwargs.pop("org")
            services.create_task(actor, org, reason="Excel 导入", **kwargs)
        for task, changes in checked.plan.updates:
            services.update_task(actor, task, changes, "Excel 导入")

    return run_checked_import(fileobj, COLUMNS, check, write, sheet=SHEET)


def _check_row(
    actor: Any,
    r: dict[str, Any],
    orgs: dict[str, OrgUnit],
    existing: dict[int, Task],
    focus: dict[str, FocusArea],
    open_keys: set[tuple[int, int, str]],
) -> dict[str, Any] | tuple[Task, dict[str, Any]]:
    code = _text(r, "org_code")
    org = orgs.get(code)
    if org is None:
        raise RowError(f"组织编码“{code[:32]}”不存在或不在您的范围内", "org_code")
    try:
        year = parse_whole(_text(r, "year"), max_value=2100, min_value=1900)
    except NumberError as exc:
        raise RowError(str(exc), "year") from None
    title = _text(r, "title")
    if not title:
        raise RowError("请填写任务", "title")
    if len(title) > 200:
        raise RowError("任务不能超过 200 个字", "title")
    owner = _text(r, "owner")
    if len(owner) > 50:
        raise RowError("责任人不能超过 50 个字", "owner")
    try:
        deadline = parse_date(r.get("deadline") if r.get("deadline") is not None else "")
    except DateError as exc:
        raise RowError(str(exc), "deadline") from None
    focus_name = _text(r, "focus")
    area = None
    if focus_name:
        area = focus.get(focus_name)
        if area is None:
            raise RowError(f"不认识的重点领域“{focus_name[:30]}”", "focus")
        if not area.applies_to(org.area_kind):
            raise RowError(f"重点领域“{area.name}”不适用于{org.get_area_kind_display()}", "focus")
    star_code, indicator_code = _text(r, "star_code"), _text(r, "indicator_code")
    if len(star_code) > 32 or len(indicator_code) > 64:
        raise RowError("星或指标编码过长", "star_code")
    if indicator_code and not star_code:
        raise RowError("填写指标编码时须同时填写星", "star_code")
    raw_id = _text(r, "id")
    if raw_id:
        try:
            task = existing.get(parse_whole(raw_id, max_value=2**31 - 1, min_value=1))
        except NumberError:
            task = None
        if task is None:
            raise RowError(f"任务编号 {raw_id[:12]} 不存在或不在您的范围内", "id")
        if not actor.has_perm("boards.change_task", task):
            raise RowError("您没有权限修改此任务", "id")
        if task.org_id != org.pk or task.year != year:
            raise RowError("任务编号与组织编码、年度不一致", "org_code")
        new = {"title": title, "owner": owner, "deadline": deadline, "focus_area": area}
        changes = {k: v for k, v in new.items() if getattr(task, k) != v}
        if changes and task.status != TaskStatus.OPEN:
            raise RowError(f"任务已{task.get_status_display()}，不能再修改", "id")
        return task, changes
    if not actor.has_perm("boards.create_task", org):
        raise RowError("您没有权限为此组织新建任务", "org_code")
    if star_code:
        key = (org.pk, year, Task.key_of(star_code, indicator_code))
        if key in open_keys:
            raise RowError("该差距项已有进行中的任务", "indicator_code")
        open_keys.add(key)
    if deadline < dt.date(year, 1, 1):
        raise RowError("完成时限早于该年度", "deadline")
    return {
        "org": org,
        "year": year,
        "title": title,
        "owner": owner,
        "deadline": deadline,
        "focus_area": area,
        "star_code": star_code,
        "indicator_code": indicator_code,
    }
