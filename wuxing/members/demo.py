"""The Beiguan demo's 发展党员: 柏庄镇's pipeline — invented people (flagged 演示, identity numbers made up
with a correct checksum) at every stage, recorded step by step through the services (so every rule is
met), among them one pre-review request left unanswered past its deadline and one probation extended by
six months; this year's quotas for the town's first villages. Dates count back from the day the demo is
loaded, so the first page always shows reminders. Idempotent: nothing is added once an applicant exists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from wuxing.core.management.base import system_user
from wuxing.core.workdays import CalendarUnavailable, WorkCalendar, today
from wuxing.members import idcard, services
from wuxing.members.checks import period_end
from wuxing.members.limits import add_months
from wuxing.members.models import Applicant
from wuxing.orgs.models import Level, OrgUnit

REGION = "130104"  # invented for the demo; the checksum is what the product checks
DEMO = "演示"


@dataclass(frozen=True)
class DemoPerson:
    name: str
    sex: str
    born: dt.date
    education: str
    occupation: str
    target: int  # the last step reached
    days_ago: int  # how long ago that step was recorded
    front_line: bool = False
    wealth_leader: bool = False
    extend: bool = False  # probation extended by 6 months
    unanswered: bool = False  # the pre-review request is left without its approval


PEOPLE = [
    DemoPerson("赵明远", "M", dt.date(2001, 5, 12), "bachelor", "返乡大学生", 1, 8),
    DemoPerson("孙晓燕", "F", dt.date(1998, 9, 3), "college", "村医", 2, 30, front_line=True),
    DemoPerson("周立新", "M", dt.date(1990, 2, 28), "secondary", "种植大户", 4, 60, wealth_leader=True),
    DemoPerson("吴佳琪", "F", dt.date(1999, 11, 21), "bachelor", "电商创业者", 6, 170, wealth_leader=True),
    DemoPerson("郑浩然", "M", dt.date(1995, 7, 8), "college", "合作社会计", 9, 20, front_line=True),
    DemoPerson("王春梅", "F", dt.date(1993, 3, 15), "bachelor", "小学教师", 12, 45, unanswered=True),
    DemoPerson("冯志刚", "M", dt.date(1988, 12, 1), "secondary", "养殖户", 14, 2, wealth_leader=True),
    DemoPerson("陈雨欣", "F", dt.date(2000, 4, 30), "graduate", "驻村社工", 20, 300),
    DemoPerson("褚建华", "M", dt.date(1986, 6, 18), "basic", "农机手", 21, 40, front_line=True, extend=True),
    DemoPerson("卫丽娟", "F", dt.date(1996, 1, 9), "college", "妇联执委", 25, 30),
    DemoPerson("蒋国栋", "M", dt.date(1992, 10, 27), "bachelor", "村务专干", 25, 200, front_line=True),
]


def _notice(cal: WorkCalendar, start: dt.date, days: int = 5) -> dt.date:
    try:
        return cal.add_workdays(start - dt.timedelta(days=1), days)
    except CalendarUnavailable:
        return start + dt.timedelta(days=9)


def timeline(p: DemoPerson, d0: dt.date, cal: WorkCalendar) -> list[tuple[Any, ...]]:
    """Every action of the person's path from the application on `d0`, in order: ("step", n, day, data,
    decision) or ("doc", key, day, ends_on) or ("extend", day, months)."""
    out: list[tuple[Any, ...]] = []

    def step(n: int, day: dt.date, data: dict[str, Any] | None = None, decision: str = "") -> dt.date:
        out.append(("step", n, day, data or {}, decision))
        return day

    d = step(1, d0)
    d = step(2, d + dt.timedelta(days=20), decision="谈话了解入党动机")
    activist = step(3, add_months(d0, 6) + dt.timedelta(days=7), decision="党员推荐、支委会研究确定")
    out.append(("doc", "r1", activist, None))
    d = step(4, activist + dt.timedelta(days=5))
    d = step(5, d + dt.timedelta(days=3), decision="培养联系人：党员二名")
    d = step(6, add_months(activist, 6), decision="半年考察：合格")
    d = step(6, add_months(activist, 12), decision="半年考察：合格")
    d = step(7, add_months(activist, 12) + dt.timedelta(days=20), decision="支委会确定为发展对象")
    d = step(8, d + dt.timedelta(days=5))
    d = step(9, d + dt.timedelta(days=7), {"sponsors": ["李建军", "张桂兰"], "sponsors_full": True})
    d = step(10, d + dt.timedelta(days=20), decision="政治审查合格（函调、外调材料齐全）")
    d = step(11, d + dt.timedelta(days=10), {"training_days": 3, "training_hours": 24}, "镇党校集中培训结业")
    d = step(12, d + dt.timedelta(days=7), decision="支委会审查通过")
    out.append(("doc", "r2", d, None))
    if p.unanswered:
        return out
    d = d + dt.timedelta(days=20)
    out.append(("doc", "a1", d, None))
    d = step(13, d, decision="预审合格")
    d = step(14, d + dt.timedelta(days=3))
    start = d + dt.timedelta(days=1)
    end = _notice(cal, start)
    out.append(("doc", "n1", start, end))
    meeting = step(
        15, end + dt.timedelta(days=3), {"entitled": 23, "present": 19, "votes_for": 18}, "同意接收为预备党员"
    )
    out.append(("doc", "r3", meeting + dt.timedelta(days=2), None))
    d = step(16, meeting + dt.timedelta(days=15), decision="上级党委派人谈话")
    out.append(("doc", "a2", meeting + dt.timedelta(days=40), None))
    d = step(17, meeting + dt.timedelta(days=40), decision="批准为中共预备党员")
    d = step(18, d + dt.timedelta(days=5))
    d = step(19, d + dt.timedelta(days=3))
    d = step(20, d + dt.timedelta(days=7), decision="七一集中宣誓")
    d = step(21, add_months(meeting, 6), decision="预备期半年考察")
    months = 12
    if p.extend:
        out.append(("extend", add_months(meeting, 11), 6))
        months += 6
        d = step(21, add_months(meeting, 12), decision="延长期内继续考察")
    end_of_probation = period_end(meeting, months)
    d = step(22, end_of_probation - dt.timedelta(days=20), decision="本人提出转正申请")
    start = d + dt.timedelta(days=1)
    out.append(("doc", "n2", start, _notice(cal, start)))
    full = step(
        23,
        end_of_probation + dt.timedelta(days=2),
        {"entitled": 24, "present": 20, "votes_for": 20},
        "同意按期转正",
    )
    out.append(("doc", "r4", full + dt.timedelta(days=2), None))
    out.append(("doc", "a3", full + dt.timedelta(days=30), None))
    d = step(24, full + dt.timedelta(days=30), decision="批准转为正式党员")
    step(25, d + dt.timedelta(days=10))
    return out


def _until(actions: list[tuple[Any, ...]], target: int) -> list[tuple[Any, ...]]:
    """The actions up to the target step and the documents that directly follow it (its request, the
    notice that opens after it)."""
    end = max(i for i, a in enumerate(actions) if a[0] == "step" and a[1] == target) + 1
    while end < len(actions) and actions[end][0] == "doc" and actions[end][1][0] in "rn":
        end += 1
    return actions[:end]


def _day(action: tuple[Any, ...]) -> dt.date:
    return action[1] if action[0] == "extend" else action[2]


def load_demo_members() -> str | None:
    if Applicant.objects.exists():
        return None
    town = OrgUnit.objects.filter(level=Level.STREET, code="BZ").first()
    if town is None:
        return None
    villages = list(OrgUnit.objects.filter(level=Level.BRANCH, path__startswith=town.path).order_by("code"))
    if not villages:
        return None
    actor = system_user()
    now = today()
    cal = WorkCalendar()
    made = 0
    with transaction.atomic():
        for i, p in enumerate(PEOPLE):
            probe = _until(timeline(p, dt.date(2020, 1, 6), cal), p.target)
            span = (_day(probe[-1]) - dt.date(2020, 1, 6)).days
            d0 = now - dt.timedelta(days=span + p.days_ago)
            actions = [a for a in _until(timeline(p, d0, cal), p.target) if _day(a) <= now]
            org = villages[i % min(len(villages), 6)]
            number = idcard.make(REGION, p.born, 10 + i, p.sex)
            applicant = services.create_applicant(
                actor,
                org,
                {
                    "name": p.name,
                    "id_number": number,
                    "sex": p.sex,
                    "birth_date": p.born,
                    "education": p.education,
                    "occupation": p.occupation,
                    "front_line": p.front_line,
                    "wealth_leader": p.wealth_leader,
                },
                DEMO,
                is_demo=True,
            )
            for action in actions:
                _apply(actor, applicant, action)
            made += 1
        for org in villages[:6]:
            services.set_quota(actor, org, now.year, 2, "演示：年度发展计划")
    return f"发展党员：柏庄镇 {made} 人（演示），覆盖全部 5 个阶段"


def _apply(actor: Any, applicant: Applicant, action: tuple[Any, ...]) -> None:
    """Through the services; where a year's holiday schedule is missing the notice rule cannot be judged,
    and the demo records it with that reason (as a district admin would)."""
    for override in ("", "演示数据：该年度节假日安排尚未录入，公示工作日按通知核对"):
        try:
            if action[0] == "step":
                _kind, n, day, data, decision = action
                services.record_step(
                    actor,
                    applicant,
                    n,
                    day,
                    data=data,
                    decision=decision,
                    comment=DEMO,
                    override_reason=override,
                )
            elif action[0] == "doc":
                _kind, key, day, ends = action
                number = f"柏组请〔{day.year}〕{applicant.pk:02d}{key}号" if key[0] in "ra" else ""
                services.add_document(
                    actor,
                    applicant,
                    key,
                    day,
                    number=number,
                    ends_on=ends,
                    comment=DEMO,
                    override_reason=override,
                )
            else:
                _kind, day, months = action
                services.extend_probation(
                    actor,
                    applicant,
                    day,
                    months,
                    comment="演示：考察期间表现需进一步观察",
                    override_reason=override,
                )
            return
        except ValidationError:
            if override:
                raise
