"""Who may reach each 年度评星 page and API operation (the authority table; wuxing/core/authority.py
explains the terms, wuxing/core/tests/authority_world.py builds the cycles and assessments named here).

Everybody reads the cycles (the district's, like the rulebooks) and the assessments of the organisations
they can see. A secretary fills and submits their own organisation's draft; a street's staff return,
forward and change values of their own street's submitted assessments; the district does everything,
including approving (one or in bulk), opening, changing a cycle's deadlines, naming and removing a
star (with evidence). A star removal's evidence file is read by whoever sees the organisation.
"""

from __future__ import annotations

from typing import Any

from wuxing.core.authority import (
    ADMIN,
    ANY,
    BRANCH,
    DISTRICT_ADMIN,
    EVERYONE,
    OTHER,
    OWN,
    REGISTRY,
    SCOPED,
    SECRETARY,
    WHOLE_DISTRICT,
    Target,
    allow,
    api,
    page,
)

OWN_DRAFT = frozenset({DISTRICT_ADMIN, SECRETARY})  # the secretary's own draft

CYCLE = Target("review cycle", lambda o, role: {"pk": o.cycle.pk}, {ANY: EVERYONE})
FORWARDED_CYCLE = Target(
    "cycle with forwarded assessments", lambda o, role: {"pk": o.forwarded_cycle.pk}, {ANY: EVERYONE}
)
APPROVED_CYCLE = Target(
    "cycle ready to be named", lambda o, role: {"pk": o.approved_cycle.pk}, {ANY: EVERYONE}
)
PUBLISHABLE_CYCLE = Target(
    "approved cycle to publish", lambda o, role: {"pk": o.publishable_cycle.pk}, {ANY: EVERYONE}
)
# A cycle in its notice; the objection form names street A's village (own) or street B's (other).
NOTICE_CYCLE = Target(
    "cycle in its notice", lambda o, role: {"pk": o.notice_cycle.pk}, {OWN: EVERYONE, OTHER: EVERYONE}
)
OBJECTION = Target("objection", lambda o, role: {"pk": o.objection.pk}, SCOPED)
NAMED_RESULT = Target("named result", lambda o, role: {"pk": o.named_result.pk}, SCOPED)
REMOVAL = Target("star removal with its evidence", lambda o, role: {"pk": o.removal.pk}, SCOPED)
CYCLE_ID = Target("review cycle", lambda o, role: {"cycle_id": o.cycle.pk}, {ANY: EVERYONE})
DRAFT = Target("draft assessment", lambda o, role: {"pk": o.draft.pk}, SCOPED)
SUBMITTED = Target("submitted assessment", lambda o, role: {"pk": o.submitted.pk}, SCOPED)
FORWARDED = Target("forwarded assessment", lambda o, role: {"pk": o.forwarded.pk}, SCOPED)
DRAFT_ID = Target("draft assessment", lambda o, role: {"assessment_id": o.draft.pk}, SCOPED)
SUBMITTED_ID = Target("submitted assessment", lambda o, role: {"assessment_id": o.submitted.pk}, SCOPED)
FORWARDED_ID = Target("forwarded assessment", lambda o, role: {"assessment_id": o.forwarded.pk}, SCOPED)


def open_form(o: Any, role: str) -> dict[str, Any]:
    return {
        "year": "2022",
        "kind": "community",
        "self_deadline": "2023-01-10",
        "street_deadline": "2023-01-20",
        "district_deadline": "2023-02-10",
        "notice_workdays": "5",
        "comment": "补启动",
    }


def deadlines_form(o: Any, role: str) -> dict[str, Any]:
    from wuxing.reviews.models import ReviewCycle

    return {
        "self_deadline": "2023-12-20",
        "street_deadline": "2024-01-05",
        "district_deadline": "2024-01-19",
        "notice_workdays": "6",
        "reason": "按区委通知延期",
        "lock_version": ReviewCycle.objects.get(pk=o.cycle.pk).lock_version,
    }


def api_deadlines(o: Any, role: str) -> dict[str, Any]:
    data = deadlines_form(o, role)
    return {**data, "notice_workdays": 6, "lock_version": data["lock_version"]}


def star_removal(o: Any, role: str) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    prefix = f"r{o.named_result.pk}"
    return {
        f"{prefix}-star_code": "cyxw",
        f"{prefix}-removed_on": "2018-06-01",
        f"{prefix}-reason": "发生刑事案件，“三零”未达标",
        f"{prefix}-veto_event": "",
        f"{prefix}-evidence": SimpleUploadedFile(
            "通报.pdf", b"%PDF-1.4 notice", content_type="application/pdf"
        ),
    }


def action(attr: str, comment: str = "") -> Any:
    def data(o: Any, role: str) -> dict[str, Any]:
        return {"comment_text": comment, "lock_version": getattr(o, attr).lock_version}

    return data


def api_action(attr: str, comment: str = "") -> Any:
    def data(o: Any, role: str) -> dict[str, Any]:
        return {"comment": comment, "lock_version": getattr(o, attr).lock_version}

    return data


ROUTES = [
    page("reviews:cycles", get=allow(EVERYONE), post=allow(ADMIN, ok=302, data=open_form)),
    page("reviews:cycle", CYCLE, get=allow(EVERYONE)),
    page(
        "reviews:approve_bulk",
        FORWARDED_CYCLE,
        post=allow(ADMIN, ok=302, data=lambda o, role: {"scope": "all", "comment": "集体研究"}),
    ),
    page(
        "reviews:name",
        APPROVED_CYCLE,
        post=allow(ADMIN, ok=302, data=lambda o, role: {"comment": "公示无异议"}),
    ),
    page(
        "reviews:assessment",
        DRAFT,
        get=allow(own=EVERYONE, other=WHOLE_DISTRICT),
        post=allow(
            own=OWN_DRAFT,
            other=ADMIN,
            ok=302,
            data=lambda o, role: {"target_level": "4", "lock_version": o.draft.lock_version},
        ),
    ),
    page("reviews:submit", DRAFT, post=allow(own=OWN_DRAFT, other=ADMIN, ok=302, data=action("draft"))),
    page(
        "reviews:return",
        SUBMITTED,
        post=allow(own=REGISTRY, other=ADMIN, ok=302, data=action("submitted", "请补充佐证")),
    ),
    page(
        "reviews:forward", SUBMITTED, post=allow(own=REGISTRY, other=ADMIN, ok=302, data=action("submitted"))
    ),
    page("reviews:approve", FORWARDED, post=allow(ADMIN, ok=302, data=action("forwarded"))),
    page(
        "reviews:change_value",
        SUBMITTED,
        post=allow(
            own=REGISTRY,
            other=ADMIN,
            ok=302,
            data=lambda o, role: {
                "indicator": "cyxw.income",
                "value": "30",
                "shown": "",
                "reason": "核实台账",
            },
        ),
    ),
    page("reviews:org_history", BRANCH, get=allow(own=EVERYONE, other=WHOLE_DISTRICT)),
    page("reviews:notice", NOTICE_CYCLE, get=allow(EVERYONE)),
    page(
        "reviews:notice_start",
        PUBLISHABLE_CYCLE,
        post=allow(ADMIN, ok=302, data=lambda o, role: {"start": "2019-01-07", "comment": "公示"}),
    ),
    page(
        "reviews:objection_create",
        NOTICE_CYCLE,
        post=allow(
            own=REGISTRY,
            other=ADMIN,
            ok=302,
            data=lambda o, role: {"org": o.branch.pk, "raised_on": "2019-01-09", "text": "群众反映"},
        ),
    ),
    page("reviews:star_remove", NAMED_RESULT, post=allow(ADMIN, ok=302, data=star_removal)),
    page("reviews:removal_evidence", REMOVAL, get=allow(own=EVERYONE, other=WHOLE_DISTRICT)),
    page("reviews:deadlines", CYCLE, post=allow(ADMIN, ok=302, data=deadlines_form)),
    page(
        "reviews:objection_resolve",
        OBJECTION,
        post=allow(ADMIN, ok=302, data=lambda o, role: {"resolution": "经核实，维持"}),
    ),
]

ROUTES += [
    api("/api/v1/reviews", get=allow(EVERYONE, query="year=2023")),
    api("/api/v1/reviews/cycles/{cycle_id}/deadlines", CYCLE_ID, patch=allow(ADMIN, data=api_deadlines)),
    api(
        "/api/v1/reviews/assessments/{assessment_id}/submit",
        DRAFT_ID,
        post=allow(own=OWN_DRAFT, other=ADMIN, data=api_action("draft")),
    ),
    api(
        "/api/v1/reviews/assessments/{assessment_id}/return",
        SUBMITTED_ID,
        post=allow(own=REGISTRY, other=ADMIN, data=api_action("submitted", "请补充佐证")),
    ),
    api(
        "/api/v1/reviews/assessments/{assessment_id}/forward",
        SUBMITTED_ID,
        post=allow(own=REGISTRY, other=ADMIN, data=api_action("submitted")),
    ),
    api(
        "/api/v1/reviews/assessments/{assessment_id}/approve",
        FORWARDED_ID,
        post=allow(ADMIN, data=api_action("forwarded")),
    ),
]

__all__ = ["OTHER", "OWN", "ROUTES"]
