"""Reading 发展党员 for pages, exports, the API and the command: always through the scoping choke point,
with a fixed number of queries whatever the number of people."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Q, QuerySet

from wuxing.core.scoping import scope
from wuxing.core.workdays import today
from wuxing.members import checks, steps
from wuxing.members.limits import ParamBook, add_months, birthday
from wuxing.members.models import COLLEGE_LEVELS, LIVE, Applicant, Document, Quota, StepEvent
from wuxing.orgs.models import OrgUnit

# the steps still standing (a withdrawn event no longer counts, decisions §80)
LIVE_STEP = Q(events__kind="step", events__withdrawn_at__isnull=True)
REMINDER_DAYS = 30  # how far ahead the first page looks


def visible_applicants(user: Any) -> QuerySet[Applicant]:
    return scope(Applicant.objects.select_related("org"), user, "org")


def register(
    user: Any, *, org: OrgUnit | None = None, stage: int | None = None, q: str = ""
) -> QuerySet[Applicant]:
    """The register: each person with the number of the last step recorded (`last_step`)."""
    qs = visible_applicants(user).annotate(last_step=Max("events__step", filter=LIVE_STEP))
    if org is not None:
        qs = qs.filter(org__path__startswith=org.path)
    if q:
        qs = qs.filter(name__icontains=q)
    if stage is not None:
        numbers = [s.n for s in steps.all_steps().values() if s.stage == stage]
        qs = qs.filter(last_step__gte=min(numbers), last_step__lte=max(numbers))
    return qs.order_by("org__path", "name", "pk")


def files_of(qs: QuerySet[Applicant]) -> list[checks.PersonFile]:
    """Each person's file (events and documents, as plain rows) with two more queries in all."""
    people = list(qs)
    if not people:  # a first page with no one in recruitment: no more queries
        return []
    ids = qs.values("pk")
    events: dict[int, list[checks.EventRow]] = defaultdict(list)
    rows = StepEvent.objects.filter(LIVE, applicant_id__in=ids).order_by("done_on", "step", "pk")
    for aid, *fields in rows.values_list("applicant_id", "pk", "kind", "step", "done_on", "decision", "data"):
        events[aid].append(checks.EventRow(*fields))
    documents: dict[int, dict[str, checks.DocumentRow]] = defaultdict(dict)
    docs = Document.objects.filter(LIVE, applicant_id__in=ids)
    for aid, *fields in docs.values_list("applicant_id", "pk", "kind", "number", "dated", "ends_on"):
        documents[aid][fields[1]] = checks.DocumentRow(*fields)
    return [checks.PersonFile(a, events[a.pk], documents[a.pk]) for a in people]


def step_dates(file: checks.PersonFile) -> dict[int, dt.date]:
    out: dict[int, dt.date] = {}
    for e in file.step_events():
        out.setdefault(e.step, e.done_on)
    return out


@dataclass
class Reminder:
    applicant: Applicant
    kind: str
    label: str
    due: dt.date
    overdue: bool


def reminders(user: Any, on_day: dt.date | None = None, horizon: int = REMINDER_DAYS) -> list[Reminder]:
    """Due half-year assessments of activists, approvals waiting, probations ending, notices closing."""
    day = on_day or today()
    ahead = day + dt.timedelta(days=horizon)
    # only files that can be due: activists (3–6) and from the branch review to the full-membership
    # meeting (12–23: requests waiting, notices, probations)
    active = (
        visible_applicants(user)
        .annotate(last=Max("events__step", filter=LIVE_STEP))
        .filter(Q(last__gte=3, last__lte=6) | Q(last__gte=12, last__lte=steps.FULL_MEETING))
    )
    out: list[Reminder] = []
    files = files_of(active)
    if not files:
        return out
    book = ParamBook()
    for file in files:
        person, last = file.applicant, file.last_step or 0
        params = book.on(day)
        if 3 <= last < 7:
            seen = [e.done_on for e in file.step_events() if e.step in (3, 6)]
            due = add_months(max(seen), params["assessment_months"])
            if due <= ahead:
                out.append(Reminder(person, "assessment", "积极分子半年考察", due, due < day))
        for request, deadline in checks.overdue_requests(file, book, day):
            out.append(
                Reminder(person, "approval", f"待批复：{steps.doc_name(request.kind)}", deadline, True)
            )
        for key, kind in steps.doc_kinds().items():
            pending = file.documents.get(key)
            if (
                kind.kind == "request"
                and kind.answered_by
                and pending
                and kind.answered_by not in file.documents
            ):
                deadline = checks.period_end(pending.dated, book.on(pending.dated)[kind.answer_months_param])
                if day <= deadline <= ahead:
                    out.append(Reminder(person, "approval", f"待批复：{kind.name}", deadline, False))
        if steps.ADMISSION_APPROVAL <= last < steps.FULL_MEETING:
            end = file.probation_end(params)
            if end is not None and end <= ahead:
                out.append(Reminder(person, "probation", "预备期期满", end, end < day))
        for key in ("n1", "n2"):
            notice = file.documents.get(key)
            before = steps.doc_kinds()[key].before_step
            if notice and notice.ends_on and last < before and day <= notice.ends_on <= ahead:
                out.append(
                    Reminder(person, "notice", f"公示截止：{steps.doc_name(key)}", notice.ends_on, False)
                )
    return sorted(out, key=lambda r: (not r.overdue, r.due, r.applicant.name))


def due_for(user: Any) -> list[Reminder]:
    if not getattr(user, "is_authenticated", False):
        return []
    return reminders(user)


# --- 优结构: structure statistics ----------------------------------------------------------------------------

# The structure the district aims at (national figures of 2023's recruits, as a default target).
TARGETS = {"young": 80, "women": 45, "college": 50, "front_line": 50, "wealth_leader": 0}
MEASURES = (
    ("young", "35岁及以下"),
    ("women", "女性"),
    ("college", "大专及以上"),
    ("front_line", "生产工作一线"),
    ("wealth_leader", "致富带头人"),
)


@dataclass
class StructureRow:
    org: OrgUnit
    quota: int | None
    admitted: int
    counts: dict[str, int]

    def percent(self, key: str) -> float | None:
        return round(100 * self.counts[key] / self.admitted, 1) if self.admitted else None

    @property
    def over_quota(self) -> bool:
        return self.quota is not None and self.admitted > self.quota


def structure(user: Any, year: int) -> tuple[list[StructureRow], list[StructureRow], StructureRow]:
    """The year's admissions (支部大会 of step 15 in that year) per organisation, per street and for all
    the user sees, with the structure measures and the quotas."""
    events = (
        StepEvent.objects.filter(LIVE, kind="step", step=steps.ADMISSION_MEETING, done_on__year=year)
        .filter(applicant__in=visible_applicants(user))
        .select_related("applicant", "applicant__org")
    )
    orgs = {o.pk: o for o in scope(OrgUnit.objects.branches(), user)}
    streets = {o.path: o for o in OrgUnit.objects.streets()}
    quotas = {q.org_id: q.count for q in scope(Quota.objects.filter(year=year), user, "org")}
    per_org: dict[int, Counter[str]] = defaultdict(Counter)
    for e in events:
        a = e.applicant
        c = per_org[a.org_id]
        c["admitted"] += 1
        c["young"] += int(e.done_on < birthday(a.birth_date, 36))
        c["women"] += int(a.sex == "F")
        c["college"] += int(a.education in COLLEGE_LEVELS)
        c["front_line"] += int(a.front_line)
        c["wealth_leader"] += int(a.wealth_leader)
    keys = [k for k, _ in MEASURES]
    org_rows = [
        StructureRow(o, quotas.get(o.pk), per_org[o.pk]["admitted"], {k: per_org[o.pk][k] for k in keys})
        for o in sorted(orgs.values(), key=lambda o: o.path)
        if o.pk in per_org or o.pk in quotas
    ]
    street_rows: dict[str, StructureRow] = {}
    total = StructureRow(OrgUnit(name="合计"), None, 0, dict.fromkeys(keys, 0))
    for row in org_rows:
        path = row.org.street_path() or ""
        street = streets.get(path)
        if street is None:
            continue
        srow = street_rows.setdefault(path, StructureRow(street, None, 0, dict.fromkeys(keys, 0)))
        for target in (srow, total):
            target.admitted += row.admitted
            if row.quota is not None:
                target.quota = (target.quota or 0) + row.quota
            for k in keys:
                target.counts[k] += row.counts[k]
    return org_rows, [street_rows[p] for p in sorted(street_rows)], total
