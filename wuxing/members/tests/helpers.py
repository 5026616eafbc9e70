"""Walking a person through the pipeline with the services (the demo's timeline: every rule met)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from wuxing.core.workdays import WorkCalendar
from wuxing.members import checks, demo, idcard, services
from wuxing.members.models import Applicant

SERIALS = iter(range(100, 10_000))


def new_applicant(
    actor: Any, org: Any, *, born: dt.date = dt.date(1995, 5, 5), sex: str = "F", **extra: Any
) -> Applicant:
    data = {
        "name": extra.pop("name", "林小雨"),
        "id_number": idcard.make("130104", born, next(SERIALS), sex),
        "sex": sex,
        "birth_date": born,
        "education": extra.pop("education", "bachelor"),
        **extra,
    }
    return services.create_applicant(actor, org, data)


def walk(
    actor: Any, applicant: Applicant, d0: dt.date, until: int = 25, *, extend: bool = False
) -> list[str]:
    """Record the path from an application on `d0` up to step `until`; the warnings given on the way."""
    person = demo.DemoPerson("x", applicant.sex, applicant.birth_date, "college", "", until, 0, extend=extend)
    warnings: list[str] = []
    done = checks.PersonFile.of(applicant)
    last = done.last_step or 0
    for action in demo._until(demo.timeline(person, d0, WorkCalendar()), until):
        if (action[0] == "step" and action[1] <= last) or (
            action[0] == "doc" and action[1] in done.documents
        ):
            continue  # recorded already (the walk goes on from where the person stands)
        if action[0] == "step":
            _k, n, day, data, decision = action
            warnings += services.record_step(actor, applicant, n, day, data=data, decision=decision).warnings
        elif action[0] == "doc":
            _k, key, day, ends = action
            services.add_document(actor, applicant, key, day, number=f"测〔{day.year}〕{key}", ends_on=ends)
        else:
            services.extend_probation(actor, applicant, action[1], action[2])
    return warnings
