"""Who may reach each 动态竞争 page and API operation (the authority table; wuxing/core/authority.py
explains the terms).

Everybody reads the goals, the rankings, the observations, the policy's cases, the reserve pool and the
weak branches of what they can see (the rows are scoped, the pages are not); the year's parameters and
checklist are the district's, the same for every street. The district changes parameters, checklist and
the reserve pool, decides downgrade proposals and runs the policy; a street imports or enters one by one
its organisations' monthly scores, organises, corrects and scores (on the page or from Excel) its own
tours and keeps its weak branches' rectification. The district does all of that for every street.
"""

from __future__ import annotations

from typing import Any

from wuxing.core.authority import (
    ADMIN,
    EVERYONE,
    REGISTRY,
    SCOPED,
    WHOLE_DISTRICT,
    Target,
    allow,
    api,
    fixed,
    page,
)  # fmt: skip

EVENT = Target("street's observation tour", lambda o, role: {"pk": o.event.pk}, SCOPED)
CASE = Target("downgrade proposal", lambda o, role: {"pk": o.case.pk}, SCOPED)
WEAK = Target("weak branch", lambda o, role: {"pk": o.weak.pk}, SCOPED)
# One organisation's 月考评 of January 2023 (own: village A, other: 后万金村; every branch takes part).
BRANCH_MONTH = Target(
    "branch's month", lambda o, role: {"org": o.branch.pk, "year": 2023, "month": 1}, SCOPED
)


def parameters_form(o: Any, role: str) -> dict[str, Any]:
    from wuxing.competition.forms import ParametersForm
    from wuxing.competition.queries import parameters_for

    row, _saved = parameters_for(2024)
    data = {k: str(v) for k, v in ParametersForm.initial_from(row).items()}
    return {**data, "policy_k": "3", "reason": "改为连续三期", "lock_version": str(row.lock_version)}


def monthly_file(o: Any, role: str) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from wuxing.competition.queries import checklist_for
    from wuxing.competition.services import MONTHLY_SHEET, monthly_columns
    from wuxing.core.excel import Sheet, build_workbook

    checklist = checklist_for(2023)
    row = [o.branch.code, "", 1, "街道考评组", *[i["points"] for i in checklist.items]]
    content = build_workbook([Sheet(MONTHLY_SHEET, monthly_columns(checklist), [row])])
    return {"file": SimpleUploadedFile("月考评.xlsx", content), "reason": "一月"}


def monthly_form(o: Any, role: str) -> dict[str, Any]:
    from wuxing.competition.queries import checklist_for

    items = {f"item_{i['code']}": str(i["points"]) for i in checklist_for(2023).items}
    return {**items, "scored_by": "街道考评组", "lock_version": ""}


def event_edit_form(o: Any, role: str) -> dict[str, Any]:
    return {"title": "观摩（更正）", "held_on": "2023-02-22", "orgs": o.branch.code, "observers": "甲\n乙\n丙",
            "reason": "补充评分人", "lock_version": str(o.event.lock_version)}  # fmt: skip


def observation_file(o: Any, role: str) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from wuxing.competition.services import OBSERVATION_SHEET, observation_columns
    from wuxing.core.excel import Sheet, build_workbook

    content = build_workbook(
        [Sheet(OBSERVATION_SHEET, observation_columns(), [["甲", o.branch.code, "", 90]])]
    )
    return {"file": SimpleUploadedFile("观摩评分.xlsx", content), "reason": "纸质评分表"}


def event_form(o: Any, role: str) -> dict[str, Any]:
    organiser = o.street.pk if role == "street_staff" else 0
    return {"title": "观摩", "held_on": "2023-05-10", "organiser": str(organiser), "orgs": o.branch.code,
            "observers": "甲\n乙"}  # fmt: skip


def event_scores(o: Any, role: str) -> dict[str, Any]:
    return {f"s_0_{o.branch.pk}": "88.5", "lock_version": str(o.event.lock_version)}


ROUTES = [
    page("competition:index", get=allow(EVERYONE, query="year=2023")),
    page("competition:rankings", get=allow(EVERYONE, query="year=2023")),
    page("competition:quarter", get=allow(EVERYONE, query="year=2023&quarter=1")),
    page(
        "competition:monthly_import",
        get=allow(REGISTRY, query="year=2023"),
        post=allow(REGISTRY, ok=302, data=monthly_file, query="year=2023"),
    ),
    page(
        "competition:monthly_entry",
        BRANCH_MONTH,
        get=allow(own=REGISTRY, other=ADMIN),
        post=allow(own=REGISTRY, other=ADMIN, ok=302, data=monthly_form),
    ),
    page(
        "competition:parameters",
        fixed(year=2024),
        get=allow(EVERYONE),
        post=allow(ADMIN, ok=302, data=parameters_form),
    ),
    page(
        "competition:checklist",
        fixed(year=2024),
        get=allow(EVERYONE),
        post=allow(
            ADMIN,
            ok=302,
            data=lambda o, role: {
                "items": "a|组织生活|60\nb|服务群众|40",
                "reason": "新细则",
                "version": "0",
            },
        ),
    ),
    page(
        "competition:observations",
        get=allow(EVERYONE, query="year=2023"),
        post=allow(REGISTRY, ok=302, data=event_form),
    ),
    page(
        "competition:observation",
        EVENT,
        get=allow(own=EVERYONE, other=WHOLE_DISTRICT),
        post=allow(own=REGISTRY, other=ADMIN, ok=302, data=event_scores),
    ),
    page(
        "competition:observation_edit",
        EVENT,
        get=allow(own=REGISTRY, other=ADMIN),
        post=allow(own=REGISTRY, other=ADMIN, ok=302, data=event_edit_form),
    ),
    page(
        "competition:observation_import",
        EVENT,
        get=allow(own=REGISTRY, other=ADMIN),
        post=allow(own=REGISTRY, other=ADMIN, ok=302, data=observation_file),
    ),
    page(
        "competition:cases",
        get=allow(EVERYONE, query="year=2023"),
        post=allow(ADMIN, ok=302, query="year=2023", changes=None),
    ),
    page(
        "competition:case_decide",
        CASE,
        post=allow(
            ADMIN,
            ok=302,
            data=lambda o, role: {
                "decision": "reject",
                "comment": "整改积极",
                "lock_version": str(o.case.lock_version),
            },
        ),
    ),
    page(
        "competition:reserve",
        get=allow(EVERYONE, query="year=2023"),
        post=allow(
            ADMIN,
            ok=302,
            query="year=2024",
            data=lambda o, role: {"org": o.branch.code, "target_level": "5", "cadre": "张书记"},
        ),
    ),
    page(
        "competition:weak",
        get=allow(EVERYONE, query="year=2023"),
        post=allow(
            REGISTRY,
            ok=302,
            query="year=2024",
            data=lambda o, role: {"org": o.branch.code, "designated_on": "2024-03-01", "reason": "班子软弱"},
        ),
    ),
    page(
        "competition:weak_update",
        WEAK,
        post=allow(
            own=REGISTRY,
            other=ADMIN,
            ok=302,
            data=lambda o, role: {
                "state": "rectifying",
                "plan": "",
                "comment": "开始整顿",
                "lock_version": str(o.weak.lock_version),
            },
        ),
    ),
    api("/api/v1/goals", get=allow(EVERYONE, query="year=2023")),
    api("/api/v1/competition/rankings", get=allow(EVERYONE, query="year=2023")),
]
