"""补齐短板 over the API: the short-board tasks the caller can see (filtered like the list page), and
closing a task with the same service checks as the page (evidence must already be among its notes)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from wuxing.api.schemas import ConflictOut, ErrorOut, FieldErrorsOut
from wuxing.boards import queries, services
from wuxing.boards.models import Task, TaskStatus
from wuxing.core.locking import EditConflict, parse_version
from wuxing.core.scoping import get_visible, visible_orgs
from wuxing.core.workdays import today

router = Router()
MAX_LIMIT = 1000


class TaskParams(Schema):
    org_id: int | None = Field(None, ge=1, le=2**31 - 1, description="组织 ID")
    status: TaskStatus | None = Field(None, description="状态：open 进行中，done 已完成，cancelled 已取消")
    overdue: bool = Field(False, description="只列逾期（进行中且已过完成时限）")
    offset: int = Field(0, ge=0, le=10_000_000, description="跳过的条数")
    limit: int = Field(200, ge=1, le=MAX_LIMIT, description="最多返回的条数（≤1000）")


class TaskOut(Schema):
    id: int = Field(..., description="任务编号")
    org_id: int = Field(..., description="组织 ID")
    org_code: str = Field(..., description="组织编码")
    year: int = Field(..., description="年度")
    star_code: str = Field(..., description="差距项所属的星")
    indicator_code: str = Field(..., description="差距项的指标编码")
    title: str = Field(..., description="任务")
    focus_area: str = Field(..., description="重点领域")
    owner: str = Field(..., description="责任人")
    deadline: str = Field(..., description="完成时限")
    status: str = Field(..., description="状态")
    overdue: bool = Field(..., description="是否逾期")
    lock_version: int = Field(..., description="版本号（完成任务时带上）")


class CloseIn(Schema):
    text: str = Field(..., min_length=1, max_length=1000, description="完成情况")
    lock_version: int = Field(
        ..., ge=0, le=2_000_000_000, description="读取时的版本号；已被他人修改时返回 409"
    )


def _out(t: Task) -> dict[str, Any]:
    return {
        "id": t.pk,
        "org_id": t.org_id,
        "org_code": t.org.code,
        "year": t.year,
        "star_code": t.star_code,
        "indicator_code": t.indicator_code,
        "title": t.title,
        "focus_area": t.focus_area.name if t.focus_area else "",
        "owner": t.owner,
        "deadline": t.deadline.isoformat(),
        "status": t.status,
        "overdue": t.is_overdue(today()),
        "lock_version": t.lock_version,
    }


@router.get("/tasks", response=list[TaskOut], summary="短板任务", description="调用者范围内的短板任务。")
def list_tasks(request: HttpRequest, params: Query[TaskParams]) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    f = queries.TaskFilters(status=params.status or "", overdue=params.overdue)
    if params.org_id is not None:
        f.org = visible_orgs(user).filter(pk=params.org_id).first()
        if f.org is None:
            return []
    tasks = queries.filter_tasks(queries.visible_tasks(user), f).order_by("deadline", "pk")
    return [_out(t) for t in tasks[params.offset : params.offset + params.limit]]


@router.post(
    "/tasks/{int:task_id}/close",
    response={200: TaskOut, 400: FieldErrorsOut, 403: ErrorOut, 404: ErrorOut, 409: ConflictOut},
    summary="完成任务",
    description="书记（本组织）、街道/镇（本街道）或区委组织部：须已有至少一份佐证材料（在页面上随进展上传）。",
)
def close_task(request: HttpRequest, task_id: int, payload: CloseIn) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    task = get_visible(queries.visible_tasks(user), pk=task_id)
    try:
        task = services.close_task(
            user, task, payload.text, expected_version=parse_version(payload.lock_version)
        )
    except EditConflict as exc:
        current: Any = exc.current
        return Status(409, {"detail": exc.messages[0], "current": {"lock_version": current.lock_version}})
    except ValidationError as exc:
        errors = {k: "；".join(v) for k, v in exc.message_dict.items()} if hasattr(exc, "error_dict") else {}
        return Status(400, {"detail": "；".join(exc.messages), "errors": errors})
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc) or "您没有权限执行此操作"})
    return _out(task)
