"""The yearly review over the API: the cycles of a year with their counts per stage, a cycle's deadlines
changed by the district, and every transition of an assessment with the same service checks as the
pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from wuxing.api.schemas import ConflictOut, ErrorOut, FieldErrorsOut
from wuxing.core.dates import YEAR_MAX, YEAR_MIN
from wuxing.core.locking import EditConflict, parse_version
from wuxing.core.scoping import get_visible
from wuxing.reviews import queries, services
from wuxing.reviews.models import ReviewCycle, Stage

router = Router()


class YearParam(Schema):
    year: int = Field(..., ge=YEAR_MIN, le=YEAR_MAX, description="年度，如 2023")


class CycleOut(Schema):
    id: int = Field(..., description="评星周期 ID")
    year: int = Field(..., description="年度")
    kind: str = Field(..., description="类型：rural 农村，community 城市社区")
    status: str = Field(..., description="状态：open 进行中，notice 公示中，named 已命名")
    rulebook_version: int = Field(..., description="启动时启用的细则版本号")
    opened_on: str = Field(..., description="启动日期")
    self_deadline: str = Field(..., description="自评截止日期")
    street_deadline: str = Field(..., description="街道初评截止日期")
    district_deadline: str = Field(..., description="区级审核截止日期")
    notice_workdays: int = Field(..., description="公示期（工作日）")
    lock_version: int = Field(..., description="版本号（修改截止日期时带上）")
    counts: dict[str, int] = Field(
        ...,
        description="调用者范围内各环节的组织数：draft 自评中，submitted 已提交，street_reviewed 街道已初评，"
        "district_approved 区级已审核，named 已命名",
    )


class ActionIn(Schema):
    comment: str = Field("", max_length=500, description="意见（退回时必填）")
    lock_version: int = Field(
        ...,
        ge=0,
        le=2_000_000_000,
        description="读取时的版本号（lock_version，必填）；他人已在其间办理时返回 409",
    )


class AssessmentOut(Schema):
    id: int = Field(..., description="评星申报 ID")
    org_id: int = Field(..., description="组织 ID")
    org_code: str = Field(..., description="组织编码")
    state: str = Field(..., description="环节")
    state_label: str = Field(..., description="环节名称")
    target_level: int | None = Field(None, description="目标星级")
    lock_version: int = Field(..., description="版本号")


@router.get(
    "",
    response=list[CycleOut],
    summary="某年度的评星周期",
    description="该年度各评星周期、截止日期，以及调用者范围内各环节的组织数。",
)
def list_cycles(request: HttpRequest, filters: Query[YearParam]) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    cycles = list(queries.visible_cycles().filter(year=filters.year))
    progress = queries.progress(user, cycles)
    return [_cycle_out(c, queries.totals(progress[c.pk])) for c in cycles]


def _cycle_out(c: ReviewCycle, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "id": c.pk,
        "year": c.year,
        "kind": c.kind,
        "status": c.status,
        "rulebook_version": c.rulebook.version,
        "opened_on": c.opened_on.isoformat(),
        "self_deadline": c.self_deadline.isoformat(),
        "street_deadline": c.street_deadline.isoformat(),
        "district_deadline": c.district_deadline.isoformat(),
        "notice_workdays": c.notice_workdays,
        "lock_version": c.lock_version,
        "counts": counts,
    }


class DeadlinesIn(Schema):
    lock_version: int = Field(
        ...,
        ge=0,
        le=2_000_000_000,
        description="读到的版本号（GET 返回的 lock_version，必填）；他人已在其间修改时返回 409",
    )
    self_deadline: dt.date | None = Field(None, description="自评截止日期（不给：不变）")
    street_deadline: dt.date | None = Field(None, description="街道初评截止日期（不给：不变）")
    district_deadline: dt.date | None = Field(None, description="区级审核截止日期（不给：不变）")
    notice_workdays: int | None = Field(
        None, ge=1, le=services.NOTICE_WORKDAYS_MAX, description="公示期（工作日；公示开始后不能修改）"
    )
    reason: str = Field(..., min_length=1, max_length=300, description="修改原因（必填，记入办理记录）")


@router.patch(
    "/cycles/{int:cycle_id}/deadlines",
    response={200: CycleOut, 400: FieldErrorsOut, 403: ErrorOut, 404: ErrorOut, 409: ConflictOut},
    summary="修改评星周期的截止日期",
    description="区委组织部：命名前修改各环节截止日期和公示期（公示开始后公示期不能改），只修改给出的字段。"
    "截止日期须依次排列（自评 ≤ 街道初评 ≤ 区级审核）且不早于启动日期，否则返回 400；"
    "读到的 lock_version 已过期返回 409，不保存任何内容。",
)
def change_deadlines(request: HttpRequest, cycle_id: int, payload: DeadlinesIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    cycle = get_visible(queries.visible_cycles(), pk=cycle_id)
    changes = payload.dict(include=set(services.DEADLINE_FIELDS))
    try:
        cycle = services.change_deadlines(
            user, cycle, changes, payload.reason, expected_version=parse_version(payload.lock_version)
        )
    except EditConflict as exc:
        current: Any = exc.current
        return Status(
            409,
            {
                "detail": exc.messages[0],
                "current": {
                    "lock_version": current.lock_version,
                    **{k: str(getattr(current, k)) for k in services.DEADLINE_FIELDS[:3]},
                    "notice_workdays": current.notice_workdays,
                },
            },
        )
    except ValidationError as exc:
        return _bad_request(exc)
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc) or "您没有权限执行此操作"})
    cycle = queries.visible_cycles().get(pk=cycle.pk)
    return _cycle_out(cycle, queries.totals(queries.progress(user, [cycle])[cycle.pk]))


def _bad_request(exc: ValidationError) -> Any:
    errors = {k: "；".join(v) for k, v in exc.message_dict.items()} if hasattr(exc, "error_dict") else {}
    return Status(400, {"detail": "；".join(exc.messages), "errors": errors})


def _act(request: HttpRequest, assessment_id: int, action: str, payload: ActionIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    a = get_visible(queries.visible_assessments(user), pk=assessment_id)
    try:
        a = services.transition(
            user, a, action, payload.comment, expected_version=parse_version(payload.lock_version)
        )
    except EditConflict as exc:
        current: Any = exc.current
        return Status(409, {"detail": exc.messages[0], "current": {"lock_version": current.lock_version}})
    except ValidationError as exc:
        return _bad_request(exc)
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc) or "您没有权限执行此操作"})
    return {
        "id": a.pk,
        "org_id": a.org_id,
        "org_code": a.org.code,
        "state": a.state,
        "state_label": str(Stage(a.state).label),
        "target_level": a.target_level,
        "lock_version": a.lock_version,
    }


RESPONSES = {200: AssessmentOut, 400: FieldErrorsOut, 403: ErrorOut, 404: ErrorOut, 409: ConflictOut}
ACTION_DOCS = {
    "submit": ("提交自评", "书记（本组织）或区委组织部：自评中 → 已提交。须先填写目标星级。"),
    "return": ("退回", "街道/镇（本街道，已提交时）或区委组织部（命名前）：退回自评，意见必填。"),
    "forward": ("初评上报", "街道/镇（本街道）或区委组织部：已提交 → 街道已初评。"),
    "approve": ("区级审核通过", "区委组织部：街道已初评 → 区级已审核。"),
}


def _register(action: str) -> None:
    summary, description = ACTION_DOCS[action]

    def endpoint(request: HttpRequest, assessment_id: int, payload: ActionIn) -> Any:
        return _act(request, assessment_id, action, payload)

    endpoint.__name__ = f"{action}_assessment"
    router.post(
        f"/assessments/{{int:assessment_id}}/{action}",
        response=RESPONSES,
        summary=summary,
        description=description + "读取时的 lock_version 已过期返回 409，不保存任何内容。",
    )(endpoint)


for _action in ACTION_DOCS:
    _register(_action)
