"""Every write of 发展党员: authority first (wuxing/members/rules.py), the step's rules
(wuxing/members/checks.py), one transaction, the change history (who and why) and a DecisionLog row.

A refused action raises PermissionDenied (not allowed) or ValidationError (a rule, in Chinese, naming
the rule and the dates) before anything is written. A district admin may record against the rules by
giving a reason: the event keeps the rules it set aside and the reason, and so does the DecisionLog.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from wuxing.core.services import log_decision, real_user, require_perm, save_with_history
from wuxing.core.workdays import WorkCalendar, today
from wuxing.members import checks, idcard, steps
from wuxing.members.limits import ParamBook, check_values
from wuxing.members.models import LIVE, Applicant, Document, Quota, RuleVersion, StepEvent
from wuxing.orgs.models import Level, OrgUnit

APPLICANT_FIELDS = (
    "name",
    "id_number",
    "sex",
    "birth_date",
    "education",
    "occupation",
    "front_line",
    "wealth_leader",
)


@dataclass
class Recorded:
    event: StepEvent | None = None
    document: Document | None = None
    overridden: list[checks.Violation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _refuse(violations: list[checks.Violation]) -> ValidationError:
    return ValidationError([str(v) for v in violations])


def _lock(applicant: Applicant, expected_version: int | None) -> Applicant:
    """The applicant's row, locked for this transaction; a version the caller did not see is a conflict."""
    from wuxing.core.locking import check_version

    locked = Applicant.objects.select_for_update().get(pk=applicant.pk)
    check_version(locked, expected_version)
    return locked


def validate_person(data: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    number = idcard.normalise(str(data.get("id_number", "")))
    found = idcard.problems(number, birth_date=data.get("birth_date"), sex=str(data.get("sex", "")))
    if found:
        errors["id_number"] = "；".join(found)
    return errors


def create_applicant(
    actor: Any, org: OrgUnit, data: dict[str, Any], reason: str = "", *, is_demo: bool = False
) -> Applicant:
    require_perm(actor, "members.add", org)
    if org.level != Level.BRANCH:
        raise ValidationError({"org": "只能在村/社区党组织建立发展党员档案"})
    errors = validate_person(data)
    if errors:
        raise ValidationError(errors)
    applicant = Applicant(org=org, is_demo=is_demo, **{k: data[k] for k in APPLICANT_FIELDS if k in data})
    applicant.id_number = idcard.normalise(applicant.id_number)
    applicant.name = applicant.name.strip()
    if Applicant.objects.filter(id_number=applicant.id_number).exists():
        raise ValidationError({"id_number": "该身份证号已建档（一人一档）"})
    with transaction.atomic():
        save_with_history(applicant, actor, reason or "建立发展党员档案")
        log_decision(applicant, "members.create", actor, to_state="建档", comment=reason)
    return applicant


def update_applicant(
    actor: Any,
    applicant: Applicant,
    org: OrgUnit,
    data: dict[str, Any],
    reason: str,
    *,
    expected_version: int | None = None,
) -> Applicant:
    """Correct a person's details (decisions §80): whoever may open a file for the organisation (and for
    the new one, when it changes), the same checks as at creation, a reason, the version the editor saw."""
    require_perm(actor, "members.add", applicant.org)
    if org.pk != applicant.org_id:
        require_perm(actor, "members.add", org)
        if org.level != Level.BRANCH:
            raise ValidationError({"org": "只能在村/社区党组织建立发展党员档案"})
    if not reason.strip():
        raise ValidationError({"reason": "请说明修改理由"})
    values = {k: data.get(k, getattr(applicant, k)) for k in APPLICANT_FIELDS}
    values["id_number"] = idcard.normalise(str(values["id_number"] or ""))
    values["name"] = str(values["name"]).strip()
    errors = validate_person(values)
    if errors:
        raise ValidationError(errors)
    if Applicant.objects.filter(id_number=values["id_number"]).exclude(pk=applicant.pk).exists():
        raise ValidationError({"id_number": "该身份证号已建档（一人一档）"})
    with transaction.atomic():
        locked = _lock(applicant, expected_version)
        changed = [
            str(getattr(Applicant._meta.get_field(k), "verbose_name", k))
            for k in APPLICANT_FIELDS
            if getattr(locked, k) != values[k]
        ]
        if locked.org_id != org.pk:
            changed.insert(0, "党组织")
        for k in APPLICANT_FIELDS:
            setattr(locked, k, values[k])
        locked.org = org
        save_with_history(locked, actor, reason.strip())
        log_decision(
            locked,
            "members.edit",
            actor,
            to_state="修改信息",
            comment=f"修改：{'、'.join(changed) or '无变化'}；理由：{reason.strip()}",
        )
    for k in (*APPLICANT_FIELDS, "org", "org_id", "lock_version"):
        setattr(applicant, k, getattr(locked, k))
    return locked


def _check_authority(actor: Any, applicant: Applicant, committee_step: bool) -> None:
    require_perm(actor, "members.approve" if committee_step else "members.record", applicant)


def _override(actor: Any, violations: list[checks.Violation], override_reason: str) -> list[checks.Violation]:
    """Refuse, unless a district admin gave a reason; then the violations recorded as set aside."""
    if not violations:
        return []
    if not override_reason.strip():
        raise _refuse(violations)
    if not actor.has_perm("members.override"):
        raise PermissionDenied("只有区委组织部可以越过规则记录（须说明理由）")
    return violations


def record_step(
    actor: Any,
    applicant: Applicant,
    n: int,
    done_on: dt.date,
    *,
    done_by: str = "",
    documents: str = "",
    decision: str = "",
    comment: str = "",
    data: dict[str, Any] | None = None,
    override_reason: str = "",
    expected_version: int | None = None,
    cal: WorkCalendar | None = None,
    book: ParamBook | None = None,
    on_day: dt.date | None = None,
) -> Recorded:
    if n not in steps.all_steps():
        raise ValidationError("步骤应为 1–25")
    _check_authority(actor, applicant, steps.step(n).by == "committee")
    data = dict(data or {})
    book = book or ParamBook()
    params = book.on(done_on)
    with transaction.atomic():
        locked = _lock(applicant, expected_version)
        file = checks.PersonFile.of(locked)
        before = steps.standing(file.last_step)
        violations = checks.check_step(
            file,
            n,
            done_on,
            data=data,
            decision=decision,
            params=params,
            cal=cal or WorkCalendar(),
            today=on_day or today(),
        )
        overridden = _override(actor, violations, override_reason)
        warnings = (
            quota_warning(locked.org, done_on.year, exclude=locked) if n == steps.ADMISSION_MEETING else []
        )
        event = StepEvent(
            applicant=locked,
            step=n,
            done_on=done_on,
            done_by=done_by.strip()[:50],
            documents=documents.strip()[:300],
            decision=decision.strip()[:300],
            comment=comment.strip(),
            data=data,
            overridden="\n".join(str(v) for v in overridden),
            override_reason=override_reason.strip() if overridden else "",
            recorded_by=real_user(actor),
        )
        save_with_history(event, actor, override_reason or comment)
        save_with_history(locked, actor, f"记录步骤 {steps.step(n).label}")
        applicant.lock_version = locked.lock_version
        after = steps.standing(max(file.last_step or 0, n))
        log_decision(
            locked,
            "members.step" if not overridden else "members.step_override",
            actor,
            from_state=before,
            to_state=after,
            comment=f"{steps.step(n).label}（{done_on:%Y-%m-%d}）"
            + (
                f"；越过规则：{'；'.join(str(v) for v in overridden)}；理由：{override_reason.strip()}"
                if overridden
                else ""
            ),
        )
    return Recorded(event=event, overridden=overridden, warnings=warnings)


def extend_probation(
    actor: Any,
    applicant: Applicant,
    done_on: dt.date,
    months: int | None,
    *,
    decision: str = "",
    comment: str = "",
    override_reason: str = "",
    expected_version: int | None = None,
    on_day: dt.date | None = None,
) -> Recorded:
    """延长预备期: once, by 6–12 months (defaults), decided by the branch meeting and approved above —
    recorded by the committee."""
    _check_authority(actor, applicant, True)
    params = ParamBook().on(done_on)
    with transaction.atomic():
        locked = _lock(applicant, expected_version)
        file = checks.PersonFile.of(locked)
        overridden = _override(
            actor, checks.check_extension(file, done_on, months, params, on_day or today()), override_reason
        )
        event = StepEvent(
            applicant=locked,
            kind=StepEvent.Kind.EXTENSION,
            step=21,
            done_on=done_on,
            decision=decision.strip()[:300] or f"延长预备期 {months} 个月",
            comment=comment.strip(),
            data={"months": months or 0},
            overridden="\n".join(str(v) for v in overridden),
            override_reason=override_reason.strip() if overridden else "",
            recorded_by=real_user(actor),
        )
        save_with_history(event, actor, override_reason or comment)
        save_with_history(locked, actor, "延长预备期")
        applicant.lock_version = locked.lock_version
        log_decision(
            locked,
            "members.extend",
            actor,
            from_state="预备党员",
            to_state="预备党员（延长）",
            comment=f"延长 {months} 个月；{comment}",
        )
    return Recorded(event=event, overridden=overridden)


def add_document(
    actor: Any,
    applicant: Applicant,
    key: str,
    dated: dt.date,
    *,
    number: str = "",
    ends_on: dt.date | None = None,
    comment: str = "",
    override_reason: str = "",
    expected_version: int | None = None,
    on_day: dt.date | None = None,
) -> Recorded:
    kind = steps.doc_kinds().get(key)
    if kind is None:
        raise ValidationError("未知的文书类别")
    _check_authority(actor, applicant, kind.kind == "approval")
    if kind.kind != "notice":
        ends_on = None
    with transaction.atomic():
        locked = _lock(applicant, expected_version)
        file = checks.PersonFile.of(locked)
        overridden = _override(
            actor, checks.check_document(file, key, dated, ends_on, on_day or today()), override_reason
        )
        if key in file.documents:
            raise _refuse([checks.Violation("四请示三批复", f"“{kind.name}”已录入")])
        doc = Document(
            applicant=locked,
            kind=key,
            number=number.strip()[:60],
            dated=dated,
            ends_on=ends_on,
            comment=(
                comment.strip() + (f"（越过规则，理由：{override_reason.strip()}）" if overridden else "")
            )[:300],
            recorded_by=real_user(actor),
        )
        save_with_history(doc, actor, override_reason or comment)
        save_with_history(locked, actor, f"录入{kind.name}")
        applicant.lock_version = locked.lock_version
        log_decision(
            locked,
            "members.document",
            actor,
            to_state=kind.name,
            comment=f"{kind.name} {number} {dated:%Y-%m-%d}"
            + (
                f"；越过规则：{'；'.join(str(v) for v in overridden)}；理由：{override_reason.strip()}"
                if overridden
                else ""
            ),
        )
    return Recorded(document=doc, overridden=overridden)


# --- 撤回: withdrawing a step event or a document (decisions §80) --------------------------------------------


def _may_withdraw(actor: Any, row: StepEvent | Document, applicant: Applicant) -> None:
    """The district, or who recorded the row while they may still record it."""
    require_perm(actor, "members.record", applicant)
    if actor.has_perm("members.manage"):
        return
    committee = (
        steps.step(row.step).by == "committee" or row.kind == StepEvent.Kind.EXTENSION
        if isinstance(row, StepEvent)
        else steps.doc_kinds()[row.kind].kind == "approval"
    )
    _check_authority(actor, applicant, committee)
    mine = row.recorded_by_id is not None and row.recorded_by_id == getattr(actor, "pk", None)
    if not mine:
        raise PermissionDenied("只有录入人或区委组织部可以撤回")


def may_withdraw(actor: Any, row: StepEvent | Document, applicant: Applicant) -> bool:
    try:
        _may_withdraw(actor, row, applicant)
    except PermissionDenied:
        return False
    return True


def withdraw_event(
    actor: Any, event: StepEvent, reason: str, *, expected_version: int | None = None
) -> Recorded:
    """Mark the file's latest event withdrawn (kept, no longer read); the step can then be recorded anew."""
    applicant = event.applicant
    _may_withdraw(actor, event, applicant)
    if not reason.strip():
        raise ValidationError("请说明撤回理由")
    with transaction.atomic():
        locked = _lock(applicant, expected_version)
        row = StepEvent.objects.select_for_update().get(pk=event.pk, applicant=locked)
        file = checks.PersonFile.of(locked)
        problems = checks.withdraw_event_problems(file, row)
        if problems:
            raise _refuse(problems)
        before = steps.standing(file.last_step)
        label = steps.step(row.step).label if row.kind == StepEvent.Kind.STEP else "延长预备期"
        row.withdrawn_at = timezone.now()
        row.withdrawn_by = real_user(actor)
        row.withdraw_reason = reason.strip()
        save_with_history(row, actor, f"撤回：{reason.strip()}")
        save_with_history(locked, actor, f"撤回{label}")
        applicant.lock_version = locked.lock_version
        after = steps.standing(checks.PersonFile.of(locked).last_step)
        log_decision(
            locked,
            "members.withdraw_step",
            actor,
            from_state=before,
            to_state=after,
            comment=f"撤回{label}（{row.done_on:%Y-%m-%d}）；理由：{reason.strip()}",
        )
    return Recorded(event=row)


def withdraw_document(
    actor: Any, doc: Document, reason: str, *, expected_version: int | None = None
) -> Recorded:
    """Mark a document withdrawn while no later record rests on it; it can then be recorded anew (a
    rejected approval withdrawn, the real one recorded)."""
    applicant = doc.applicant
    _may_withdraw(actor, doc, applicant)
    if not reason.strip():
        raise ValidationError("请说明撤回理由")
    with transaction.atomic():
        locked = _lock(applicant, expected_version)
        row = Document.objects.select_for_update().get(pk=doc.pk, applicant=locked)
        problems = checks.withdraw_document_problems(checks.PersonFile.of(locked), row)
        if problems:
            raise _refuse(problems)
        name = steps.doc_name(row.kind)
        row.withdrawn_at = timezone.now()
        row.withdrawn_by = real_user(actor)
        row.withdraw_reason = reason.strip()
        save_with_history(row, actor, f"撤回：{reason.strip()}")
        save_with_history(locked, actor, f"撤回{name}")
        applicant.lock_version = locked.lock_version
        log_decision(
            locked,
            "members.withdraw_document",
            actor,
            from_state=name,
            to_state="已撤回",
            comment=f"撤回{name} {row.number} {row.dated:%Y-%m-%d}；理由：{reason.strip()}",
        )
    return Recorded(document=row)


# --- 控总量: quotas ---------------------------------------------------------------------------------------


def admitted_count(org: OrgUnit, year: int, exclude: Applicant | None = None) -> int:
    qs = StepEvent.objects.filter(
        LIVE, applicant__org=org, kind=StepEvent.Kind.STEP, step=steps.ADMISSION_MEETING, done_on__year=year
    )
    if exclude is not None:
        qs = qs.exclude(applicant=exclude)
    return qs.count()


def quota_warning(org: OrgUnit, year: int, exclude: Applicant | None = None) -> list[str]:
    """A warning (never a refusal) when one more admission would exceed the organisation's quota."""
    quota = Quota.objects.filter(org=org, year=year).first()
    if quota is None:
        return []
    used = admitted_count(org, year, exclude)
    if used + 1 > quota.count:
        return [f"控总量：{org.name} {year} 年发展计划 {quota.count} 名，已接收 {used} 名，本次将超出计划"]
    return []


def set_quota(actor: Any, org: OrgUnit, year: int, count: int, reason: str = "") -> Quota:
    require_perm(actor, "members.manage")
    if org.level != Level.BRANCH:
        raise ValidationError({"org": "名额下达到村/社区党组织"})
    if not 2000 <= year <= 2100 or not 0 <= count <= 999:
        raise ValidationError("年度或名额不在有效范围内")
    with transaction.atomic():
        quota = Quota.objects.select_for_update().filter(org=org, year=year).first()
        old = quota.count if quota else None
        quota = quota or Quota(org=org, year=year, count=count)
        quota.count = count
        save_with_history(quota, actor, reason or "下达发展计划")
        log_decision(
            quota,
            "members.quota",
            actor,
            from_state=str(old if old is not None else ""),
            to_state=str(count),
            comment=reason,
        )
    return quota


# --- the rules' versions ----------------------------------------------------------------------------------


def save_rule_version(
    actor: Any, effective_from: dt.date, values: dict[str, Any], source: str
) -> RuleVersion:
    require_perm(actor, "members.manage")
    errors = check_values(values)
    if errors:
        raise ValidationError(errors)
    if not source.strip():
        raise ValidationError({"source": "请填写依据（文件名称或文号）"})
    with transaction.atomic():
        version = RuleVersion.objects.filter(effective_from=effective_from).first() or RuleVersion(
            effective_from=effective_from
        )
        version.values = dict(values)
        version.source = source.strip()[:200]
        save_with_history(version, actor, source)
        log_decision(version, "members.rules", actor, to_state=f"{effective_from:%Y-%m-%d}", comment=source)
    return version
