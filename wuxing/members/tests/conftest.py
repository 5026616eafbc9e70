"""Fixtures for the 发展党员 tests: the module's world, API clients, in-memory files for the rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from wuxing.api.tests.conftest import bearer, token_for  # noqa: F401  (API clients per role)
from wuxing.core.tests.worldcache import _world_ids, world  # noqa: F401  (one world per module)
from wuxing.core.workdays import WorkCalendar
from wuxing.members import checks, idcard
from wuxing.members.limits import Params, defaults
from wuxing.members.models import Applicant, Document, StepEvent

TODAY = dt.date(2026, 6, 30)


def calendar() -> WorkCalendar:
    """The package's calendar alone (no entered schedules, no database)."""
    cal = WorkCalendar()
    cal._entered_years = set()
    return cal


def person(born: dt.date = dt.date(1995, 5, 5), sex: str = "M") -> Applicant:
    return Applicant(
        name="测试",
        id_number=idcard.make("130104", born, 1, sex),
        sex=sex,
        birth_date=born,
        education="college",
    )


def file_with(
    steps: dict[int, dt.date],
    docs: Mapping[str, tuple[dt.date, dt.date | None]] | None = None,
    *,
    born: dt.date = dt.date(1995, 5, 5),
    decisions: dict[int, str] | None = None,
    extension: tuple[dt.date, int] | None = None,
) -> checks.PersonFile:
    """A file in memory: steps 1..n on the given dates (a missing date: the previous one)."""
    a = person(born)
    events = []
    day = None
    for n in range(1, max(steps, default=0) + 1):
        day = steps.get(n, day)
        assert day is not None
        events.append(StepEvent(applicant=a, step=n, done_on=day, decision=(decisions or {}).get(n, "结论")))
    if extension:
        events.append(
            StepEvent(
                applicant=a, step=21, kind="extension", done_on=extension[0], data={"months": extension[1]}
            )
        )
    events.sort(key=lambda e: (e.done_on, e.step))
    documents = {k: Document(applicant=a, kind=k, dated=d, ends_on=e) for k, (d, e) in (docs or {}).items()}
    return checks.PersonFile(a, events, documents)


def check(
    file: checks.PersonFile,
    n: int,
    day: dt.date,
    data: dict[str, Any] | None = None,
    decision: str = "结论",
    params: Params | None = None,
) -> list[str]:
    """The rules step `n` on `day` breaks, as their names."""
    found = checks.check_step(
        file,
        n,
        day,
        data=data or {},
        decision=decision,
        params=params or defaults(),
        cal=calendar(),
        today=TODAY,
    )
    return [v.rule for v in found]


def db_state() -> dict[str, Any]:
    """What a refused action must leave alone."""
    from wuxing.core.models import DecisionLog
    from wuxing.members.models import Quota

    return {
        "applicants": list(
            Applicant.objects.order_by("pk").values_list(
                "pk", "lock_version", "id_number", "name", "org", "sex", "birth_date", "education"
            )
        ),
        "events": list(
            StepEvent.objects.order_by("pk").values_list(
                "pk", "step", "done_on", "overridden", "withdrawn_at"
            )
        ),
        "documents": list(Document.objects.order_by("pk").values_list("pk", "kind", "dated", "withdrawn_at")),
        "quotas": list(Quota.objects.order_by("pk").values_list("pk", "count")),
        "logs": DecisionLog.objects.count(),
        "history": Applicant.history.count() + StepEvent.history.count() + Document.history.count(),
    }
