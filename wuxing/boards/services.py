"""Every write of 补齐短板: authority first (wuxing/boards/rules.py), one transaction, the change history
(simple_history, who and why) on tasks and visits and a DecisionLog row per task transition.

The life of a task: open → done (closing needs at least one evidence file among its notes, or one sent
with the closing note) or open → cancelled (the street or the district, with a reason). A closed or
cancelled task is not edited any more; a gap that opens again gets a new task.
A refused action raises PermissionDenied (not allowed) or ValidationError (not now / bad input), in
Chinese, before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from wuxing.boards.models import FocusArea, HelpVisit, Task, TaskNote, TaskStatus
from wuxing.core.dates import DateError, check_year
from wuxing.core.services import log_decision, real_user, require_perm, save_with_history
from wuxing.core.uploads import check_evidence
from wuxing.core.workdays import today
from wuxing.orgs.models import Level, OrgUnit

# A task made from the gap list is due at the end of the year it was made for, unless the caller says
# otherwise (docs/decisions.md §49).
DEFAULT_OWNER = ""


def default_deadline(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def _check_branch(org: OrgUnit) -> None:
    if org.level != Level.BRANCH:
        raise ValidationError("短板任务只能建在村/社区党组织上")


def _check_date(day: dt.date, label: str) -> None:
    try:
        check_year(day)
    except DateError as exc:
        raise ValidationError(f"{label}：{exc}") from exc


def _check_focus(focus: FocusArea | None, org: OrgUnit) -> None:
    if focus is not None and not focus.applies_to(org.area_kind):
        raise ValidationError({"focus_area": f"重点领域“{focus.name}”不适用于{org.get_area_kind_display()}"})


def create_task(
    actor: Any,
    org: OrgUnit,
    *,
    year: int,
    title: str,
    deadline: dt.date,
    owner: str = "",
    focus_area: FocusArea | None = None,
    star_code: str = "",
    indicator_code: str = "",
    reason: str = "",
    is_demo: bool = False,
) -> Task:
    require_perm(actor, "boards.create_task", org)
    _check_branch(org)
    _check_focus(focus_area, org)
    _check_date(deadline, "完成时限")
    task = Task(
        org=org,
        year=year,
        title=title.strip(),
        deadline=deadline,
        owner=owner.strip(),
        focus_area=focus_area,
        star_code=star_code,
        indicator_code=indicator_code,
        created_by=real_user(actor),
        is_demo=is_demo,
    )
    with transaction.atomic():
        if (
            star_code
            and Task.objects.filter(
                org=org, year=year, gap_key=Task.key_of(star_code, indicator_code), status=TaskStatus.OPEN
            ).exists()
        ):
            raise ValidationError("该差距项已有进行中的任务")
        save_with_history(task, actor, reason or "新建短板任务")
        log_decision(task, "task_created", actor, to_state=TaskStatus.OPEN, comment=reason or task.title)
    return task


@dataclass(frozen=True)
class GapItem:
    """One missing item of an organisation's gap list: a star and (for a required indicator not met)
    the indicator; the title says what is missing, as the engine's reasons do."""

    star_code: str
    indicator_code: str
    title: str


def gap_items(result: Any) -> list[GapItem]:
    """The engine's gap list as task items (docs/decisions.md §49): one per required indicator not met,
    one per star short of points or vetoed; a star missing only because it needs another star gets none
    (the task of that other star closes it)."""
    items: list[GapItem] = []
    for sr in result.star_results.values():
        if sr.awarded:
            continue
        for mi in sr.missing_indicators:
            items.append(GapItem(sr.code, mi.code, f"{sr.name}：{mi.text}"[:200]))
        own = [r for r in sr.reasons if not r.startswith("须先获得") and not r.startswith("必达指标未达标")]
        if own and (sr.gap_points > 0 or sr.vetoed_by):
            items.append(GapItem(sr.code, "", f"{sr.name}：{'；'.join(own)}"[:200]))
    return items


def create_from_gaps(
    actor: Any,
    org: OrgUnit,
    year: int,
    *,
    deadline: dt.date | None = None,
    owner: str = "",
    is_demo: bool = False,
) -> list[Task]:
    """One task per missing item of the organisation's gap list for `year`; an item that already has an
    open task is skipped, so a second click adds nothing."""
    from wuxing.rules.queries import rate

    require_perm(actor, "boards.create_task", org)
    _check_branch(org)
    deadline = deadline or default_deadline(year)
    _check_date(deadline, "完成时限")
    rows = rate(actor, year, org_ids=[org.pk])
    if not rows:
        raise ValidationError(f"{year} 年度没有该组织的评定结果（该年度未启用其类型的细则）")
    items = gap_items(rows[0].result)
    # a task for an indicator takes the focus area the rulebook names for it (focus_area in the YAML)
    # (a task for a whole star: the one focus area its indicators name, if they name exactly one)
    named: dict[str, str | None] = {}
    for star in rows[0].rulebook.rulebook.stars:
        for ind in star.indicators:
            named[ind.code] = ind.focus_area
        own = {ind.focus_area for ind in star.indicators if ind.focus_area}
        named[f"{star.code}:"] = own.pop() if len(own) == 1 else None
    areas = {f.name: f for f in FocusArea.objects.all()}
    created: list[Task] = []
    with transaction.atomic():
        taken = set(
            Task.objects.select_for_update()
            .filter(org=org, year=year, status=TaskStatus.OPEN)
            .exclude(gap_key="")
            .values_list("gap_key", flat=True)
        )
        for item in items:
            key = Task.key_of(item.star_code, item.indicator_code)
            if key in taken:
                continue
            taken.add(key)
            task = Task(
                org=org,
                year=year,
                star_code=item.star_code,
                indicator_code=item.indicator_code,
                title=item.title,
                deadline=deadline,
                owner=owner,
                focus_area=_area_for(areas, named.get(item.indicator_code or f"{item.star_code}:"), org),
                created_by=real_user(actor),
                is_demo=is_demo,
            )
            save_with_history(task, actor, "按差距清单生成")
            log_decision(task, "task_created", actor, to_state=TaskStatus.OPEN, comment="按差距清单生成")
            created.append(task)
    return created


def _area_for(areas: dict[str, FocusArea], name: str | None, org: OrgUnit) -> FocusArea | None:
    area = areas.get(name or "")
    return area if area is not None and area.applies_to(org.area_kind) else None


def _require_open(task: Task) -> None:
    if task.status != TaskStatus.OPEN:
        raise ValidationError(f"任务已{task.get_status_display()}，不能再修改")


def update_task(
    actor: Any,
    task: Task,
    changes: dict[str, Any],
    reason: str = "",
    *,
    expected_version: int | None = None,
) -> Task:
    """Edit or re-assign an open task (title, owner, deadline, focus area)."""
    require_perm(actor, "boards.change_task", task)
    _require_open(task)
    allowed = {"title", "owner", "deadline", "focus_area"}
    for key, value in changes.items():
        if key not in allowed:
            raise ValidationError(f"不能修改“{key}”")
        setattr(task, key, value.strip() if isinstance(value, str) else value)
    _check_focus(task.focus_area, task.org)
    _check_date(task.deadline, "完成时限")
    save_with_history(task, actor, reason or "修改短板任务", expected_version=expected_version)
    return task


def _attach(note: TaskNote, uploaded: Any) -> None:
    if uploaded is not None:
        check_evidence(uploaded)
        note.evidence = uploaded
        note.evidence_name = (uploaded.name or "佐证材料")[:255]


def add_note(actor: Any, task: Task, text: str, uploaded: Any = None) -> TaskNote:
    """A progress note (with an optional photo or document) on an open task."""
    require_perm(actor, "boards.progress_task", task)
    _require_open(task)
    if not text.strip():
        raise ValidationError({"text": "请填写进展情况"})
    note = TaskNote(task=task, text=text.strip()[:1000], by=real_user(actor))
    _attach(note, uploaded)
    with transaction.atomic():
        note.full_clean()
        note.save()
        log_decision(task, "note_added", actor, comment=note.text)
    return note


def close_task(
    actor: Any,
    task: Task,
    text: str,
    uploaded: Any = None,
    *,
    expected_version: int | None = None,
    on: dt.date | None = None,
) -> Task:
    """Close a task as done: a closing note, and at least one evidence file (sent now or among the
    notes). Refused, writing nothing, otherwise."""
    require_perm(actor, "boards.progress_task", task)
    _require_open(task)
    if not text.strip():
        raise ValidationError({"text": "请填写完成情况"})
    if uploaded is not None:
        check_evidence(uploaded)
    with transaction.atomic():
        has_evidence = TaskNote.objects.filter(task=task).exclude(evidence="").exists()
        if uploaded is None and not has_evidence:
            raise ValidationError("完成任务须上传至少一份佐证材料（照片或文件）")
        note = TaskNote(task=task, text=text.strip()[:1000], by=real_user(actor))
        _attach(note, uploaded)
        task.status = TaskStatus.DONE
        task.closed_on = on or today()
        save_with_history(task, actor, "完成短板任务", expected_version=expected_version)
        note.full_clean()
        note.save()
        log_decision(
            task,
            "task_closed",
            actor,
            from_state=TaskStatus.OPEN,
            to_state=TaskStatus.DONE,
            comment=note.text,
        )
    return task


def cancel_task(actor: Any, task: Task, reason: str, *, expected_version: int | None = None) -> Task:
    require_perm(actor, "boards.change_task", task)
    _require_open(task)
    if not reason.strip():
        raise ValidationError({"reason": "请填写取消原因"})
    with transaction.atomic():
        task.status = TaskStatus.CANCELLED
        save_with_history(task, actor, reason, expected_version=expected_version)
        log_decision(
            task,
            "task_cancelled",
            actor,
            from_state=TaskStatus.OPEN,
            to_state=TaskStatus.CANCELLED,
            comment=reason,
        )
    return task


# --- dispatched units' help visits -------------------------------------------------------------------------


def log_visit(
    actor: Any,
    org: OrgUnit,
    *,
    visited_on: dt.date,
    money: Decimal = Decimal("0"),
    projects: str = "",
    people: int = 0,
    note: str = "",
    is_demo: bool = False,
) -> HelpVisit:
    """A help visit of the organisation's assigned unit (the unit itself, or the district for it)."""
    if actor is None or not actor.has_perm("boards.log_visit", org):
        raise PermissionDenied("您没有权限执行此操作")
    if org.assigned_unit_id is None:
        raise ValidationError("该组织尚未指定分包区直单位")
    _check_date(visited_on, "走访日期")
    if visited_on > today():
        raise ValidationError({"visited_on": "走访日期不能晚于今天"})
    if money < 0:
        raise ValidationError({"money": "帮扶资金不能为负数"})
    visit = HelpVisit(
        unit_id=org.assigned_unit_id,
        org=org,
        visited_on=visited_on,
        money=money,
        projects=projects.strip(),
        people=people,
        note=note.strip(),
        by=real_user(actor),
        is_demo=is_demo,
    )
    save_with_history(visit, actor, "登记帮扶走访")
    return visit


def focus_areas_for(org: OrgUnit) -> Iterable[FocusArea]:
    return [f for f in FocusArea.objects.all() if f.applies_to(org.area_kind)]
