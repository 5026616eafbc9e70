"""一星一专班: a working group per star (leader, members, duties; the district keeps them) and the progress
summary per star generated from the data — for a year, how many organisations hold the star, how many
gained it and lost it against the year before (each year's result as rules.queries.rate gives it: the
official record of a named year, the live rating otherwise), and the star's open short-board tasks.
Printable (PDF) and exportable (Excel)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q

from wuxing.boards.models import Task, TaskStatus, WorkingGroup
from wuxing.boards.queries import visible_tasks
from wuxing.core.excel import Column
from wuxing.core.services import require_perm, save_with_history


@dataclass
class StarLine:
    code: str
    name: str
    held: int = 0
    held_before: int = 0
    gained: int = 0
    lost: int = 0
    open_tasks: int = 0
    overdue_tasks: int = 0
    group: WorkingGroup | None = None


def summary(user: Any, year: int, on: Any) -> list[StarLine]:
    """One line per star of the year's rulebooks (rural and community stars of one code together)."""
    from wuxing.rules.queries import rate

    now = {r.org_id: (r.rulebook, set(r.result.stars)) for r in rate(user, year)}
    before = {r.org_id: set(r.result.stars) for r in rate(user, year - 1)}
    lines: dict[str, StarLine] = {}
    for rulebook, _stars in now.values():
        for star in rulebook.rulebook.stars:
            lines.setdefault(star.code, StarLine(star.code, star.name))
    for org_id, (_rb, stars) in now.items():
        prev = before.get(org_id, set())
        for code in stars:
            line = lines[code]
            line.held += 1
            if code not in prev:
                line.gained += 1
        for code in prev - stars:
            if code in lines:
                lines[code].lost += 1
    for org_id, prev in before.items():
        for code in prev:
            if code in lines:
                lines[code].held_before += 1
        if org_id not in now:
            for code in prev:
                if code in lines:
                    lines[code].lost += 1
    tasks = (
        visible_tasks(user)
        .filter(year=year, status=TaskStatus.OPEN)
        .exclude(star_code="")
        .order_by()
        .values("star_code")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(deadline__lt=on)))
    )
    for row in tasks:
        if row["star_code"] in lines:
            lines[row["star_code"]].open_tasks = row["n"]
            lines[row["star_code"]].overdue_tasks = row["late"]
    for group in WorkingGroup.objects.filter(star_code__in=list(lines)):
        lines[group.star_code].group = group
    return list(lines.values())


COLUMNS = [
    Column("star", "星", width=14),
    Column("leader", "专班组长"),
    Column("members", "专班成员", width=30),
    Column("held", "获得组织数"),
    Column("held_before", "上年获得数"),
    Column("gained", "新获得"),
    Column("lost", "失去"),
    Column("open", "进行中的短板任务"),
    Column("overdue", "其中逾期"),
]


def rows(lines: list[StarLine]) -> Iterator[list[Any]]:
    for x in lines:
        yield [
            x.name,
            x.group.leader if x.group else "",
            x.group.members if x.group else "",
            x.held,
            x.held_before,
            x.gained,
            x.lost,
            x.open_tasks,
            x.overdue_tasks,
        ]


def save_group(
    actor: Any,
    star_code: str,
    *,
    leader: str,
    members: str = "",
    duties: str = "",
    expected_version: int | None = None,
    is_demo: bool = False,
) -> WorkingGroup:
    require_perm(actor, "boards.manage_groups")
    if not star_code.strip():
        raise ValidationError({"star_code": "请选择星"})
    group = WorkingGroup.objects.filter(star_code=star_code).first() or WorkingGroup(star_code=star_code)
    group.leader, group.members, group.duties, group.is_demo = (
        leader.strip(),
        members.strip(),
        duties.strip(),
        is_demo,
    )
    save_with_history(group, actor, "设立或调整星级专班", expected_version=expected_version)
    return group


__all__ = ["COLUMNS", "StarLine", "Task", "rows", "save_group", "summary"]
