"""The database side of test_deadline_concurrency.py, run in a child process with the production settings:

    python -m wuxing.reviews.tests.deadline_probe prepare   # migrate and build the deadline world
    python -m wuxing.reviews.tests.deadline_probe check     # what the server wrote, as JSON

`prepare` builds, through the services the pages use: a district with one street, 52 rural branches
(ZB001…ZB052), the shipped 2023 rulebooks (active), an open 2023 rural cycle whose drafts all have a target
level, one secretary account per branch (sec01…sec51, password login), two street-staff reviewers of the
street (reviewer1, reviewer2), and the assessment of ZB052 already submitted with 村集体经济收入 = 85. It
prints the assessments' ids by branch code.

`check` prints, per branch code, the assessment's stage, lock_version, its "submit" DecisionLog rows and
its history rows in the submitted stage; and the value changes, the stored value and the "value changed"
DecisionLog rows of ZB052.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

BRANCHES = 52
PASSWORD = "pw-deadline-2023"
VALUE_BRANCH = "ZB052"
INDICATOR = "cyxw.income"


def code_of(i: int) -> str:
    return f"ZB{i:03d}"


def plain(value: Any) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def setup() -> None:
    import django

    django.setup()


def prepare() -> None:
    setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from wuxing.accounts.models import Role, User
    from wuxing.core.management.base import system_user
    from wuxing.orgs import services as org_services
    from wuxing.reviews import services
    from wuxing.reviews.models import Assessment
    from wuxing.rules import services as rule_services

    call_command("migrate", verbosity=0)
    actor = system_user()
    org_services.create_district(actor, code="BG", name="北关区")
    street = org_services.create_street(actor, {"code": "ZB", "name": "彰北街道", "street_kind": "street"})
    rule_services.load_shipped(actor)
    hashed = make_password(PASSWORD)  # hashed once: the production hasher takes a while per password
    for i in range(1, BRANCHES + 1):
        branch = org_services.create_branch(
            actor,
            street,
            {
                "code": code_of(i),
                "name": f"第{i}村",
                "area_kind": "rural",
                "branch_type": "branch",
                "member_count": 30,
            },
        )
        if i < BRANCHES:
            User.objects.create(
                username=f"sec{i:02d}",
                full_name=f"书记{i:02d}",
                password=hashed,
                role=Role.SECRETARY,
                scope_org=branch,
            )
    for name, full_name in (("reviewer1", "张初评"), ("reviewer2", "王初评")):
        User.objects.create(
            username=name, full_name=full_name, password=hashed, role=Role.STREET_STAFF, scope_org=street
        )
    cycle = services.open_cycle(
        actor,
        2023,
        "rural",
        opened_on=dt.date(2023, 12, 1),
        deadlines={
            "self_deadline": dt.date(2023, 12, 15),
            "street_deadline": dt.date(2023, 12, 29),
            "district_deadline": dt.date(2024, 1, 12),
        },
    )
    ids = {}
    for a in Assessment.objects.filter(cycle=cycle).select_related("org", "cycle"):
        services.save_target(actor, a, 3)
        ids[a.org.code] = a.pk
        if a.org.code == VALUE_BRANCH:
            rule_services.save_scores(actor, a.org, 2023, {INDICATOR: "85"}, "自评填报")
            services.transition(actor, Assessment.objects.get(pk=a.pk), "submit")
    print(json.dumps(ids))


def check() -> None:
    setup()
    from django.db.models import Count

    from wuxing.core.models import DecisionLog
    from wuxing.reviews.models import Assessment, Stage, ValueChange
    from wuxing.rules.models import Score

    def counts(action: str) -> dict[str, int]:
        rows = (
            DecisionLog.objects.filter(action=action)
            .values("object_id")
            .annotate(n=Count("id"))
            .values_list("object_id", "n")
        )
        return {object_id: n for object_id, n in rows}

    submits = counts("review_submit")
    submitted_history = dict(
        Assessment.history.filter(state=Stage.SUBMITTED)
        .values("id")
        .annotate(n=Count("history_id"))
        .values_list("id", "n")
    )
    assessments: dict[str, Any] = {}
    for a in Assessment.objects.select_related("org"):
        assessments[a.org.code] = {
            "state": a.state,
            "lock_version": a.lock_version,
            "submit_logs": submits.get(str(a.pk), 0),
            "submitted_history": submitted_history.get(a.pk, 0),
        }
    value = Assessment.objects.get(org__code=VALUE_BRANCH)
    score = Score.objects.get(org__code=VALUE_BRANCH, year=2023, indicator_code=INDICATOR)
    state = {
        "assessments": assessments,
        "value_changes": [
            {"from": plain(c.from_value), "to": plain(c.to_value), "by": c.by.username if c.by else None}
            for c in ValueChange.objects.filter(assessment=value).select_related("by")
        ],
        "value": plain(score.value),
        "value_logs": counts("review_value_changed").get(str(value.pk), 0),
    }
    print(json.dumps(state))


if __name__ == "__main__":
    {"prepare": prepare, "check": check}[sys.argv[1]]()
