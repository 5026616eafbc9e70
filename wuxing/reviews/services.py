"""Every write of the yearly review: authority first, one transaction, a DecisionLog row per transition.

Who may do what (issue 8 item 9):
- a secretary: only their own organisation's assessment, only while it is a draft (target level, submit);
- street/town staff: only their own street's assessments, only at the street's stage (submitted):
  change a value with a reason, return with a comment, forward;
- the district admin: everything before naming (also return at any stage, approve one or in bulk, name);
- after naming nothing changes except star removal (摘星, the district, with a file or a veto event as
  evidence);
- the stage deadlines of a cycle: the district, until naming, with a reason (the notice length only
  before the notice starts).
A refused action raises PermissionDenied (not allowed at all) or ValidationError (not now), in Chinese,
before anything is written.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from wuxing.core.bulk import bulk_set
from wuxing.core.dates import DateError, check_year
from wuxing.core.locking import check_version, integrity_to_validation
from wuxing.core.management.base import system_user
from wuxing.core.models import DecisionLog
from wuxing.core.services import log_decision, real_user, save_with_history
from wuxing.core.uploads import check_evidence
from wuxing.core.workdays import CalendarUnavailable, WorkCalendar, today
from wuxing.orgs.models import AreaKind, Level, OrgUnit
from wuxing.orgs.rules import is_district_admin, is_secretary_of, org_in_own_street
from wuxing.reviews.models import (
    UNDER_REVIEW,
    Assessment,
    CycleStatus,
    NamedResult,
    Objection,
    ReviewCycle,
    Stage,
    StarRemoval,
    ValueChange,
)
from wuxing.rules import services as rule_services
from wuxing.rules.models import Score
from wuxing.rules.stale import invalidate


@dataclass(frozen=True)
class Defaults:
    """Default stage lengths in official working days, counted from the day the cycle is opened.
    five-star.md §4 leaves the chain and its periods [open]; only the 5-working-day notice is the
    documented default. The district changes any deadline when opening the cycle."""

    self_workdays: int = 15  # [open] self-assessment (自评)
    street_workdays: int = 10  # [open] street/town preliminary review (初评), after self-assessment
    district_workdays: int = 10  # [open] district review (审核), after the street's
    notice_workdays: int = 5  # public notice (公示), five-star.md §4 default


DEFAULTS = Defaults()

ACTION_LABELS = {
    "opened": "启动评星",
    "saved": "保存自评",
    "submit": "提交",
    "return": "退回",
    "forward": "初评通过并上报",
    "approve": "区级审核通过",
    "record": "补录线下评审结果",
    "name": "命名",
    "value_changed": "评审改值",
    "deadlines_changed": "修改截止日期",
}


def role_of(actor: Any) -> str:
    if real_user(actor) is None or getattr(actor, "is_superuser", False):
        return "district_admin"
    return str(getattr(actor, "role", "") or "")


def _district(actor: Any) -> bool:
    return bool(actor is not None and is_district_admin(actor))


def _street_of(actor: Any, org: OrgUnit) -> bool:
    return bool(
        actor is not None
        and getattr(actor, "is_active", False)
        and role_of(actor) == "street_staff"
        and actor.scope_org_id
        and org_in_own_street(actor, org)
    )


def _secretary_of(actor: Any, org: OrgUnit) -> bool:
    return bool(actor is not None and getattr(actor, "is_active", False) and is_secretary_of(actor, org))


# --- deadlines ------------------------------------------------------------------------------------------


def default_deadlines(opened_on: dt.date, cal: WorkCalendar | None = None) -> dict[str, Any]:
    """The default deadline of each stage from the opening day, in official working days. Raises
    ValidationError naming the year when the official calendar of a year it needs is not known."""
    cal = cal or WorkCalendar()
    try:
        self_deadline = cal.add_workdays(opened_on, DEFAULTS.self_workdays)
        street_deadline = cal.add_workdays(self_deadline, DEFAULTS.street_workdays)
        district_deadline = cal.add_workdays(street_deadline, DEFAULTS.district_workdays)
    except CalendarUnavailable as exc:
        raise ValidationError(
            f"无法按工作日计算默认截止日期：{exc}；也可以直接填写各环节的截止日期。"
        ) from exc
    return {
        "self_deadline": self_deadline,
        "street_deadline": street_deadline,
        "district_deadline": district_deadline,
        "notice_workdays": DEFAULTS.notice_workdays,
    }


DEADLINE_FIELDS = ("self_deadline", "street_deadline", "district_deadline", "notice_workdays")
DEADLINE_LABELS = {
    "self_deadline": "自评截止",
    "street_deadline": "街道初评截止",
    "district_deadline": "区级审核截止",
    "notice_workdays": "公示期（工作日）",
}
NOTICE_WORKDAYS_MAX = 60


def _show(value: Any) -> str:
    return f"{value:%Y-%m-%d}" if isinstance(value, dt.date) else str(value)


def check_deadline_order(values: dict[str, Any], opened_on: dt.date) -> None:
    """The stages end in order and not before the cycle was opened; each error names its field."""
    errors: dict[str, str] = {}
    for key in ("self_deadline", "street_deadline", "district_deadline"):
        try:
            check_year(values[key])
        except DateError as exc:
            errors[key] = str(exc)
    if not errors:
        if values["self_deadline"] < opened_on:
            errors["self_deadline"] = f"自评截止不能早于启动日期（{opened_on:%Y-%m-%d}）"
        if values["street_deadline"] < values["self_deadline"]:
            errors["street_deadline"] = "街道初评截止不能早于自评截止"
        if values["district_deadline"] < values["street_deadline"]:
            errors["district_deadline"] = "区级审核截止不能早于街道初评截止"
    workdays = values["notice_workdays"]
    if not (isinstance(workdays, int) and 1 <= workdays <= NOTICE_WORKDAYS_MAX):
        errors["notice_workdays"] = f"公示期应为 1–{NOTICE_WORKDAYS_MAX} 个工作日"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def change_deadlines(
    actor: Any,
    cycle: ReviewCycle,
    changes: dict[str, Any],
    reason: str,
    *,
    expected_version: int | None,
) -> ReviewCycle:
    """The district changes an open cycle's stage deadlines and notice length, with a mandatory reason.

    `changes` holds any of DEADLINE_FIELDS (None or missing: kept). Refused: anybody but the district
    (PermissionDenied); a named cycle; the notice length once the notice has started; deadlines out of
    order (self ≤ street ≤ district, none before the opening day); a page or call showing an older
    version (EditConflict naming who changed what). One history row, one DecisionLog row
    ("deadlines_changed", each from → to and the reason in its comment). Everything that reads the
    deadlines (reviews.queries.due_for, the cycle pages, the API) reads the new ones from then on."""
    if not _district(actor):
        raise PermissionDenied("您没有权限：只有区委组织部可以修改截止日期")
    check_version(cycle, expected_version)
    current = ReviewCycle.objects.get(pk=cycle.pk)
    if current.is_named:
        raise ValidationError("该年度已命名，截止日期不能再修改")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "修改截止日期必须填写原因"})
    before = {key: getattr(current, key) for key in DEADLINE_FIELDS}
    after = {**before, **{k: v for k, v in changes.items() if k in DEADLINE_FIELDS and v is not None}}
    if after["notice_workdays"] != before["notice_workdays"] and current.notice_start is not None:
        raise ValidationError({"notice_workdays": "公示已经开始，公示期不能再修改"})
    check_deadline_order(after, current.opened_on)
    changed = [key for key in DEADLINE_FIELDS if after[key] != before[key]]
    if not changed:
        raise ValidationError("截止日期没有变化")
    for key in changed:
        setattr(current, key, after[key])
    save_with_history(current, actor, f"修改截止日期：{reason}"[:100])
    detail = "；".join(
        f"{DEADLINE_LABELS[key]} {_show(before[key])} → {_show(after[key])}" for key in changed
    )
    log_decision(
        current,
        "deadlines_changed",
        actor,
        from_state=current.status,
        to_state=current.status,
        comment=f"{detail}。原因：{reason[:300]}",
    )
    return current


# --- opening ---------------------------------------------------------------------------------------------


@transaction.atomic
def open_cycle(
    actor: Any,
    year: int,
    kind: str,
    *,
    opened_on: dt.date | None = None,
    deadlines: dict[str, Any] | None = None,
    comment: str = "",
) -> ReviewCycle:
    """Open a year's review for one kind of organisation on the active rulebook version; every
    organisation of that kind gets a draft assessment. Deadlines not given take the defaults."""
    if not _district(actor):
        raise PermissionDenied("只有区委组织部可以启动年度评星")
    if kind not in AreaKind.values:
        raise ValidationError({"kind": "类型应为农村或城市社区"})
    label = AreaKind(kind).label
    rb = rule_services.active_rulebook(year, kind)
    if rb is None:
        raise ValidationError(f"{year}年尚未启用{label}星级细则，不能启动评星")
    if ReviewCycle.objects.filter(year=year, kind=kind).exists():
        raise ValidationError(f"{year}年{label}评星已经启动")
    opened_on = opened_on or today()
    given = {k: v for k, v in (deadlines or {}).items() if v is not None}
    values = (
        given
        if {"self_deadline", "street_deadline", "district_deadline"} <= set(given)
        else {
            **default_deadlines(opened_on),
            **given,
        }
    )
    values.setdefault("notice_workdays", DEFAULTS.notice_workdays)
    if not values["self_deadline"] <= values["street_deadline"] <= values["district_deadline"]:
        raise ValidationError("各环节截止日期应依次排列：自评 ≤ 街道初评 ≤ 区级审核")
    cycle = ReviewCycle(
        year=year, kind=kind, rulebook=rb, opened_on=opened_on, opened_by=real_user(actor), **values
    )
    with integrity_to_validation({"review_cycle_unique": ("year", f"{year}年{label}评星刚由他人启动")}):
        save_with_history(cycle, actor, comment or "启动年度评星")
    branches = OrgUnit.objects.filter(level=Level.BRANCH, area_kind=kind).values_list("pk", flat=True)
    bulk_create_with_history(
        [Assessment(cycle=cycle, org_id=pk) for pk in branches],
        Assessment,
        batch_size=1000,
        default_user=real_user(actor),
        default_change_reason="启动年度评星",
    )
    log_decision(cycle, "review_opened", actor, to_state=CycleStatus.OPEN, comment=comment or f"细则 {rb}")
    return cycle


@transaction.atomic
def sync_assessments(cycle: ReviewCycle) -> int:
    """Give every branch of the cycle's kind created after opening a draft (a branch registered through
    the organisation form gets one at once, see `branch_created`; a bulk registry import is caught up
    here, before the notice and before naming). Returns how many were added."""
    if cycle.status == CycleStatus.NAMED:
        return 0
    missing = (
        OrgUnit.objects.filter(level=Level.BRANCH, area_kind=cycle.kind)
        .exclude(pk__in=Assessment.objects.filter(cycle=cycle).values("org_id"))
        .values_list("pk", flat=True)
    )
    added = [Assessment(cycle=cycle, org_id=pk) for pk in missing]
    bulk_create_with_history(added, Assessment, default_change_reason="启动后新建的组织：补建自评")
    return len(added)


def branch_created(sender: Any, instance: OrgUnit, created: bool, **kwargs: Any) -> None:
    """post_save of OrgUnit (connected in AppConfig.ready): a branch registered while a cycle of its kind
    is open gets a draft in it."""
    if not created or instance.level != Level.BRANCH or kwargs.get("raw"):
        return
    for cycle in ReviewCycle.objects.filter(kind=instance.area_kind).exclude(status=CycleStatus.NAMED):
        Assessment.objects.get_or_create(cycle=cycle, org=instance)


# --- the secretary's part ------------------------------------------------------------------------------


def _locked(assessment: Assessment, expected_version: int | None) -> Assessment:
    """Lock the row, refuse a stale page (EditConflict naming the other person's change), and return
    the assessment as stored now."""
    check_version(assessment, expected_version)
    return Assessment.objects.select_related("cycle", "org").get(pk=assessment.pk)


def _not_named(assessment: Assessment) -> None:
    if assessment.cycle.is_named or assessment.state == Stage.NAMED:
        raise ValidationError("该年度已命名，不能再修改")


@transaction.atomic
def save_target(
    actor: Any, assessment: Assessment, target_level: int | None, *, expected_version: int | None = None
) -> Assessment:
    """The secretary states (or the district corrects) the target star level of a draft."""
    if not (_secretary_of(actor, assessment.org) or _district(actor)):
        raise PermissionDenied("只有本组织书记或区委组织部可以填写自评")
    current = _locked(assessment, expected_version)
    _not_named(current)
    if current.state != Stage.DRAFT:
        raise ValidationError("已提交，待街道退回后才能修改")
    if target_level is not None and not 0 <= target_level <= 5:
        raise ValidationError({"target_level": "目标星级应为 0–5"})
    current.target_level = target_level
    save_with_history(current, actor, "保存自评")
    return current


# --- transitions -----------------------------------------------------------------------------------------


def _may(actor: Any, action: str, org: OrgUnit) -> bool:
    if _district(actor):
        return True
    if action == "submit":
        return _secretary_of(actor, org)
    if action in ("return", "forward", "change_value"):
        return _street_of(actor, org)
    return False


REFUSALS = {
    "submit": "您没有权限：只有本组织书记或区委组织部可以提交自评",
    "return": "您没有权限：只有本街道/镇或区委组织部可以退回",
    "forward": "您没有权限：只有本街道/镇或区委组织部可以初评上报",
    "approve": "您没有权限：只有区委组织部可以审核通过",
    "change_value": "您没有权限：只有本街道/镇（初评时）或区委组织部（审核时）可以修改填报值",
}


def _from_states(actor: Any, action: str) -> tuple[str, ...]:
    if action == "submit":
        return (Stage.DRAFT,)
    if action == "forward":
        return (Stage.SUBMITTED,)
    if action == "approve":
        return (Stage.STREET_REVIEWED,)
    # return / change a value: the street at its stage, the district until naming
    return UNDER_REVIEW if _district(actor) else (Stage.SUBMITTED,)


TO_STATE = {
    "submit": Stage.SUBMITTED,
    "return": Stage.DRAFT,
    "forward": Stage.STREET_REVIEWED,
    "approve": Stage.DISTRICT_APPROVED,
}


def _check_stage(actor: Any, action: str, current: Assessment) -> None:
    _not_named(current)
    if current.state not in _from_states(actor, action):
        raise ValidationError(
            f"当前环节为“{current.get_state_display()}”，您不能{ACTION_LABELS.get(action, '修改')}"
        )


@transaction.atomic
def transition(
    actor: Any, assessment: Assessment, action: str, comment: str = "", *, expected_version: int | None = None
) -> Assessment:
    """submit / return / forward / approve one assessment. A page or an API call sends the lock_version
    it showed: if someone acted in between, EditConflict says who did what and nothing changes."""
    if action not in TO_STATE:
        raise ValidationError("未知的操作")
    if not _may(actor, action, assessment.org) or (action == "approve" and not _district(actor)):
        raise PermissionDenied(REFUSALS[action])
    comment = (comment or "").strip()[:500]
    current = _locked(assessment, expected_version)
    _check_stage(actor, action, current)
    if action == "submit" and current.target_level is None:
        raise ValidationError({"target_level": "请先填写目标星级再提交"})
    if action == "return" and not comment:
        raise ValidationError({"comment": "退回必须填写意见"})
    before = current.state
    current.state = TO_STATE[action]
    if comment or action == "return":
        current.comment = comment
    save_with_history(current, actor, comment or ACTION_LABELS[action])
    log_decision(
        current, f"review_{action}", actor, from_state=before, to_state=current.state, comment=comment
    )
    return current


def _bulk_move(actor: Any, assessments: list[Assessment], to_state: str, action: str, comment: str) -> int:
    """Move many assessments at once: one UPDATE, one history row and one DecisionLog row each."""
    if not assessments:
        return 0
    now = timezone.now()
    from_states = {a.pk: a.state for a in assessments}
    for a in assessments:
        a.state = to_state
        a.lock_version += 1
        a.updated_at = now
    bulk_set(assessments, ["state", "lock_version", "updated_at"], batch_size=500)
    Assessment.history.bulk_history_create(
        assessments, default_user=real_user(actor), default_change_reason=comment or ACTION_LABELS[action]
    )
    content_type = ContentType.objects.get_for_model(Assessment)
    DecisionLog.objects.bulk_create(
        [
            DecisionLog(
                content_type=content_type,
                object_id=str(a.pk),
                action=f"review_{action}",
                from_state=from_states[a.pk],
                to_state=to_state,
                actor=real_user(actor),
                actor_role=role_of(actor),
                comment=comment,
            )
            for a in assessments
        ],
        batch_size=500,
    )
    return len(assessments)


@transaction.atomic
def approve_bulk(actor: Any, cycle: ReviewCycle, ids: Iterable[int] | None = None, comment: str = "") -> int:
    """Approve the selected forwarded assessments of a cycle (all forwarded ones when `ids` is None).
    A selected assessment that is not forwarded (any more) refuses the whole batch, naming it."""
    if not _district(actor):
        raise PermissionDenied(REFUSALS["approve"])
    cycle = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.is_named:
        raise ValidationError("该年度已命名，不能再修改")
    qs = Assessment.objects.select_for_update().filter(cycle=cycle).select_related("org")
    if ids is None:
        chosen = list(qs.filter(state=Stage.STREET_REVIEWED))
    else:
        wanted = set(ids)
        chosen = list(qs.filter(pk__in=wanted))
        if len(chosen) != len(wanted):
            raise ValidationError("所选的部分组织不在本周期中")
        not_ready = [a.org.name for a in chosen if a.state != Stage.STREET_REVIEWED]
        if not_ready:
            raise ValidationError(f"以下组织当前不在“待区级审核”环节：{'、'.join(not_ready[:10])}")
    if not chosen:
        raise ValidationError("没有待区级审核的组织")
    return _bulk_move(actor, chosen, Stage.DISTRICT_APPROVED, "approve", comment.strip()[:500])


@transaction.atomic
def record_offline_review(actor: Any, cycle: ReviewCycle, comment: str) -> int:
    """The district records a review done on paper: every assessment not yet approved is moved to
    "区级已审核" in one step, each with its DecisionLog row and the comment (mandatory). Used for years
    reviewed before the platform (the demo's 2023)."""
    if not _district(actor):
        raise PermissionDenied("只有区委组织部可以补录线下评审结果")
    if not comment.strip():
        raise ValidationError({"comment": "补录必须说明依据"})
    cycle = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.is_named:
        raise ValidationError("该年度已命名，不能再修改")
    pending = list(
        Assessment.objects.select_for_update().filter(cycle=cycle).exclude(state=Stage.DISTRICT_APPROVED)
    )
    return _bulk_move(actor, pending, Stage.DISTRICT_APPROVED, "record", comment.strip()[:500])


# --- values during the review ------------------------------------------------------------------------------

# Set while the review service itself writes a value (a reviewer's change with its reason).
_REVIEWING: contextvars.ContextVar[bool] = contextvars.ContextVar("reviewing", default=False)


@contextmanager
def _reviewer_change() -> Iterator[None]:
    token = _REVIEWING.set(True)
    try:
        yield
    finally:
        _REVIEWING.reset(token)


def guard_values(actor: Any, org: OrgUnit, year: int) -> None:
    """Registered in rules.services.VALUE_EDIT_GUARDS: refuse edits of an organisation's values of a
    year that is named (anybody), or whose assessment is under review (anybody but the review service:
    a reviewer changes a value on the review page, with a reason)."""
    state = (
        Assessment.objects.filter(org=org, cycle__year=year, cycle__kind=org.area_kind)
        .values_list("state", "cycle__status")
        .first()
    )
    if state is None:
        if NamedResult.objects.filter(org=org, year=year).exists():
            raise ValidationError("该年度已命名，数值不能再修改")
        return
    stage, status = state
    if status == CycleStatus.NAMED or stage == Stage.NAMED:
        raise ValidationError("该年度已命名，数值不能再修改")
    if stage in UNDER_REVIEW and not _REVIEWING.get():
        if role_of(actor) == "secretary":
            raise ValidationError("已提交，待街道退回后才能修改")
        raise ValidationError("评审期间请在“年度评星”页面修改数值，并填写理由")


@transaction.atomic
def change_value(
    actor: Any,
    assessment: Assessment,
    code: str,
    raw_value: Any,
    reason: str,
    *,
    shown: Any = None,
) -> ValueChange:
    """A reviewer changes one value during the review, with a mandatory reason: the value is written
    through the star rules' service (same checks, same per-value lock: `shown` is the value the page
    showed, and a value changed by someone else since is refused naming who changed it to what), and a
    ValueChange records "填报 85 → 初评 80：理由"."""
    org = assessment.org
    if not _may(actor, "change_value", org):
        raise PermissionDenied(REFUSALS["change_value"])
    reason = (reason or "").strip()
    current = Assessment.objects.select_for_update().select_related("cycle", "org").get(pk=assessment.pk)
    _check_stage(actor, "change_value", current)
    if not reason:
        raise ValidationError({"reason": "修改填报值必须填写理由"})
    year = current.cycle.year
    before = (
        Score.objects.filter(org=org, year=year, indicator_code=code).values_list("value", flat=True).first()
    )
    with _reviewer_change():
        rule_services.save_scores(actor, org, year, {code: raw_value}, reason[:300], expected={code: shown})
    after = (
        Score.objects.filter(org=org, year=year, indicator_code=code).values_list("value", flat=True).first()
    )
    if before == after:
        raise ValidationError({"value": "新值与原值相同，没有修改"})
    change = ValueChange.objects.create(
        assessment=current,
        indicator_code=code,
        from_value=before,
        to_value=after,
        stage=current.state,
        reason=reason[:300],
        by=real_user(actor),
        role=role_of(actor),
    )
    log_decision(
        current,
        "review_value_changed",
        actor,
        from_state=_plain(before),
        to_state=_plain(after),
        comment=f"{code}：{reason}",
    )
    return change


def _plain(value: Decimal | None) -> str:
    if value is None:
        return "未填报"
    text = format(value.normalize(), "f")
    return text


# --- public notice (公示) and objections (异议) ---------------------------------------------------------------


def notice_period(start: dt.date, workdays: int, cal: WorkCalendar | None = None) -> tuple[dt.date, dt.date]:
    """The notice runs `workdays` official working days from `start` (or the first working day after it,
    if `start` is a holiday, a weekend or not a make-up working day): (first day, last day). A year whose
    official calendar is not known is refused, naming the year."""
    cal = cal or WorkCalendar()
    try:
        first = start if cal.is_workday(start) else cal.add_workdays(start, 1)
        return first, cal.add_workdays(first, workdays - 1)
    except CalendarUnavailable as exc:
        raise ValidationError(f"无法计算公示期：{exc}") from exc


def start_notice(actor: Any, cycle: ReviewCycle, start: dt.date, comment: str = "") -> ReviewCycle:
    """See _start_notice; branches created since opening first get their drafts (which then hold the
    notice back until they are reviewed)."""
    if _district(actor):
        sync_assessments(cycle)
    return _start_notice(actor, cycle, start, comment)


@transaction.atomic
def _start_notice(actor: Any, cycle: ReviewCycle, start: dt.date, comment: str = "") -> ReviewCycle:
    """Publish the proposed levels: every assessment approved by the district; the period is counted in
    official working days (the cycle's notice_workdays). The cycle becomes "公示中"."""
    if not _district(actor):
        raise PermissionDenied("您没有权限：只有区委组织部可以发布公示")
    cycle = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != CycleStatus.OPEN:
        raise ValidationError(f"当前状态为“{cycle.get_status_display()}”，不能发布公示")
    pending = Assessment.objects.filter(cycle=cycle).exclude(state=Stage.DISTRICT_APPROVED).count()
    if pending:
        raise ValidationError(f"还有 {pending} 个组织未经区级审核通过，不能发布公示")
    first, last = notice_period(start, cycle.notice_workdays)
    before = cycle.status
    cycle.notice_start, cycle.notice_end, cycle.status = first, last, CycleStatus.NOTICE
    save_with_history(cycle, actor, comment or "发布公示")
    log_decision(
        cycle,
        "review_notice",
        actor,
        from_state=before,
        to_state=cycle.status,
        comment=f"公示期 {first:%Y-%m-%d} 至 {last:%Y-%m-%d}（{cycle.notice_workdays}个工作日）"
        + (f"；{comment}" if comment else ""),
    )
    return cycle


@transaction.atomic
def record_objection(
    actor: Any, cycle: ReviewCycle, org: OrgUnit, raised_on: dt.date, text: str
) -> Objection:
    """Record an objection to an organisation's proposed level, raised during the notice period (the
    district, or the street the organisation belongs to)."""
    if not (_district(actor) or _street_of(actor, org)):
        raise PermissionDenied("您没有权限：只有区委组织部或本街道/镇可以登记异议")
    cycle = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != CycleStatus.NOTICE or cycle.notice_start is None or cycle.notice_end is None:
        raise ValidationError("本周期不在公示期，不能登记异议")
    if not Assessment.objects.filter(cycle=cycle, org=org).exists():
        raise ValidationError({"org": "该组织不在本周期中"})
    if not cycle.notice_start <= raised_on <= cycle.notice_end:
        raise ValidationError(
            {
                "raised_on": f"异议应在公示期内提出（{cycle.notice_start:%Y-%m-%d} 至 {cycle.notice_end:%Y-%m-%d}）"
            }
        )
    text = text.strip()
    if not text:
        raise ValidationError({"text": "请填写异议内容"})
    objection = Objection(
        cycle=cycle, org=org, raised_on=raised_on, text=text[:500], recorded_by=real_user(actor)
    )
    save_with_history(objection, actor, "登记异议")
    log_decision(objection, "objection_recorded", actor, to_state="open", comment=f"{org.name}：{text[:200]}")
    return objection


@transaction.atomic
def resolve_objection(actor: Any, objection: Objection, resolution: str) -> Objection:
    """The district resolves an objection (the result is mandatory); a cycle is named only when every
    objection is resolved. Correcting the result itself goes through the review (return, change a value)."""
    if not _district(actor):
        raise PermissionDenied("您没有权限：只有区委组织部可以处理异议")
    objection = Objection.objects.select_for_update().select_related("cycle", "org").get(pk=objection.pk)
    if objection.cycle.is_named:
        raise ValidationError("该年度已命名，不能再修改")
    if objection.is_resolved:
        raise ValidationError("该异议已处理")
    resolution = resolution.strip()
    if not resolution:
        raise ValidationError({"resolution": "请填写处理结果"})
    objection.resolution = resolution[:500]
    objection.resolved_by = real_user(actor)
    objection.resolved_at = timezone.now()
    save_with_history(objection, actor, "处理异议")
    log_decision(
        objection, "objection_resolved", actor, from_state="open", to_state="resolved", comment=resolution
    )
    return objection


# --- naming -----------------------------------------------------------------------------------------------


def name_cycle(actor: Any, cycle: ReviewCycle, comment: str = "") -> int:
    """See _name_cycle; branches created since opening first get their drafts (holding naming back)."""
    if _district(actor):
        sync_assessments(cycle)
    return _name_cycle(actor, cycle, comment)


@transaction.atomic
def _name_cycle(actor: Any, cycle: ReviewCycle, comment: str = "") -> int:
    """Name the cycle: its notice period over, every objection resolved and every assessment approved by
    the district; each organisation's result —
    rulebook version, stars, points per star, level — is frozen into a NamedResult (the official record
    of the year), the assessments and the cycle become "已命名", and nothing of the year changes after."""
    from wuxing.rules import queries

    if not _district(actor):
        raise PermissionDenied("只有区委组织部可以命名")
    cycle = ReviewCycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.is_named:
        raise ValidationError("该年度已经命名")
    if cycle.status != CycleStatus.NOTICE or cycle.notice_end is None:
        raise ValidationError("请先发布公示，公示期结束后才能命名")
    if today() <= cycle.notice_end:
        raise ValidationError(f"公示期至 {cycle.notice_end:%Y-%m-%d} 结束，结束后才能命名")
    open_objections = Objection.objects.filter(cycle=cycle, resolved_at__isnull=True).count()
    if open_objections:
        raise ValidationError(f"还有 {open_objections} 条异议未处理，不能命名")
    assessments = list(Assessment.objects.select_for_update().filter(cycle=cycle))
    pending = sum(1 for a in assessments if a.state != Stage.DISTRICT_APPROVED)
    if pending:
        raise ValidationError(f"还有 {pending} 个组织未经区级审核通过，不能命名")
    if not assessments:
        raise ValidationError("本周期没有任何组织")
    if rule_services.active_rulebook(cycle.year, cycle.kind) is None:
        raise ValidationError(f"{cycle.year}年没有启用的{cycle.get_kind_display()}星级细则")
    ids = [a.org_id for a in assessments]
    # the engine's rating of the whole district (live: the year is not named yet), with the reasons
    rows = queries.rate(system_user(), cycle.year, kind=cycle.kind, org_ids=ids, live=True)
    queries.explain(rows)
    now = timezone.now()
    NamedResult.objects.bulk_create(
        [
            NamedResult(
                org_id=row.org_id,
                year=cycle.year,
                kind=cycle.kind,
                cycle=cycle,
                rulebook=row.rulebook,
                level=row.level,
                stars=list(row.result.stars),
                points={code: str(p) for code, p in row.result.points.items()},
                reasons={c: list(sr.reasons) for c, sr in row.result.star_results.items() if sr.reasons},
                named_at=now,
            )
            for row in rows
        ],
        batch_size=500,
    )
    _bulk_move(actor, assessments, Stage.NAMED, "name", comment.strip()[:500])
    invalidate(cycle.year, ids)  # the kept ratings of the year now follow the official record (§46)
    before = cycle.status
    cycle.status = CycleStatus.NAMED
    cycle.named_at = now
    save_with_history(cycle, actor, comment or "命名")
    log_decision(cycle, "review_named", actor, from_state=before, to_state=cycle.status, comment=comment)
    return len(rows)


# --- star removal (摘星) -------------------------------------------------------------------------------------


@transaction.atomic
def remove_star(
    actor: Any,
    result: NamedResult,
    star_code: str,
    removed_on: dt.date,
    reason: str,
    veto_event: Any = None,
    evidence: Any = None,
) -> StarRemoval:
    """The district removes one named star for a veto event, with the date, the reason and its evidence:
    an uploaded file (`evidence`: checked by its content and size, core.uploads), the recorded veto event,
    or both — at least one of them. The named result itself is kept; the year's stars read without the
    removed one from then on, shown as removed with why. Every check runs before the file is stored, and
    a removal refused after that (a race on the same star) deletes the stored file again."""
    if not _district(actor):
        raise PermissionDenied("您没有权限：只有区委组织部可以摘星")
    result = NamedResult.objects.select_for_update().select_related("org", "rulebook").get(pk=result.pk)
    if star_code not in result.stars:
        raise ValidationError({"star_code": "该组织命名时没有这颗星"})
    if StarRemoval.objects.filter(result=result, star_code=star_code).exists():
        raise ValidationError({"star_code": "这颗星已经摘除"})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "摘星必须填写原因"})
    named_on = timezone.localdate(result.named_at)
    if not named_on <= removed_on <= today():
        raise ValidationError({"removed_on": f"摘星日期应在命名日期（{named_on:%Y-%m-%d}）之后、不晚于今天"})
    if veto_event is not None:
        if veto_event.org_id != result.org_id:
            raise ValidationError({"veto_event": "一票否决事项不属于该组织"})
        if veto_event.revoked_at is not None:
            raise ValidationError({"veto_event": "该一票否决事项已撤销，不能作为摘星依据"})
    if evidence is None and veto_event is None:
        raise ValidationError({"evidence": "摘星须有依据：请上传佐证材料，或选择已登记的一票否决事项"})
    if evidence is not None:
        try:
            check_evidence(evidence)
        except ValidationError as exc:
            raise ValidationError({"evidence": exc.messages}) from exc
    removal = StarRemoval(
        result=result,
        star_code=star_code,
        removed_on=removed_on,
        reason=reason[:300],
        veto_event=veto_event,
        by=real_user(actor),
    )
    if evidence is not None:
        removal.evidence_name = (evidence.name or "")[:255]
        removal.evidence.save(evidence.name or "evidence", evidence, save=False)
    try:
        with integrity_to_validation({"star_removed_once": ("star_code", "这颗星刚由他人摘除")}):
            removal.save()
        _log_removal(actor, result, removal)
        invalidate(result.year, [result.org_id])  # the kept rating follows the record without the star
    except BaseException:
        _delete_file(removal.evidence)  # nothing recorded: no file left behind
        raise
    return removal


def _log_removal(actor: Any, result: NamedResult, removal: StarRemoval) -> None:
    before = result.level - result.removals.exclude(pk=removal.pk).count()
    names = {s.code: s.name for s in result.rulebook.rulebook.stars}
    veto = removal.veto_event
    evidence = "；".join(
        text
        for text in (
            f"依据：{veto.veto_code}（{veto.occurred_on:%Y-%m-%d}）" if veto else "",
            f"佐证材料：{removal.evidence_name}" if removal.evidence else "",
        )
        if text
    )
    log_decision(
        result,
        "star_removed",
        actor,
        from_state=f"{before}星",
        to_state=f"{before - 1}星",
        comment=f"摘除{names.get(removal.star_code, removal.star_code)}（{removal.removed_on:%Y-%m-%d}）："
        f"{removal.reason}；{evidence}",
    )


def _delete_file(field: Any) -> None:
    if field and field.name and field.storage.exists(field.name):
        field.storage.delete(field.name)
