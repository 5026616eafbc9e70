"""The Beiguan demo's 补齐短板: tasks generated from the 2023 gap lists of the organisations below four
stars (one organisation in three has its tasks closed with evidence, the others are half overdue — their
deadline a month ago — and half due in two months), help visits of the dispatched units (every other
unit visited a month ago, the rest never: behind), two central trainings of the training year with every
secretary at the first and all but five at the second (those five fall short), the study tour to 4 cities
in 2 provinces, and a working group per star. Dates count from the day the demo is loaded, so the first
pages always show something due. Idempotent: nothing is added once a task exists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from wuxing.boards import groups, services, training
from wuxing.boards.models import HelpVisit, Task, TrainingKind
from wuxing.core.management.base import system_user
from wuxing.core.workdays import today
from wuxing.orgs.models import DispatchedUnit, OrgUnit, Post, PostRole

YEAR = 2023
MAX_ORGS = 24
SHORT_OF_TRAINING = 5
GROUP_LEADERS = ["王建军", "李红梅", "张志强", "刘海燕", "陈国庆"]
PHOTO = b"%PDF-1.4 demo photo of the finished work"


def load_demo_boards() -> str | None:
    if Task.objects.exists():
        return None
    from wuxing.rules.queries import rate

    actor = system_user()
    now = today()
    rows = [r for r in rate(actor, YEAR) if r.level < 4]
    if not rows:
        return None
    rows.sort(key=lambda r: r.org_code)
    rows = rows[:MAX_ORGS]
    orgs = {o.pk: o for o in OrgUnit.objects.filter(pk__in=[r.org_id for r in rows])}
    tasks = closed = 0
    with transaction.atomic():
        for i, row in enumerate(rows):
            org = orgs[row.org_id]
            deadline = now - dt.timedelta(days=30) if i % 2 else now + dt.timedelta(days=60)
            owner = "村（社区）书记"
            made = services.create_from_gaps(actor, org, YEAR, deadline=deadline, owner=owner, is_demo=True)
            tasks += len(made)
            if i % 3 == 0:
                for task in made:
                    services.add_note(actor, task, "已召开专题会议，明确整改措施")
                    photo = SimpleUploadedFile("整改完成照片.pdf", PHOTO, content_type="application/pdf")
                    services.close_task(actor, task, "已按要求完成整改", photo)
                    closed += 1
        visits = _visits(actor, now)
        sessions = _trainings(actor, now)
        for n, line in enumerate(groups.summary(actor, YEAR, now)):
            groups.save_group(
                actor,
                line.code,
                leader=GROUP_LEADERS[n % len(GROUP_LEADERS)],
                members="区委组织部、相关区直单位、各街道（镇）",
                duties=f"负责{line.name}创建的督导、培训和短板整改",
                is_demo=True,
            )
    return (
        f"已生成补齐短板演示：{tasks} 项短板任务（{closed} 项已完成），{visits} 次帮扶走访，"
        f"{sessions} 场培训。"
    )


def _visits(actor: object, now: dt.date) -> int:
    count = 0
    units = list(DispatchedUnit.objects.order_by("code"))
    for i, unit in enumerate(units):
        if i % 2:
            continue  # never visited: behind in the coverage report
        org = OrgUnit.objects.filter(assigned_unit=unit).order_by("code").first()
        if org is None:
            continue
        HelpVisit.objects.create(
            unit=unit,
            org=org,
            visited_on=now - dt.timedelta(days=30),
            money=Decimal("20000.00"),
            projects="党群服务中心设施改造",
            people=3,
            note="走访座谈，了解短板整改进展",
            is_demo=True,
        )
        count += 1
    return count


def _trainings(actor: object, now: dt.date) -> int:
    year = now.year if now.month >= 10 else now.year - 1
    first = training.create_session(
        actor,
        topic="“五星”支部创建专题培训（第一期）",
        kind=TrainingKind.CENTRAL,
        held_on=dt.date(year, 3, 15),
        place="区委党校",
        hours=Decimal("6"),
        is_demo=True,
    )
    second = training.create_session(
        actor,
        topic="“五星”支部创建专题培训（第二期）",
        kind=TrainingKind.CENTRAL,
        held_on=dt.date(year, 9, 20),
        place="区委党校",
        hours=Decimal("6"),
        is_demo=True,
    )
    tour = training.create_session(
        actor,
        topic="赴江苏、浙江两省四市考察学习",
        kind=TrainingKind.TOUR,
        held_on=dt.date(year, 5, 10),
        place="江苏、浙江",
        hours=Decimal("32"),
        is_demo=True,
    )
    posts = list(
        Post.objects.filter(role=PostRole.SECRETARY, end_date__isnull=True, org__level="branch")
        .select_related("person", "org")
        .order_by("org__code")
    )
    pairs = [(p.person, p.org) for p in posts]
    training.add_attendance(actor, first, pairs)
    training.add_attendance(actor, second, pairs[SHORT_OF_TRAINING:])
    training.add_attendance(actor, tour, pairs[:10])
    return 3
