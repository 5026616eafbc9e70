"""The rules of each step, judged against a person's file: a list of violations, each naming the rule
and the dates. The services refuse a step with violations unless a district admin records a reason.

Every limit is read from the version of the rules in force on the step's date (wuxing/members/limits.py);
working days come from the official calendar (wuxing/core/workdays.py) — a year without data is itself
a violation whose message says where to enter it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from wuxing.core.workdays import CalendarUnavailable, WorkCalendar
from wuxing.members import steps
from wuxing.members.limits import Params, add_months, birthday
from wuxing.members.models import Applicant, Document, StepEvent

D = "%Y-%m-%d"
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str

    def __str__(self) -> str:
        return f"【{self.rule}】{self.message}"


@dataclass(frozen=True, slots=True)
class EventRow:
    """What the rules read of a StepEvent, for lists of many people (no model instances)."""

    pk: int
    kind: str
    step: int
    done_on: dt.date
    decision: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DocumentRow:
    pk: int
    kind: str
    number: str
    dated: dt.date
    ends_on: dt.date | None


@dataclass
class PersonFile:
    """What the rules read: the person, the recorded events (in order) and the documents by kind."""

    applicant: Applicant
    events: list[Any] = field(default_factory=list)  # StepEvent, or EventRow for lists
    documents: dict[str, Any] = field(default_factory=dict)  # Document, or DocumentRow

    @classmethod
    def of(cls, applicant: Applicant) -> PersonFile:
        """The live file: withdrawn events and documents (decisions §80) are not read by the rules."""
        live = [e for e in applicant.events.all() if e.withdrawn_at is None]
        events = sorted(live, key=lambda e: (e.done_on, e.step, e.pk or 0))
        docs = {d.kind: d for d in applicant.documents.all() if d.withdrawn_at is None}
        return cls(applicant, events, docs)

    def step_events(self, n: int | None = None) -> list[StepEvent]:
        return [e for e in self.events if e.kind == StepEvent.Kind.STEP and (n is None or e.step == n)]

    def first(self, n: int) -> StepEvent | None:
        found = self.step_events(n)
        return found[0] if found else None

    def last(self, n: int) -> StepEvent | None:
        found = self.step_events(n)
        return found[-1] if found else None

    @property
    def last_step(self) -> int | None:
        done = [e.step for e in self.step_events()]
        return max(done) if done else None

    @property
    def extension(self) -> StepEvent | None:
        found = [e for e in self.events if e.kind == StepEvent.Kind.EXTENSION]
        return found[0] if found else None

    def probation_end(self, params: Params) -> dt.date | None:
        """The last day of the probation: one year (plus any extension) from the admission meeting."""
        meeting = self.first(steps.ADMISSION_MEETING)
        if meeting is None:
            return None
        months = params["probation_months"] + (
            int(self.extension.data.get("months", 0)) if self.extension else 0
        )
        return period_end(meeting.done_on, months)


def period_end(start: dt.date, months: int) -> dt.date:
    """The last day of a period of `months` from `start`: the day before the same day `months` later, or
    that month's last day when it has no such day (admitted 29 Feb 2024: a year ends 28 Feb 2025)."""
    same = add_months(start, months)
    return same if same.day != start.day else same - dt.timedelta(days=1)


def _int(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return None


def meeting_problems(data: dict[str, Any]) -> list[Violation]:
    """支部大会: more than half of the members entitled to attend must be present, and more than half of
    them (not of those present; written opinions of the absent count) must vote for the admission."""
    entitled, present, votes = (_int(data, k) for k in ("entitled", "present", "votes_for"))
    if entitled is None or present is None or votes is None or entitled == 0:
        return [
            Violation(
                "支部大会", "请填写应到会有表决权的正式党员人数、实到人数和赞成票数（整数，应到人数大于 0）"
            )
        ]
    out = []
    if present > entitled or votes > entitled:
        out.append(Violation("支部大会", f"实到 {present} 人、赞成 {votes} 票不能多于应到 {entitled} 人"))
        return out
    if present * 2 <= entitled:
        out.append(
            Violation(
                "支部大会到会人数",
                f"有表决权的到会人数须超过应到会人数的半数：应到 {entitled} 人，实到 {present} 人，"
                f"至少须到 {entitled // 2 + 1} 人",
            )
        )
    if votes * 2 <= entitled:
        out.append(
            Violation(
                "支部大会表决",
                f"赞成人数须超过应到会有表决权的正式党员的半数：应到 {entitled} 人，赞成 {votes} 票，"
                f"至少须 {entitled // 2 + 1} 票",
            )
        )
    return out


def notice_problems(
    file: PersonFile, key: str, day: dt.date, params: Params, cal: WorkCalendar
) -> list[Violation]:
    kind = steps.doc_kinds()[key]
    notice = file.documents.get(key)
    need = params["notice_workdays"]
    if notice is None or notice.ends_on is None:
        return [Violation("公示", f"须先录入“{kind.name}”（至少 {need} 个工作日）")]
    out = []
    if notice.ends_on >= day:
        out.append(
            Violation(
                "公示",
                f"公示至 {notice.ends_on:{D}} 结束，{day:{D}} 尚未期满，最早 {notice.ends_on + dt.timedelta(days=1):{D}}",
            )
        )
    try:
        days = cal.workdays_between(notice.dated, notice.ends_on)
    except CalendarUnavailable as exc:
        return [*out, Violation("公示工作日", str(exc))]
    if days < need:
        out.append(
            Violation(
                "公示工作日",
                f"公示 {notice.dated:{D}} 至 {notice.ends_on:{D}} 只有 {days} 个工作日（按国家法定节假日和调休），"
                f"至少须 {need} 个工作日",
            )
        )
    return out


def check_step(
    file: PersonFile,
    n: int,
    day: dt.date,
    *,
    data: dict[str, Any],
    decision: str,
    params: Params,
    cal: WorkCalendar,
    today: dt.date,
) -> list[Violation]:
    """The rules step `n` on `day` breaks (empty: it may be recorded)."""
    step = steps.step(n)
    out: list[Violation] = []
    if day > today:
        out.append(Violation("日期", f"日期 {day:{D}} 晚于今天 {today:{D}}，不能预先记录"))
    last = file.last_step
    if n == last and not step.repeatable:
        out.append(Violation("步骤顺序", f"步骤“{step.label}”已于 {file.last(n).done_on:{D}} 记录"))  # type: ignore[union-attr]
    elif n < (last or 0) or n > (last or 0) + 1:
        expected = steps.step((last or 0) + 1).label if (last or 0) < steps.LAST_STEP else "（已全部完成）"
        out.append(Violation("步骤顺序", f"不能跳步或倒序记录：下一步应为“{expected}”"))
    if file.events and day < file.events[-1].done_on:
        prev = file.events[-1]
        out.append(Violation("步骤顺序", f"日期 {day:{D}} 早于上一步（{prev.done_on:{D}}）"))
    first = {k: file.first(k) for k in (1, 3, 15, 23)}
    if n == 1:
        reached = birthday(file.applicant.birth_date, params["min_age"])
        if day < reached:
            out.append(
                Violation(
                    "年满十八周岁",
                    f"出生于 {file.applicant.birth_date:{D}}，{day:{D}} 未满 {params['min_age']} 周岁"
                    f"（{reached:{D}} 年满），不能递交入党申请",
                )
            )
    if n == 2 and first[1]:
        limit = period_end(first[1].done_on, params["talk_months"])
        if day > limit:
            out.append(
                Violation(
                    "一个月内谈话",
                    f"{first[1].done_on:{D}} 收到申请，须在 {params['talk_months']} 个月内（{limit:{D}} 前）谈话，"
                    f"{day:{D}} 已超期",
                )
            )
    if n == 3 and first[1]:
        earliest = period_end(first[1].done_on, params["applied_before_activist_months"]) + ONE_DAY
        if day < earliest:
            out.append(
                Violation(
                    "申请满半年",
                    f"{first[1].done_on:{D}} 申请，须满 {params['applied_before_activist_months']} 个月"
                    f"（{earliest:{D}} 起）才能确定为入党积极分子",
                )
            )
    if n == 7 and first[3]:
        earliest = period_end(first[3].done_on, 12 * params["activist_years"]) + ONE_DAY
        if day < earliest:
            out.append(
                Violation(
                    "培养一年以上",
                    f"{first[3].done_on:{D}} 确定为入党积极分子，须经 {params['activist_years']} 年以上培养"
                    f"（{earliest:{D}} 起）才能确定为发展对象",
                )
            )
    if n == 9:
        names = (
            [str(s).strip() for s in data.get("sponsors", []) if str(s).strip()]
            if isinstance(data.get("sponsors"), list)
            else []
        )
        if len(names) != params["sponsors"] or len(set(names)) != len(names):
            out.append(
                Violation(
                    "两名入党介绍人",
                    f"须有 {params['sponsors']} 名不同的入党介绍人，已填 {len(set(names))} 名",
                )
            )
        if data.get("sponsors_full") is not True:
            out.append(Violation("两名入党介绍人", "入党介绍人须为正式党员，请确认"))
    if n == 10 and not decision.strip():
        out.append(Violation("政治审查", "政治审查须有书面结论，请在“结论/决定”中填写"))
    if n == 11:
        days, hours = _int(data, "training_days"), _int(data, "training_hours")
        if (days or 0) < params["training_days"] and (hours or 0) < params["training_hours"]:
            out.append(
                Violation(
                    "集中培训",
                    f"集中培训须不少于 {params['training_days']} 天或 {params['training_hours']} 学时，"
                    f"填写为 {days or 0} 天、{hours or 0} 学时",
                )
            )
    if n == 12:
        review = file.first(10)
        if review is None or not review.decision.strip():
            out.append(Violation("政治审查", "没有政治审查结论，不能提交支部委员会审查"))
    if step.needs_request:
        out += _document_before(file, step.needs_request, day)
    if step.needs_approval:
        out += _document_before(file, step.needs_approval, day)
    if n == steps.ADMISSION_MEETING:
        out += notice_problems(file, "n1", day, params, cal) + meeting_problems(data)
    if n == steps.ADMISSION_APPROVAL and first[15]:
        out += _approval_in_time(
            first[15].done_on, day, data, params["approval_months"], params["approval_max_months"]
        )
    if n == steps.FULL_MEETING:
        end = file.probation_end(params)
        if end is not None and day <= end:
            out.append(
                Violation(
                    "预备期一年",
                    f"预备期自 {first[15].done_on:{D}} 支部大会通过之日起，至 {end:{D}} 期满"  # type: ignore[union-attr]
                    f"{'（已延长）' if file.extension else ''}，{day:{D}} 不能讨论转正",
                )
            )
        out += notice_problems(file, "n2", day, params, cal) + meeting_problems(data)
    if n == steps.FULL_APPROVAL and first[23]:
        out += _approval_in_time(
            first[23].done_on, day, data, params["full_approval_months"], params["full_approval_months"]
        )
    return out


def _document_before(file: PersonFile, key: str, day: dt.date) -> list[Violation]:
    doc = file.documents.get(key)
    name = steps.doc_name(key)
    if doc is None:
        return [Violation("四请示三批复", f"须先录入“{name}”")]
    if doc.dated > day:
        return [Violation("四请示三批复", f"“{name}”日期为 {doc.dated:{D}}，晚于本步骤日期 {day:{D}}")]
    return []


def _approval_in_time(
    meeting: dt.date, day: dt.date, data: dict[str, Any], months: int, max_months: int
) -> list[Violation]:
    limit, max_limit = period_end(meeting, months), period_end(meeting, max_months)
    special = str(data.get("special_reason", "")).strip()
    if day <= limit:
        return []
    if day <= max_limit and special:
        return []
    if day <= max_limit:
        return [
            Violation(
                "审批时限",
                f"{meeting:{D}} 支部大会通过，上级党委须在 {months} 个月内（{limit:{D}} 前）审批；"
                f"特殊情况可延长至 {max_months} 个月（{max_limit:{D}} 前），须填写特殊情况说明",
            )
        ]
    return [
        Violation(
            "审批时限",
            f"{meeting:{D}} 支部大会通过，审批最迟不能超过 {max_months} 个月（{max_limit:{D}}），{day:{D}} 已超期",
        )
    ]


def check_extension(
    file: PersonFile, day: dt.date, months: int | None, params: Params, today: dt.date
) -> list[Violation]:
    out = []
    if day > today:
        out.append(Violation("日期", f"日期 {day:{D}} 晚于今天 {today:{D}}，不能预先记录"))
    last = file.last_step or 0
    if last < steps.ADMISSION_APPROVAL or last >= steps.FULL_APPROVAL:
        out.append(Violation("延长预备期", "只能延长经上级党委批准、尚未转正的预备党员的预备期"))
    if file.extension is not None:
        out.append(Violation("延长预备期", f"预备期只能延长一次，已于 {file.extension.done_on:{D}} 延长"))
    lo, hi = params["extension_min_months"], params["extension_max_months"]
    if months is None or not lo <= months <= hi:
        out.append(Violation("延长预备期", f"延长期限须为 {lo}–{hi} 个月"))
    end = file.probation_end(params)
    if end is not None and day > end:
        out.append(Violation("延长预备期", f"预备期已于 {end:{D}} 期满，{day:{D}} 不能再延长"))
    return out


def check_document(
    file: PersonFile, key: str, dated: dt.date, ends_on: dt.date | None, today: dt.date
) -> list[Violation]:
    kind = steps.doc_kinds()[key]
    out = []
    if dated > today:
        out.append(Violation("日期", f"日期 {dated:{D}} 晚于今天 {today:{D}}"))
    if key in file.documents:
        out.append(Violation("四请示三批复", f"“{kind.name}”已录入（{file.documents[key].dated:{D}}）"))
    if kind.kind == "request":
        sender = next(s for s in steps.all_steps().values() if s.request == key)
        done = file.first(sender.n)
        if done is None or done.done_on > dated:
            out.append(Violation("四请示三批复", f"“{kind.name}”须在“{sender.label}”之后"))
    if kind.kind == "approval":
        request = file.documents.get(kind.answers)
        if request is None or request.dated > dated:
            out.append(
                Violation(
                    "四请示三批复", f"批复须答复已录入的“{steps.doc_name(kind.answers)}”，且不早于请示日期"
                )
            )
    if kind.kind == "notice":
        done = file.first(kind.after_step)
        if done is None or done.done_on > dated:
            out.append(Violation("公示", f"“{kind.name}”须在“{steps.step(kind.after_step).label}”之后"))
        if ends_on is None or ends_on < dated:
            out.append(Violation("公示", "请填写公示截止日期（不早于开始日期）"))
    return out


def overdue_requests(file: PersonFile, book: Any, today: dt.date) -> list[tuple[Document, dt.date]]:
    """Requests still without their approval after the answer deadline: (request, deadline)."""
    out = []
    for key, kind in steps.doc_kinds().items():
        if kind.kind != "request" or not kind.answered_by:
            continue
        request = file.documents.get(key)
        if request is None or kind.answered_by in file.documents:
            continue
        deadline = period_end(request.dated, book.on(request.dated)[kind.answer_months_param])
        if today > deadline:
            out.append((request, deadline))
    return out


# --- withdrawing (decisions §80): what a later record rests on --------------------------------------------


def withdraw_event_problems(file: PersonFile, event: StepEvent) -> list[Violation]:
    """Only the file's latest event may be withdrawn (later steps never rest on a withdrawn one), and not
    while a recorded document rests on it (the request its step sends, a notice that follows it)."""
    if event.withdrawn_at is not None:
        return [Violation("撤回", "该记录已撤回")]
    if not file.events or file.events[-1].pk != event.pk:
        return [Violation("撤回", "只能撤回最后一条步骤记录；请先撤回其后的记录")]
    if event.kind != StepEvent.Kind.STEP or len(file.step_events(event.step)) > 1:
        return []  # an extension, or a repeated step whose earlier record still stands
    step = steps.step(event.step)
    out = []
    for key, kind in steps.doc_kinds().items():
        if key in file.documents and (step.request == key or kind.after_step == event.step):
            out.append(Violation("撤回", f"“{kind.name}”以该步骤为前提，请先撤回该文书"))
    return out


def withdraw_document_problems(file: PersonFile, doc: Document) -> list[Violation]:
    """A document may be withdrawn while no later record rests on it: a step that needs it (or that its
    notice precedes), or the approval that answers the request."""
    if doc.withdrawn_at is not None:
        return [Violation("撤回", "该文书已撤回")]
    kind = steps.doc_kinds().get(doc.kind)
    if kind is None:
        return []
    out = []
    for s in steps.all_steps().values():
        if s.n in {e.step for e in file.step_events()} and (
            doc.kind in (s.needs_request, s.needs_approval) or (kind.before_step and s.n == kind.before_step)
        ):
            out.append(Violation("撤回", f"“{s.label}”以该文书为前提，请先撤回该步骤"))
    if kind.answered_by and kind.answered_by in file.documents:
        out.append(Violation("撤回", f"“{steps.doc_name(kind.answered_by)}”答复该请示，请先撤回该批复"))
    return out
