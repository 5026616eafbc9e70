"""学习培训: sessions, attendance (entered from the sign-in sheet in Excel, all-or-nothing) and the rule
that each village/community secretary attends the district's central training at least
WUXING_CENTRAL_TRAININGS_PER_YEAR times a year (default 2, five-star.md §5), with the compliance report
of who falls short. Writes: the district (boards.manage_training); reads: the sessions are the district's
and seen by all, the report lists the secretaries of the organisations a user can see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Q

from wuxing.boards.models import Attendance, TrainingKind, TrainingSession
from wuxing.core.dates import DateError, check_year
from wuxing.core.excel import (
    CheckedRows,
    Column,
    ImportReport,
    RowError,
    Sheet,
    run_checked_import,
    template_sheets,
)
from wuxing.core.scoping import visible_orgs
from wuxing.core.services import keep_writers_out, log_decision, real_user, require_perm, save_with_history
from wuxing.core.uploads import check_xlsx_upload
from wuxing.orgs.models import Level, Person, Post, PostRole

ATTENDANCE_SHEET = "参训名单"
ATTENDANCE_COLUMNS = [
    Column("org_code", "组织编码", required=True, help="村/社区党组织编码"),
    Column("name", "姓名", required=True, help="参训人员姓名（须已在该组织登记）"),
]


def required_central() -> int:
    return int(getattr(settings, "WUXING_CENTRAL_TRAININGS_PER_YEAR", 2))


def create_session(
    actor: Any,
    *,
    topic: str,
    kind: str,
    held_on: dt.date,
    place: str = "",
    hours: Decimal = Decimal("0"),
    is_demo: bool = False,
) -> TrainingSession:
    require_perm(actor, "boards.manage_training")
    try:
        check_year(held_on)
    except DateError as exc:
        raise ValidationError({"held_on": str(exc)}) from exc
    if kind not in TrainingKind.values:
        raise ValidationError({"kind": "请选择培训类型"})
    session = TrainingSession(
        topic=topic.strip(), kind=kind, held_on=held_on, place=place.strip(), hours=hours, is_demo=is_demo
    )
    save_with_history(session, actor, "登记培训")
    return session


def add_attendance(actor: Any, session: TrainingSession, people: list[tuple[Person, Any]]) -> int:
    """Record (person, organisation) pairs as attending; those already recorded are left as they are."""
    require_perm(actor, "boards.manage_training")
    have = set(Attendance.objects.filter(session=session).values_list("person_id", flat=True))
    new = [
        Attendance(session=session, person=p, org=org, by=real_user(actor))
        for p, org in people
        if p.pk not in have
    ]
    Attendance.objects.bulk_create(new)
    if new:
        log_decision(session, "attendance_added", actor, comment=f"登记参训 {len(new)} 人")
    return len(new)


def attendance_template() -> list[Sheet]:
    return template_sheets(ATTENDANCE_SHEET, ATTENDANCE_COLUMNS, ["ZB001", "张三"])


def import_attendance(actor: Any, session: TrainingSession, fileobj: Any) -> ImportReport:
    require_perm(actor, "boards.manage_training")
    check_xlsx_upload(fileobj)

    def check(records: list[tuple[int, dict[str, Any]]]) -> CheckedRows[list[tuple[Person, Any]]]:
        checked: CheckedRows[list[tuple[Person, Any]]] = CheckedRows([])
        codes = {str(r.get("org_code") or "").strip() for _n, r in records}
        orgs = {o.code: o for o in visible_orgs(actor).filter(level=Level.BRANCH, code__in=codes)}
        people: dict[tuple[int, str], list[Person]] = {}
        for person in Person.objects.filter(home_org__in=list(orgs.values())):
            people.setdefault((person.home_org_id, person.name), []).append(person)
        have = set(Attendance.objects.filter(session=session).values_list("person_id", flat=True))
        seen: set[int] = set()
        for rownum, r in records:
            code, name = str(r.get("org_code") or "").strip(), str(r.get("name") or "").strip()
            org = orgs.get(code)
            if org is None:
                checked.problems.append((rownum, RowError(f"组织编码“{code[:32]}”不存在", "org_code")))
                continue
            found = people.get((org.pk, name), [])
            if len(found) != 1:
                message = (
                    f"{org.name}没有登记名为“{name[:20]}”的人员"
                    if not found
                    else f"{org.name}有多名“{name[:20]}”，请在系统中区分后再导入"
                )
                checked.problems.append((rownum, RowError(message, "name")))
                continue
            person = found[0]
            if person.pk in seen or person.pk in have:
                checked.unchanged += 1
                continue
            seen.add(person.pk)
            checked.plan.append((person, org))
            checked.created += 1
        return checked

    def write(checked: CheckedRows[list[tuple[Person, Any]]]) -> None:
        add_attendance(actor, session, checked.plan)

    return run_checked_import(
        fileobj,
        ATTENDANCE_COLUMNS,
        check,
        write,
        sheet=ATTENDANCE_SHEET,
        lock=lambda: keep_writers_out(Attendance),
    )


@dataclass
class ComplianceLine:
    org_code: str
    org_name: str
    street: str
    person_name: str
    attended: int
    required: int

    @property
    def short(self) -> bool:
        return self.attended < self.required


def compliance(user: Any, year: int, required: int | None = None) -> list[ComplianceLine]:
    """Every secretary in office at some time of `year` of an organisation the user sees, with the number
    of central trainings of that year they attended (three queries whatever the size)."""
    required = required_central() if required is None else required
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    posts = list(
        Post.objects.filter(
            org__in=visible_orgs(user).filter(level=Level.BRANCH),
            role=PostRole.SECRETARY,
            start_date__lte=last,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        .select_related("person", "org")
        .order_by("org__code", "start_date")
    )
    counts = dict(
        Attendance.objects.filter(
            person__in=[p.person_id for p in posts],
            session__kind=TrainingKind.CENTRAL,
            session__held_on__range=(first, last),
        )
        .order_by()
        .values_list("person_id")
        .annotate(n=Count("session", distinct=True))
    )
    from wuxing.orgs.models import OrgUnit

    step = 2 * OrgUnit.steplen
    streets = dict(
        OrgUnit.objects.filter(level=Level.STREET, path__in={p.org.path[:step] for p in posts}).values_list(
            "path", "name"
        )
    )
    return [
        ComplianceLine(
            p.org.code,
            p.org.name,
            streets.get(p.org.path[:step], ""),
            p.person.name,
            counts.get(p.person_id, 0),
            required,
        )
        for p in posts
    ]


def short_count(user: Any, year: int, required: int | None = None) -> int:
    """How many secretaries (posts in office during `year`, of organisations the user sees) attended fewer
    central trainings of that year than required — one query, for the first page."""
    required = required_central() if required is None else required
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return (
        Post.objects.filter(
            org__in=visible_orgs(user).filter(level=Level.BRANCH),
            role=PostRole.SECRETARY,
            start_date__lte=last,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        .annotate(
            n=Count(
                "person__trainings__session",
                filter=Q(
                    person__trainings__session__kind=TrainingKind.CENTRAL,
                    person__trainings__session__held_on__range=(first, last),
                ),
                distinct=True,
            )
        )
        .filter(n__lt=required)
        .count()
    )


COMPLIANCE_COLUMNS = [
    Column("street", "街道/镇"),
    Column("org_code", "组织编码"),
    Column("org_name", "组织名称", width=20),
    Column("person", "书记"),
    Column("attended", "参加区集中培训次数"),
    Column("required", "要求次数"),
    Column("short", "是否未达标"),
]


def compliance_rows(lines: list[ComplianceLine]) -> Iterator[list[Any]]:
    for line in lines:
        yield [
            line.street,
            line.org_code,
            line.org_name,
            line.person_name,
            line.attended,
            line.required,
            "未达标" if line.short else "",
        ]
