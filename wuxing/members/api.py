"""发展党员 over the API: the register the caller can see (identity numbers always masked), one person's
file, and recording a step with the same services — and so the same rules, refusals and override — as
the page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from wuxing.api.schemas import ConflictOut, ErrorOut, FieldErrorsOut
from wuxing.core.dates import DateError, check_year
from wuxing.core.locking import EditConflict
from wuxing.core.scoping import get_visible
from wuxing.members import checks, idcard, queries, services, steps
from wuxing.members.models import Applicant

router = Router()
MAX_LIMIT = 1000


class RegisterParams(Schema):
    stage: int | None = Field(None, ge=1, le=5, description="阶段 1–5")
    q: str = Field("", max_length=50, description="姓名包含")
    offset: int = Field(0, ge=0, le=10_000_000, description="跳过的条数")
    limit: int = Field(200, ge=1, le=MAX_LIMIT, description="最多返回的条数（≤1000）")


class PersonOut(Schema):
    id: int = Field(..., description="档案编号")
    org_code: str = Field(..., description="组织编码")
    org_name: str = Field(..., description="组织名称")
    name: str = Field(..., description="姓名")
    id_number: str = Field(..., description="身份证号（隐藏出生日期 8 位）")
    sex: str = Field(..., description="性别：M 男，F 女")
    education: str = Field(..., description="学历")
    last_step: int | None = Field(None, description="已完成至步骤（1–25）")
    standing: str = Field(..., description="身份：入党申请人、入党积极分子、发展对象、预备党员、正式党员")
    stage: int = Field(..., description="阶段 1–5（0：尚未记录）")
    lock_version: int = Field(..., description="版本号（记录步骤时带上）")


class EventOut(Schema):
    kind: str = Field(..., description="step 步骤，extension 延长预备期")
    step: int = Field(..., description="步骤 1–25")
    name: str = Field(..., description="步骤名称")
    done_on: str = Field(..., description="日期")
    decision: str = Field(..., description="结论/决定")
    overridden: str = Field(..., description="经区委组织部批准越过的规则（空：无）")


class DocumentOut(Schema):
    kind: str = Field(..., description="r1–r4 请示，a1–a3 批复，n1–n2 公示")
    name: str = Field(..., description="文书名称")
    number: str = Field(..., description="文号")
    dated: str = Field(..., description="日期（公示为开始日期）")
    ends_on: str | None = Field(None, description="公示截止日期")


class FileOut(PersonOut):
    events: list[EventOut]
    documents: list[DocumentOut]


class StepIn(Schema):
    step: int = Field(..., ge=1, le=25, description="步骤 1–25（只能是下一步，可重复的考察步骤除外）")
    done_on: dt.date = Field(..., description="日期")
    done_by: str = Field("", max_length=50, description="经办人")
    documents: str = Field("", max_length=300, description="材料")
    decision: str = Field("", max_length=300, description="结论/决定（政治审查须填写）")
    comment: str = Field("", max_length=1000, description="说明")
    entitled: int | None = Field(None, ge=0, le=9999, description="支部大会应到会有表决权的正式党员")
    present: int | None = Field(None, ge=0, le=9999, description="实到人数")
    votes_for: int | None = Field(None, ge=0, le=9999, description="赞成票（含书面意见）")
    training_days: int | None = Field(None, ge=0, le=365, description="集中培训天数")
    training_hours: int | None = Field(None, ge=0, le=9999, description="集中培训学时")
    sponsors: list[str] = Field([], max_length=5, description="入党介绍人姓名")
    sponsors_full: bool = Field(False, description="介绍人均为正式党员")
    special_reason: str = Field("", max_length=300, description="超过三个月审批的特殊情况说明")
    override_reason: str = Field("", max_length=500, description="越过规则的理由（仅区委组织部）")
    lock_version: int = Field(..., ge=0, le=2_000_000_000, description="读取时的版本号；已变化时返回 409")


def _person(a: Applicant, last: int | None) -> dict[str, Any]:
    return {
        "id": a.pk,
        "org_code": a.org.code,
        "org_name": a.org.name,
        "name": a.name,
        "id_number": idcard.mask_id(a.id_number),
        "sex": a.sex,
        "education": a.education,
        "last_step": last,
        "standing": steps.standing(last),
        "stage": steps.stage_of(last),
        "lock_version": a.lock_version,
    }


def _file(a: Applicant) -> dict[str, Any]:
    file = checks.PersonFile.of(a)
    return {
        **_person(a, file.last_step),
        "events": [
            {
                "kind": e.kind,
                "step": e.step,
                "name": steps.step(e.step).name if e.kind == "step" else "延长预备期",
                "done_on": e.done_on.isoformat(),
                "decision": e.decision,
                "overridden": e.overridden,
            }
            for e in file.events
        ],
        "documents": [
            {
                "kind": d.kind,
                "name": steps.doc_name(d.kind),
                "number": d.number,
                "dated": d.dated.isoformat(),
                "ends_on": d.ends_on.isoformat() if d.ends_on else None,
            }
            for d in file.documents.values()
        ],
    }


@router.get(
    "",
    response=list[PersonOut],
    summary="发展党员名册",
    description="调用者范围内的发展党员名册，身份证号隐藏出生日期。",
)
def list_register(request: HttpRequest, params: Query[RegisterParams]) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    qs = queries.register(user, stage=params.stage, q=params.q.strip())
    return [_person(a, a.last_step) for a in qs[params.offset : params.offset + params.limit]]  # type: ignore[attr-defined]


@router.get(
    "/{int:applicant_id}",
    response={200: FileOut, 404: ErrorOut},
    summary="一人一档",
    description="一个人的全部步骤记录和四请示三批复、公示。",
)
def get_file(request: HttpRequest, applicant_id: int) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    return _file(get_visible(queries.visible_applicants(user), pk=applicant_id))


@router.post(
    "/{int:applicant_id}/steps",
    response={200: FileOut, 400: FieldErrorsOut, 403: ErrorOut, 404: ErrorOut, 409: ConflictOut},
    summary="记录步骤",
    description="与页面同样的规则：违反规则时返回 400 并说明规则和日期；只有区委组织部可填写理由越过规则。",
)
def post_step(request: HttpRequest, applicant_id: int, payload: StepIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    applicant = get_visible(queries.visible_applicants(user), pk=applicant_id)
    data: dict[str, Any] = {
        k: getattr(payload, k)
        for k in ("entitled", "present", "votes_for", "training_days", "training_hours")
        if getattr(payload, k) is not None
    }
    if payload.sponsors or payload.sponsors_full:
        data["sponsors"] = [s[:50] for s in payload.sponsors]
        data["sponsors_full"] = payload.sponsors_full
    if payload.special_reason.strip():
        data["special_reason"] = payload.special_reason.strip()
    try:
        check_year(payload.done_on)
        services.record_step(
            user,
            applicant,
            payload.step,
            payload.done_on,
            done_by=payload.done_by,
            documents=payload.documents,
            decision=payload.decision,
            comment=payload.comment,
            data=data,
            override_reason=payload.override_reason,
            expected_version=payload.lock_version,
        )
    except DateError as exc:
        return Status(400, {"detail": str(exc), "errors": {"done_on": str(exc)}})
    except EditConflict as exc:
        current: Any = exc.current
        return Status(409, {"detail": exc.messages[0], "current": {"lock_version": current.lock_version}})
    except ValidationError as exc:
        return Status(400, {"detail": "；".join(exc.messages), "errors": {}})
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc) or "您没有权限执行此操作"})
    return _file(queries.visible_applicants(user).get(pk=applicant.pk))
