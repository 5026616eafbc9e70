"""Who may reach each 投入保障与奖励 page and API operation (the authority table; wuxing/core/authority.py
explains the terms).

Everybody reads the year's entitlements of the organisations they can see (a street its own, a secretary
their organisation's — the lines are scoped, the page is not) and the year's parameters (the district's,
the same for every street). Only the district changes the parameters and imports earlier years' levels.
"""

from __future__ import annotations

from typing import Any

from wuxing.core.authority import ADMIN, EVERYONE, allow, api, fixed, page


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


ROUTES = [
    page("funds:entitlements", get=allow(EVERYONE, query="year=2023")),
    page(
        "funds:parameters",
        fixed(year=2024),
        get=allow(EVERYONE),
        post=allow(ADMIN, ok=302, data=parameters_form),
    ),
    page("funds:history_import", get=allow(ADMIN), post=allow(ADMIN, ok=302, data=history_file)),
    page("funds:history_template", get=allow(ADMIN)),
    api("/api/v1/entitlements", get=allow(EVERYONE, query="year=2023")),
]
