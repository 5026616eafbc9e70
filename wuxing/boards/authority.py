"""Who may reach each 补齐短板 page and API operation (the authority table; wuxing/core/authority.py explains
the terms, wuxing/core/tests/authority_world.py builds the task named here: one open task per village,
with a progress note carrying an evidence file).

Everybody reads the tasks of the organisations they can see (a unit: its organisations'; a secretary:
their own). A street's staff create tasks (by hand, from the gap list, by Excel), cancel them, add notes
and close them inside their street; a secretary adds notes to and closes their own organisation's tasks;
the district does everything. Help visits are logged by the organisation's unit or the district.
Training sessions are the district's: everybody reads them (and the compliance report of the secretaries
they can see); the district registers them and imports their attendance. The per-star working groups
and their progress summary are read by all and kept by the district.
"""

from __future__ import annotations

from typing import Any

from wuxing.core.authority import (
    ADMIN,
    ANY,
    BRANCH,
    DISTRICT_ADMIN,
    EVERYONE,
    REGISTRY,
    SCOPED,
    SECRETARY,
    STREET_STAFF,
    UNIT,
    WHOLE_DISTRICT,
    Target,
    allow,
    api,
    page,
)

PROGRESS = frozenset({DISTRICT_ADMIN, STREET_STAFF, SECRETARY})  # notes and closing
VISITORS = frozenset({DISTRICT_ADMIN, UNIT})

TASK = Target("short-board task", lambda o, role: {"pk": o.task.pk}, SCOPED)
TASK_ID = Target("short-board task", lambda o, role: {"task_id": o.task.pk}, SCOPED)
TRAINING = Target("training session", lambda o, role: {"pk": o.training.pk}, {ANY: EVERYONE})
NOTE = Target("task note with evidence", lambda o, role: {"pk": o.task_note.pk}, SCOPED)


def _lock(o: Any) -> int:
    from wuxing.boards.models import Task

    return Task.objects.get(pk=o.task.pk).lock_version


def import_file(o: Any, role: str) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from wuxing.boards.imports import COLUMNS, SHEET
    from wuxing.core.excel import Sheet, build_workbook

    row: dict[str, Any] = {c.key: "" for c in COLUMNS}
    row.update(org_code=o.branch.code, year=2024, title="整治背街小巷", deadline="2024-06-30")
    content = build_workbook([Sheet(SHEET, COLUMNS, [[row[c.key] for c in COLUMNS]])])
    return {"file": SimpleUploadedFile("短板任务.xlsx", content)}


def attendance_file(o: Any, role: str) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from wuxing.boards.training import ATTENDANCE_COLUMNS, ATTENDANCE_SHEET
    from wuxing.core.excel import Sheet, build_workbook

    content = build_workbook([Sheet(ATTENDANCE_SHEET, ATTENDANCE_COLUMNS, [[o.branch.code, o.person.name]])])
    return {"file": SimpleUploadedFile("签到表.xlsx", content)}


def session_form(o: Any, role: str) -> dict[str, Any]:
    return {
        "topic": "党建业务培训",
        "kind": "central",
        "held_on": "2024-04-10",
        "place": "区委党校",
        "hours": "4",
    }


def group_form(o: Any, role: str) -> dict[str, Any]:
    return {
        "star_code": "zbgy",
        "leader": "王书记",
        "members": "组织部、财政局",
        "duties": "督导支部过硬星创建",
    }


ROUTES = [
    page("boards:tasks", get=allow(EVERYONE)),
    page("boards:units", get=allow(EVERYONE)),
    page("boards:import", get=allow(REGISTRY), post=allow(REGISTRY, ok=302, data=import_file)),
    page("boards:task", TASK, get=allow(own=EVERYONE, other=WHOLE_DISTRICT)),
    page("boards:note_evidence", NOTE, get=allow(own=EVERYONE, other=WHOLE_DISTRICT)),
    page(
        "boards:task_note",
        TASK,
        post=allow(own=PROGRESS, other=ADMIN, ok=302, data=lambda o, role: {"text": "已召开协调会"}),
    ),
    page(
        "boards:task_close",
        TASK,
        post=allow(
            own=PROGRESS,
            other=ADMIN,
            ok=302,
            data=lambda o, role: {"text": "已完成整改", "lock_version": _lock(o)},
        ),
    ),
    page(
        "boards:task_edit",
        TASK,
        post=allow(
            own=REGISTRY,
            other=ADMIN,
            ok=302,
            data=lambda o, role: {
                "title": "发展村集体经济",
                "owner": "李四",
                "deadline": "2023-11-30",
                "reason": "调整责任人",
                "lock_version": _lock(o),
            },
        ),
    ),
    page(
        "boards:task_cancel",
        TASK,
        post=allow(
            own=REGISTRY,
            other=ADMIN,
            ok=302,
            data=lambda o, role: {"reason": "并入其他任务", "lock_version": _lock(o)},
        ),
    ),
    page(
        "boards:task_create",
        BRANCH,
        get=allow(own=REGISTRY, other=ADMIN),
        post=allow(
            own=REGISTRY,
            other=ADMIN,
            ok=302,
            data=lambda o, role: {"title": "改善人居环境", "deadline": "2024-06-30", "year": "2024"},
        ),
    ),
    page(
        "boards:from_gaps",
        BRANCH,
        post=allow(own=REGISTRY, other=ADMIN, ok=302, data=lambda o, role: {"year": str(o.year)}),
    ),
    page(
        "boards:visit_create",
        BRANCH,
        post=allow(
            own=VISITORS,
            other=ADMIN,
            ok=302,
            data=lambda o, role: {"visited_on": "2024-03-01", "money": "5000", "projects": "道路硬化"},
        ),
    ),
    page("boards:trainings", get=allow(EVERYONE), post=allow(ADMIN, ok=302, data=session_form)),
    page("boards:training", TRAINING, get=allow(EVERYONE)),
    page("boards:attendance_import", TRAINING, post=allow(ADMIN, ok=302, data=attendance_file)),
    page("boards:compliance", get=allow(EVERYONE)),
    page("boards:groups", get=allow(EVERYONE), post=allow(ADMIN, ok=302, data=group_form)),
    api("/api/v1/boards/tasks", get=allow(EVERYONE)),
    api(
        "/api/v1/boards/tasks/{task_id}/close",
        TASK_ID,
        post=allow(
            own=PROGRESS,
            other=ADMIN,
            data=lambda o, role: {"text": "已完成整改", "lock_version": _lock(o)},
        ),
    ),
]
