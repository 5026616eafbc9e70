"""Who may reach each 发展党员 page and API operation (the authority table; wuxing/core/authority.py
explains the terms).

Everybody reads the people of the organisations they can see (masked identity numbers); the
organisation's secretary records its own steps and requests, the street (the town/street committee) also
its committee steps, approvals and extensions; the district everything, plus quotas, rule versions and
the register import. The full identity number: the secretary, the street and the district (logged).
"""

from __future__ import annotations

from typing import Any

from wuxing.core.authority import (
    ADMIN,
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
    fixed,
    page,
)  # fmt: skip

RECORDERS = REGISTRY | {SECRETARY}
APPLICANT = Target("applicant", lambda o, role: {"pk": o.applicant.pk}, SCOPED)
ACTIVIST = Target("activist", lambda o, role: {"pk": o.activist.pk}, SCOPED)
PROBATIONER = Target("probationary member", lambda o, role: {"pk": o.probationer.pk}, SCOPED)
APPLICANT_ID = Target("applicant", lambda o, role: {"applicant_id": o.applicant.pk}, SCOPED)
LATEST_EVENT = Target(
    "the latest step event",
    lambda o, role: {
        "pk": o.probationer.pk,
        "event_pk": o.probationer.events.order_by("-done_on", "-step")[0].pk,
    },
    SCOPED,
)
WITHDRAWABLE_DOCUMENT = Target(
    "a document nothing rests on",
    lambda o, role: {"pk": o.probationer.pk, "doc_pk": o.probation_request.pk},
    SCOPED,
)
BRANCH_IN_FORM = Target("branch named in the form", lambda o, role: {}, SCOPED)


def _serial(o: Any, role: str) -> int:
    from wuxing.core.authority import ROLES

    return ROLES.index(role) + (10 if o.name == "other" else 0) + 50


def applicant_form(o: Any, role: str) -> dict[str, Any]:
    import datetime as dt

    from wuxing.members.idcard import make

    born = dt.date(1995, 3, 1)
    return {
        "org": str(o.branch.pk),
        "name": "测试申请人",
        "id_number": make("130104", born, _serial(o, role), "F"),
        "sex": "F",
        "birth_date": "1995-03-01",
        "education": "bachelor",
        "occupation": "教师",
    }


def edit_form(o: Any, role: str) -> dict[str, Any]:
    a = o.applicant
    a.refresh_from_db()
    return {
        "org": str(a.org_id),
        "name": "测试更正",
        "id_number": "",
        "sex": a.sex,
        "birth_date": f"{a.birth_date:%Y-%m-%d}",
        "education": a.education,
        "occupation": "教师",
        "reason": "姓名录入有误",
        "lock_version": str(a.lock_version),
    }


def withdraw_form(o: Any, role: str) -> dict[str, Any]:
    o.probationer.refresh_from_db()
    return {"reason": "录入有误", "lock_version": str(o.probationer.lock_version)}


def step_form(o: Any, role: str) -> dict[str, Any]:
    # the next step of `applicant` (talked on 2023-01-20): decided as an activist, more than 6 months on
    return {
        "step": "3",
        "done_on": "2023-08-01",
        "decision": "支委会确定",
        "lock_version": str(o.applicant.lock_version),
    }


def document_form(o: Any, role: str) -> dict[str, Any]:
    # `activist` was decided on 2023-08-01: the request to confirm the activist
    return {
        "kind": "r1",
        "number": "测试〔2023〕1号",
        "dated": "2023-08-02",
        "lock_version": str(o.activist.lock_version),
    }


def extension_form(o: Any, role: str) -> dict[str, Any]:
    return {
        "done_on": "2024-01-15",
        "months": "6",
        "comment": "继续考察",
        "lock_version": str(o.probationer.lock_version),
    }


def register_file(o: Any, role: str) -> dict[str, Any]:
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile

    from wuxing.core.excel import Sheet, build_workbook
    from wuxing.members import register
    from wuxing.members.idcard import make

    row = [
        "ZB001",
        "",
        "导入测试",
        make("130104", dt.date(1994, 5, 6), 77, "M"),
        "男",
        "大专",
        "",
        "否",
        "否",
        2,
        "",
    ]
    row += ["2022-03-01", None, None, None, None, None, None]
    content = build_workbook([Sheet(register.SHEET, register.COLUMNS, [row])])
    return {"file": SimpleUploadedFile("名册.xlsx", content), "reason": "启用前名册"}


ROUTES = [
    page("members:register", get=allow(EVERYONE)),
    page(
        "members:add",
        BRANCH_IN_FORM,
        get=allow(RECORDERS, target=fixed()),
        post=allow(
            own=RECORDERS,
            other=ADMIN,
            ok=302,
            data=applicant_form,
            refused={STREET_STAFF: 200, SECRETARY: 200, UNIT: 403},  # another street's village: not a choice
        ),
    ),
    page("members:person", APPLICANT, get=allow(own=EVERYONE, other=WHOLE_DISTRICT)),
    page("members:person_pdf", APPLICANT, get=allow(own=EVERYONE, other=WHOLE_DISTRICT)),
    page("members:person_reveal", APPLICANT, post=allow(own=RECORDERS, other=ADMIN, changes=None)),
    page(
        "members:edit",
        APPLICANT,
        get=allow(own=RECORDERS, other=ADMIN),
        post=allow(own=RECORDERS, other=ADMIN, ok=302, data=edit_form),
    ),
    # withdrawing: who recorded the row (the world's rows have no recorder) or the district
    page("members:withdraw_step", LATEST_EVENT, post=allow(ADMIN, ok=302, data=withdraw_form)),
    page("members:withdraw_document", WITHDRAWABLE_DOCUMENT, post=allow(ADMIN, ok=302, data=withdraw_form)),
    page("members:step", APPLICANT, post=allow(own=RECORDERS, other=ADMIN, ok=302, data=step_form)),
    page("members:document", ACTIVIST, post=allow(own=RECORDERS, other=ADMIN, ok=302, data=document_form)),
    page("members:extend", PROBATIONER, post=allow(own=REGISTRY, other=ADMIN, ok=302, data=extension_form)),
    page(
        "members:quotas",
        get=allow(EVERYONE),
        post=allow(
            ADMIN,
            ok=302,
            data=lambda o, role: {"org": str(o.branch.pk), "year": "2023", "count": "3", "reason": "计划"},
        ),
    ),
    page("members:stats", get=allow(EVERYONE, query="year=2023")),
    page(
        "members:rules",
        get=allow(EVERYONE),
        post=allow(
            ADMIN,
            ok=302,
            data=lambda o, role: {
                "effective_from": "2024-01-01",
                "source": "测试通知",
                "notice_workdays": "7",
            },
        ),
    ),
    page("members:import", get=allow(ADMIN), post=allow(ADMIN, ok=302, data=register_file)),
    page("members:import_template", get=allow(ADMIN)),
    api("/api/v1/members", get=allow(EVERYONE)),
    api("/api/v1/members/{applicant_id}", APPLICANT_ID, get=allow(own=EVERYONE, other=WHOLE_DISTRICT)),
    api(
        "/api/v1/members/{applicant_id}/steps",
        APPLICANT_ID,
        post=allow(
            own=RECORDERS,
            other=ADMIN,
            data=lambda o, role: {
                "step": 3,
                "done_on": "2023-08-01",
                "decision": "支委会确定",
                "lock_version": o.applicant.lock_version,
            },
        ),
    ),
]
