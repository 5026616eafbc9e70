"""The read side of 补齐短板, always starting from the scoping choke point; set-based (a fixed number of
queries whatever the number of tasks, organisations or units)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import Substr
from django.urls import reverse

from wuxing.boards.models import HelpVisit, Task, TaskStatus
from wuxing.core.scoping import scope, sees_whole_district, visible_orgs, visible_units
from wuxing.core.workdays import today
from wuxing.orgs.models import DispatchedUnit, Level, OrgUnit

# How soon a deadline shows on the first page as "due" (calendar days).
DUE_WITHIN_DAYS = 7
# A unit without a help visit within this many days is "behind" ([open] default, docs/decisions.md §51).
VISIT_PERIOD_DAYS = 90
STREET_PATH_LEN = 2 * OrgUnit.steplen


def visible_tasks(user: Any) -> QuerySet[Task]:
    return scope(Task.objects.select_related("org", "focus_area"), user, "org")


def visible_visits(user: Any) -> QuerySet[HelpVisit]:
    return scope(HelpVisit.objects.select_related("org", "unit"), user, "org")


@dataclass
class TaskFilters:
    street: OrgUnit | None = None
    org: OrgUnit | None = None
    status: str = ""
    overdue: bool = False
    focus: int | None = None
    year: int | None = None


def filter_tasks(qs: QuerySet[Task], f: TaskFilters, on: dt.date | None = None) -> QuerySet[Task]:
    on = on or today()
    if f.street is not None:
        qs = qs.filter(org__path__startswith=f.street.path)
    if f.org is not None:
        qs = qs.filter(org=f.org)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.overdue:
        qs = qs.filter(status=TaskStatus.OPEN, deadline__lt=on)
    if f.focus is not None:
        qs = qs.filter(focus_area_id=f.focus)
    if f.year is not None:
        qs = qs.filter(year=f.year)
    return qs


def with_counts(qs: QuerySet[Task]) -> QuerySet[Task]:
    return qs.annotate(
        note_count=Count("notes", distinct=True),
        evidence_count=Count("notes", filter=~Q(notes__evidence=""), distinct=True),
    )


@dataclass
class StreetLine:
    name: str
    pk: int
    open: int = 0
    overdue: int = 0
    done: int = 0


def per_street(user: Any, qs: QuerySet[Task], on: dt.date | None = None) -> list[StreetLine]:
    """Open, overdue and done tasks per street (one grouped query, plus the streets)."""
    on = on or today()
    rows = (
        qs.order_by()
        .annotate(street_path=Substr("org__path", 1, STREET_PATH_LEN))
        .values("street_path")
        .annotate(
            open=Count("pk", filter=Q(status=TaskStatus.OPEN)),
            overdue=Count("pk", filter=Q(status=TaskStatus.OPEN, deadline__lt=on)),
            done=Count("pk", filter=Q(status=TaskStatus.DONE)),
        )
    )
    by_path = {r["street_path"]: r for r in rows}
    streets = OrgUnit.objects.filter(level=Level.STREET, path__in=list(by_path)).order_by("code")
    out = []
    for s in streets:
        r = by_path[s.path]
        out.append(StreetLine(s.name, s.pk, r["open"], r["overdue"], r["done"]))
    return out


@dataclass
class Due:
    label: str
    count: int
    url: str
    overdue: bool = False


def due_for(user: Any, on: dt.date | None = None) -> list[Due]:
    """The first page's short-board items: this user's open tasks that are overdue or due within
    DUE_WITHIN_DAYS (the tasks they act on: a secretary's own, a street's, the district's all; a unit's,
    which it helps with; nothing for a leader, who reads); for a secretary short of this year's central trainings, how many
    are missing; for the district and a street, how many secretaries are short of them; for the district
    how many units have no visit in the period, for a unit its organisations without one."""
    if not getattr(user, "is_authenticated", False) or (user.role == "leader" and not user.is_superuser):
        return []  # nothing waits for a leader (a reader); the lists are one click away
    on = on or today()
    counts = (
        visible_tasks(user)
        .filter(status=TaskStatus.OPEN, deadline__lte=on + dt.timedelta(days=DUE_WITHIN_DAYS))
        .order_by()
        .aggregate(
            overdue=Count("pk", filter=Q(deadline__lt=on)), soon=Count("pk", filter=Q(deadline__gte=on))
        )
    )
    url = reverse("boards:tasks")
    out = []
    if counts["overdue"]:
        out.append(Due("短板任务已逾期", counts["overdue"], f"{url}?overdue=1", True))
    if counts["soon"]:
        out.append(Due(f"短板任务 {DUE_WITHIN_DAYS} 天内到期", counts["soon"], f"{url}?status=open"))
    if user.role == "secretary" and user.scope_org_id:
        from wuxing.boards.training import compliance

        lines = [x for x in compliance(user, on.year) if x.short]
        if lines:
            x = lines[0]
            out.append(
                Due(
                    f"{on.year} 年区集中培训尚缺次数（已参加 {x.attended} 次，要求 {x.required} 次）",
                    x.required - x.attended,
                    reverse("boards:trainings"),
                )
            )
    if user.role in ("district_admin", "street_staff") or user.is_superuser:
        from wuxing.boards.training import short_count

        short = short_count(user, on.year)
        if short:
            out.append(
                Due(f"{on.year} 年区集中培训未达标的书记", short, reverse("boards:compliance") + "?short=1")
            )
    if sees_whole_district(user):
        behind = units_behind_count(VISIT_PERIOD_DAYS, on)
        if behind:
            out.append(Due(f"区直单位 {VISIT_PERIOD_DAYS} 天内未走访", behind, reverse("boards:units"), True))
    if user.role == "unit" and user.unit_id:
        behind = len(orgs_without_recent_visit(user, VISIT_PERIOD_DAYS, on))
        if behind:
            out.append(Due(f"分包组织 {VISIT_PERIOD_DAYS} 天内未走访", behind, reverse("boards:units"), True))
    return out


# --- dispatched units ---------------------------------------------------------------------------------------


def period_start(days: int, on: dt.date) -> dt.date:
    """The first day of the period of `days` days ending on `on` (a visit that day still counts)."""
    return on - dt.timedelta(days=days)


def orgs_without_recent_visit(user: Any, days: int, on: dt.date) -> list[OrgUnit]:
    start = period_start(days, on)
    return list(
        visible_orgs(user)
        .filter(level=Level.BRANCH, assigned_unit__isnull=False)
        .annotate(last=Max("visits__visited_on"))
        .filter(Q(last__isnull=True) | Q(last__lt=start))
        .order_by("code")
    )


def units_behind_count(days: int, on: dt.date) -> int:
    """How many units with organisations have no visit on or after the period's first day (one query)."""
    start = period_start(days, on)
    return (
        DispatchedUnit.objects.annotate(
            org_count=Count("organisations", filter=Q(organisations__level=Level.BRANCH), distinct=True),
            last=Max("visits__visited_on"),
        )
        .filter(org_count__gt=0)
        .filter(Q(last__isnull=True) | Q(last__lt=start))
        .count()
    )


@dataclass
class UnitLine:
    unit: DispatchedUnit
    orgs: int = 0
    last_visit: dt.date | None = None
    visits: int = 0
    behind: bool = False


@dataclass
class Coverage:
    days: int
    start: dt.date
    orgs_without_unit: list[OrgUnit] = field(default_factory=list)
    units: list[UnitLine] = field(default_factory=list)

    @property
    def units_behind(self) -> list[UnitLine]:
        return [u for u in self.units if u.behind]


def coverage(user: Any, days: int = VISIT_PERIOD_DAYS, on: dt.date | None = None) -> Coverage:
    """Organisations without a unit, and each unit's organisations and last visit; a unit is behind when
    it has organisations and no visit on or after the period's first day (`on` − `days`)."""
    on = on or today()
    start = period_start(days, on)
    report = Coverage(days, start)
    report.orgs_without_unit = list(
        visible_orgs(user).filter(level=Level.BRANCH, assigned_unit__isnull=True).order_by("code")
    )
    units = visible_units(user).annotate(
        org_count=Count("organisations", filter=Q(organisations__level=Level.BRANCH), distinct=True),
    )
    visits = dict(
        HelpVisit.objects.filter(unit__in=visible_units(user))
        .order_by()
        .values("unit_id")
        .annotate(last=Max("visited_on"))
        .values_list("unit_id", "last")
    )
    recent = dict(
        HelpVisit.objects.filter(unit__in=visible_units(user), visited_on__gte=start)
        .order_by()
        .values("unit_id")
        .annotate(n=Count("pk"))
        .values_list("unit_id", "n")
    )
    for u in units.order_by("code"):
        last = visits.get(u.pk)
        line = UnitLine(u, u.org_count, last, recent.get(u.pk, 0))
        line.behind = bool(u.org_count) and (last is None or last < start)
        report.units.append(line)
    return report
