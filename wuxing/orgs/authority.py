"""Who may reach each registry page (the authority table; wuxing/core/authority.py explains the terms).

Reading follows the scoping choke point; writing follows wuxing/orgs/rules.py: the district changes
everything, a street's staff changes what lies inside its street (not the street itself), leaders,
secretaries and dispatched units only read. Dispatched units and streets are the district's alone.
"""

from __future__ import annotations

from typing import Any

from wuxing.core.authority import (
    ADMIN,
    BRANCH,
    BRANCH_ID,
    BRANCH_OF_POSTS,
    DISPATCHED_UNIT,
    EMPTY_BRANCH,
    EVERYONE,
    PERSON,
    POST,
    REGISTRY,
    STREET,
    STREET_IN_BODY,
    STREET_STAFF,
    WHOLE_DISTRICT,
    allow,
    api,
    fixed,
    page,
)

# A street's staff choosing another street's organisation in a form: the form refuses the choice.
FORM_REFUSES_OTHER_STREET = {STREET_STAFF: 200}


def branch_form(o: Any, role: str) -> dict[str, Any]:
    return {
        "parent": o.street.pk,
        "code": o.branch.code,
        "name": o.branch.name + "（改）",
        "area_kind": "rural",
        "branch_type": "branch",
        "member_count": 41,
        "reason": "核对",
        "lock_version": o.branch.lock_version,  # the version the form was shown
    }


def new_branch_form(o: Any, role: str) -> dict[str, Any]:
    return {**branch_form(o, role), "code": f"{o.street.code}050", "name": "新建测试村", "lock_version": ""}


def person_form(o: Any, role: str) -> dict[str, Any]:
    return {
        "name": "张新民",
        "gender": "M",
        "phone": "13800000099",
        "home_org": o.branch.pk,
        "reason": "新增",
    }


def post_form(o: Any, role: str) -> dict[str, Any]:
    return {
        "person": o.person.pk,
        "role": "secretary",
        "start_date": "2021-03-02",
        "reason": "更正日期",
        "lock_version": o.post.lock_version,
    }


def person_form_edit(o: Any, role: str) -> dict[str, Any]:
    return {
        "name": o.person.name,
        "phone": "13900000000",
        "home_org": o.branch.pk,
        "lock_version": o.person.lock_version,
    }


def new_post_form(o: Any, role: str) -> dict[str, Any]:
    return {"person": o.person.pk, "role": "director", "start_date": "2022-01-01", "reason": "兼任"}


def org_import(o: Any, role: str) -> dict[str, Any]:
    from wuxing.core.tests.xlsxutil import upload, xlsx_bytes
    from wuxing.orgs.services import ORG_COLUMNS

    row = [o.street.name, f"{o.street.code}050", "导入测试村", "农村", "党支部", 10, ""]
    return {"kind": "orgs", "file": upload(xlsx_bytes([c.header for c in ORG_COLUMNS], [row]))}


ROUTES = [
    page("orgs:list", get=allow(EVERYONE)),
    page("orgs:tree", get=allow(EVERYONE)),
    # a street's organisations for the tree: whoever sees something in the street
    page("orgs:tree_street", STREET, get=allow(own=EVERYONE, other=WHOLE_DISTRICT)),
    page("orgs:people", get=allow(EVERYONE)),
    page("orgs:units", get=allow(EVERYONE)),
    page(
        "orgs:branch_create",
        get=allow(REGISTRY),
        post=allow(
            own=REGISTRY,
            other=ADMIN,
            ok=302,
            data=new_branch_form,
            target=STREET_IN_BODY,
            refused=FORM_REFUSES_OTHER_STREET,
        ),
    ),
    page(
        "orgs:street_create",
        get=allow(ADMIN),
        post=allow(
            ADMIN, ok=302, data=lambda o, role: {"code": "XX", "name": "新建街道", "street_kind": "street"}
        ),
    ),
    page("orgs:detail", BRANCH, get=allow(own=EVERYONE, other=WHOLE_DISTRICT)),
    page(
        "orgs:edit",
        BRANCH,
        get=allow(own=REGISTRY, other=ADMIN),
        post=allow(own=REGISTRY, other=ADMIN, ok=302, data=branch_form),
    ),
    page(
        "orgs:delete",
        EMPTY_BRANCH,
        get=allow(ADMIN),
        post=allow(ADMIN, ok=302, data=lambda o, role: {"reason": "撤并"}),
    ),
    page(
        "orgs:post_create",
        BRANCH_OF_POSTS,
        get=allow(own=REGISTRY, other=ADMIN),
        post=allow(own=REGISTRY, other=ADMIN, ok=302, data=new_post_form),
    ),
    page(
        "orgs:post_edit",
        POST,
        get=allow(own=REGISTRY, other=ADMIN),
        post=allow(own=REGISTRY, other=ADMIN, ok=302, data=post_form),
    ),
    page(
        "orgs:post_end",
        POST,
        post=allow(
            own=REGISTRY,
            other=ADMIN,
            ok=302,
            data=lambda o, role: {"end_date": "2024-01-31", "reason": "换届"},
        ),
    ),
    page(
        "orgs:person_create",
        get=allow(REGISTRY),
        post=allow(
            own=REGISTRY,
            other=ADMIN,
            ok=302,
            data=person_form,
            target=STREET_IN_BODY,
            refused=FORM_REFUSES_OTHER_STREET,
        ),
    ),
    page("orgs:person", PERSON, get=allow(own=EVERYONE, other=WHOLE_DISTRICT)),
    # the full phone number: whoever sees the person, logged (the log is not in the matrix's snapshot)
    page("orgs:person_reveal", PERSON, post=allow(own=EVERYONE, other=WHOLE_DISTRICT, changes=None)),
    page(
        "orgs:person_edit",
        PERSON,
        get=allow(own=REGISTRY, other=ADMIN),
        post=allow(
            own=REGISTRY,
            other=ADMIN,
            ok=302,
            data=person_form_edit,
        ),
    ),
    page(
        "orgs:unit_create",
        get=allow(ADMIN),
        post=allow(ADMIN, ok=302, data=lambda o, role: {"code": "U09", "name": "区审计局", "reason": ""}),
    ),
    page("orgs:unit", DISPATCHED_UNIT, get=allow(own=EVERYONE, other=WHOLE_DISTRICT)),
    page(
        "orgs:unit_edit",
        DISPATCHED_UNIT,
        get=allow(ADMIN),
        post=allow(
            ADMIN,
            ok=302,
            data=lambda o, role: {"code": o.unit.code, "name": "改名局", "lock_version": o.unit.lock_version},
        ),
    ),
    page(
        "orgs:import",
        get=allow(REGISTRY),
        post=allow(
            own=REGISTRY,
            other=ADMIN,
            ok=302,
            data=org_import,
            target=STREET_IN_BODY,
            refused=FORM_REFUSES_OTHER_STREET,  # the import report names the row
        ),
    ),
    page("orgs:import_template", fixed(kind="orgs"), get=allow(REGISTRY)),
]

# The API of the registry: the same scope and the same rules as the pages.
ROUTES += [
    api("/api/v1/orgs", get=allow(EVERYONE)),
    api(
        "/api/v1/orgs/{org_id}",
        BRANCH_ID,
        get=allow(own=EVERYONE, other=WHOLE_DISTRICT),
        patch=allow(
            own=REGISTRY,
            other=ADMIN,
            data=lambda o, role: {
                "lock_version": o.branch.lock_version,
                "member_count": 41,
                "reason": "核对",
            },
        ),
    ),
    api("/api/v1/streets", get=allow(EVERYONE)),
]
