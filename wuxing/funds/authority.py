"""Who may reach each 投入保障与奖励 page and API operation (the authority table; wuxing/core/authority.py
explains the terms).

Everybody reads the year's entitlements of the organisations they can see (a street its own, a secretary
their organisation's — the lines are scoped, the page is not) and the year's parameters (the district's,
the same for every street). Only the district changes the parameters and imports earlier years' levels.
The budget and the approved ledger versions are open to everybody with the lines of their scope. Claims:
the organisation's secretary, its street or the district submit and correct a returned claim; the street
(or the district) verifies and returns; only the district approves and reopens — on the pages and the API.
"""

from __future__ import annotations

from typing import Any

from wuxing.core.authority import (
    ADMIN,
    ANY,
    EVERYONE,
    REGISTRY,
    SCOPED,
    SECRETARY,
    WHOLE_DISTRICT,
    Target,
    allow,
    api,
    fixed,
    page,
)  # fmt: skip


def parameters_form(o: Any, role: str) -> dict[str, Any]:
    from wuxing.funds.forms import ParametersForm
    from wuxing.funds.queries import parameters_for

    row, _saved = parameters_for(2024)
    data = {k: str(v) for k, v in ParametersForm.initial_from(row).items() if v is not None}
    return {**data, "fuke_salary": "72000", "reason": "录入工资标准", "lock_version": str(row.lock_version)}


def history_file(o: Any, role: str) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from wuxing.core.excel import Sheet, build_workbook
    from wuxing.funds.services import HISTORY_COLUMNS, HISTORY_SHEET

    content = build_workbook(
        [Sheet(HISTORY_SHEET, HISTORY_COLUMNS, [["ZB001", 2015, 4, "否", "李建国", "否"]])]
    )
    return {"file": SimpleUploadedFile("往年星级.xlsx", content), "reason": "补录"}


SUBMITTERS = REGISTRY | {SECRETARY}  # the organisation's secretary, its street, the district
# The claims list's form names village A (own) or 后万金村 (other) in its body.
BRANCH_IN_FORM = Target("branch named in the form", lambda o, role: {}, SCOPED)
SUBMITTED_CLAIM = Target("claim waiting for its street", lambda o, role: {"pk": o.submitted_claim.pk}, SCOPED)
VERIFIED_CLAIM = Target("verified claim", lambda o, role: {"pk": o.verified_claim.pk}, SCOPED)
APPROVED_CLAIM = Target("approved claim", lambda o, role: {"pk": o.approved_claim.pk}, SCOPED)
RETURNED_CLAIM = Target("returned claim", lambda o, role: {"pk": o.returned_claim.pk}, SCOPED)
# The API names claims by `claim_id`.
SUBMITTED_CLAIM_ID = Target("claim waiting", lambda o, role: {"claim_id": o.submitted_claim.pk}, SCOPED)
VERIFIED_CLAIM_ID = Target("verified claim", lambda o, role: {"claim_id": o.verified_claim.pk}, SCOPED)
APPROVED_CLAIM_ID = Target("approved claim", lambda o, role: {"claim_id": o.approved_claim.pk}, SCOPED)
RETURNED_CLAIM_ID = Target("returned claim", lambda o, role: {"claim_id": o.returned_claim.pk}, SCOPED)
# An approved ledger version names no organisation: everybody opens it and sees the lines of their scope.
LEDGER = Target(
    "approved ledger version",
    lambda o, role: {"year": o.ledger.year, "version": o.ledger.version},
    {ANY: EVERYONE},
)


def claim_form(o: Any, role: str) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "org": str(o.branch.pk),
        "year": "2023",
        "amount": "2400.50",
        "description": "党建阵地建设",
        "receipt": SimpleUploadedFile("发票.pdf", b"%PDF-1.4 invoice", content_type="application/pdf"),
    }


def resubmit_form(o: Any, role: str) -> dict[str, Any]:
    return {
        "amount": "980.00", "description": "宣传栏（更正）", "comment": "按票据更正金额",
        "lock_version": str(o.returned_claim.lock_version),
    }  # fmt: skip


def api_action(attr: str, comment: str = "") -> Any:
    def data(o: Any, role: str) -> dict[str, Any]:
        return {"comment": comment, "lock_version": getattr(o, attr).lock_version}

    return data


def claim_action(attr: str, comment: str = "") -> Any:
    def data(o: Any, role: str) -> dict[str, Any]:
        return {"comment": comment, "lock_version": str(getattr(o, attr).lock_version)}

    return data


ROUTES = [
    page(
        "funds:claims",
        BRANCH_IN_FORM,
        get=allow(EVERYONE, target=fixed()),  # the list itself names no organisation
        post=allow(own=SUBMITTERS, other=ADMIN, ok=302, data=claim_form),
    ),
    page("funds:claim", SUBMITTED_CLAIM, get=allow(own=EVERYONE, other=WHOLE_DISTRICT)),
    page("funds:claim_receipt", SUBMITTED_CLAIM, get=allow(own=EVERYONE, other=WHOLE_DISTRICT)),
    page(
        "funds:claim_verify",
        SUBMITTED_CLAIM,
        post=allow(own=REGISTRY, other=ADMIN, ok=302, data=claim_action("submitted_claim")),
    ),
    page(
        "funds:claim_return",
        SUBMITTED_CLAIM,
        post=allow(own=REGISTRY, other=ADMIN, ok=302, data=claim_action("submitted_claim", "票据不清")),
    ),
    page(
        "funds:claim_approve", VERIFIED_CLAIM, post=allow(ADMIN, ok=302, data=claim_action("verified_claim"))
    ),
    page(
        "funds:claim_reopen",
        APPROVED_CLAIM,
        post=allow(ADMIN, ok=302, data=claim_action("approved_claim", "票据重复报销")),
    ),
    page(
        "funds:claim_resubmit",
        RETURNED_CLAIM,
        post=allow(own=SUBMITTERS, other=ADMIN, ok=302, data=resubmit_form),
    ),
    page("funds:entitlements", get=allow(EVERYONE, query="year=2023")),
    page("funds:budget", get=allow(EVERYONE, query="year=2023")),
    page("funds:ledgers", get=allow(EVERYONE, query="year=2023")),
    page("funds:ledger", LEDGER, get=allow(EVERYONE)),
    page(
        "funds:parameters",
        fixed(year=2024),
        get=allow(EVERYONE),
        post=allow(ADMIN, ok=302, data=parameters_form),
    ),
    page("funds:history_import", get=allow(ADMIN), post=allow(ADMIN, ok=302, data=history_file)),
    page("funds:history_template", get=allow(ADMIN)),
    page(
        "funds:ledger_approve",
        fixed(year=2016),  # a year without a review cycle in the authority world (2017–2023 have one)
        post=allow(ADMIN, ok=302, data=lambda o, role: {"expected_version": "0", "reason": "区委常委会审定"}),
    ),
    api("/api/v1/entitlements", get=allow(EVERYONE, query="year=2023")),
    api("/api/v1/claims", get=allow(EVERYONE, query="year=2023")),
    api(
        "/api/v1/claims/{claim_id}/verify",
        SUBMITTED_CLAIM_ID,
        post=allow(own=REGISTRY, other=ADMIN, data=api_action("submitted_claim")),
    ),
    api(
        "/api/v1/claims/{claim_id}/return",
        SUBMITTED_CLAIM_ID,
        post=allow(own=REGISTRY, other=ADMIN, data=api_action("submitted_claim", "票据不清")),
    ),
    api(
        "/api/v1/claims/{claim_id}/approve",
        VERIFIED_CLAIM_ID,
        post=allow(ADMIN, data=api_action("verified_claim")),
    ),
    api(
        "/api/v1/claims/{claim_id}/reopen",
        APPROVED_CLAIM_ID,
        post=allow(ADMIN, data=api_action("approved_claim", "票据重复报销")),
    ),
    api(
        "/api/v1/claims/{claim_id}/resubmit",
        RETURNED_CLAIM_ID,
        post=allow(
            own=SUBMITTERS,
            other=ADMIN,
            data=lambda o, role: {
                "amount": "980.00",
                "description": "宣传栏（更正）",
                "lock_version": o.returned_claim.lock_version,
            },
        ),
    ),
]
