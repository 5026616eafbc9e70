"""Who may reach each star-rating page (the authority table; wuxing/core/authority.py explains the terms).

Everybody reads the ratings, star cards and evidence of what they can see. Indicator values and evidence
are entered by the district, by a street's staff for its own organisations and by a secretary for their
own organisation; vetoes are recorded by the district and the street; rulebooks are the district's.
"""

from __future__ import annotations

from typing import Any

from wuxing.core.authority import (
    ADMIN,
    BRANCH,
    BRANCH_ID,
    EVERYONE,
    EVIDENCE,
    REGISTRY,
    RULEBOOK,
    RULEBOOK_ID,
    SCORERS,
    SECRETARY,
    STREET_IN_BODY,
    STREET_STAFF,
    VETO,
    WHOLE_DISTRICT,
    allow,
    api,
    fixed,
    page,
)


def score_form(o: Any, role: str) -> dict[str, Any]:
    # an indicator the secretary enters (the rulebook's entered_by), sent with the value the page showed
    return {"v_cyxw.income": "21", "o_cyxw.income": "", "note": "核对"}


def evidence_upload(o: Any, role: str) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = SimpleUploadedFile("照片.pdf", b"%PDF-1.4 photo", content_type="application/pdf")
    return {"indicator": "zbgy.org_life", "file": pdf}


def veto_form(o: Any, role: str) -> dict[str, Any]:
    return {"veto_code": "zbgy.cadre_crime", "occurred_on": f"{o.year}-06-01", "description": "测试"}


def score_import(o: Any, role: str) -> dict[str, Any]:
    from wuxing.core.tests.xlsxutil import upload, xlsx_bytes
    from wuxing.rules.services import score_columns

    columns = score_columns(o.rulebook.rulebook)
    row: list[Any] = [o.branch.code, o.branch.name] + [None] * (len(columns) - 2)
    row[[c.key for c in columns].index("cyxw.income")] = 21
    return {"kind": "rural", "file": upload(xlsx_bytes([c.header for c in columns], [row]))}


def rulebook_upload(o: Any, role: str) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    yaml = SimpleUploadedFile("rural.yaml", o.rulebook.content.encode(), content_type="text/yaml")
    return {"file": yaml, "note": "重新加载", "activate": ""}


def rulebook_tune(o: Any, role: str) -> dict[str, Any]:
    from wuxing.rules.forms import TuneForm
    from wuxing.rules.services import RELATION_READINGS

    form = TuneForm(book=o.rulebook.rulebook, reading=None, readings=RELATION_READINGS)
    data = {name: str(f.initial) for name, f in form.fields.items() if name.startswith("n__")}
    data["n__zbgy__min_points"] = "85"
    return {**data, "note": "提高达标分"}


# A street's staff or a secretary importing another street's organisation: the report names the row.
IMPORT_REFUSES_OTHER_STREET = {STREET_STAFF: 200, SECRETARY: 200}

ROUTES = [
    page("starrules:ratings", get=allow(EVERYONE)),
    page("starrules:ratings_pdf", get=allow(EVERYONE)),
    page("starrules:card", BRANCH, get=allow(own=EVERYONE, other=WHOLE_DISTRICT)),
    page("starrules:card_pdf", BRANCH, get=allow(own=EVERYONE, other=WHOLE_DISTRICT)),
    page(
        "starrules:score_form",
        BRANCH,
        get=allow(own=SCORERS, other=ADMIN),
        post=allow(own=SCORERS, other=ADMIN, ok=302, data=score_form),
    ),
    page(
        "starrules:evidence_upload",
        BRANCH,
        post=allow(own=SCORERS, other=ADMIN, ok=302, data=evidence_upload),
    ),
    page("starrules:evidence", EVIDENCE, get=allow(own=EVERYONE, other=WHOLE_DISTRICT)),
    page(
        "starrules:evidence_delete",
        EVIDENCE,
        post=allow(own=SCORERS, other=ADMIN, ok=302, data=lambda o, role: {"reason": "传错文件"}),
    ),
    page("starrules:veto_create", BRANCH, post=allow(own=REGISTRY, other=ADMIN, ok=302, data=veto_form)),
    page(
        "starrules:veto_revoke",
        VETO,
        post=allow(own=REGISTRY, other=ADMIN, ok=302, data=lambda o, role: {"reason": "复核后撤销"}),
    ),
    page(
        "starrules:scores",
        get=allow(SCORERS),
        post=allow(
            own=SCORERS,
            other=ADMIN,
            ok=302,
            data=score_import,
            target=STREET_IN_BODY,
            refused=IMPORT_REFUSES_OTHER_STREET,
        ),
    ),
    page("starrules:scores_template", fixed(kind="rural"), get=allow(SCORERS)),
    page(
        "starrules:rulebooks",
        get=allow(EVERYONE),
        post=allow(ADMIN, ok=302, data=rulebook_upload),
    ),
    page("starrules:rulebook", RULEBOOK, get=allow(EVERYONE)),
    page(
        "starrules:rulebook_edit",
        RULEBOOK,
        get=allow(ADMIN),
        post=allow(
            ADMIN,
            ok=302,
            data=lambda o, role: {"content": o.rulebook.content, "note": "另存", "activate": ""},
        ),
    ),
    page(
        "starrules:rulebook_tune", RULEBOOK, get=allow(ADMIN), post=allow(ADMIN, ok=302, data=rulebook_tune)
    ),
    page(
        "starrules:rulebook_activate",
        RULEBOOK,
        post=allow(ADMIN, ok=302, data=lambda o, role: {"note": "重新启用"}),
    ),
    page(
        "starrules:rulebook_clone",
        RULEBOOK,
        post=allow(ADMIN, ok=302, data=lambda o, role: {"year": o.year + 1, "note": "下一年度"}),
    ),
]

# The API of ratings, rulebooks and indicator values: the same scope and the same rules as the pages.
ROUTES += [
    api("/api/v1/ratings", get=allow(EVERYONE, query="year=2023")),
    api(
        "/api/v1/ratings/{org_id}",
        BRANCH_ID,
        get=allow(own=EVERYONE, other=WHOLE_DISTRICT, query="year=2023"),
    ),
    api("/api/v1/rulebooks", get=allow(EVERYONE)),
    api("/api/v1/rulebooks/{rulebook_id}", RULEBOOK_ID, get=allow(EVERYONE)),
    api(
        "/api/v1/scores/{org_id}",
        BRANCH_ID,
        get=allow(own=EVERYONE, other=WHOLE_DISTRICT, query="year=2023"),
        patch=allow(
            own=SCORERS,
            other=ADMIN,
            query="year=2023",
            data=lambda o, role: {"changes": [{"indicator": "cyxw.income", "value": "21", "expected": None}]},
        ),
    ),
]
