"""Excel exports of the registry lists: exactly the rows the user can see, Chinese headers, no formulas."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from wuxing.core.management.base import system_user
from wuxing.core.tests.xlsxutil import load, read_rows, sheet_xml
from wuxing.orgs import services
from wuxing.orgs.models import DispatchedUnit, Person, Post, PostRole

ORG_HEADERS = [
    "所属街道/镇",
    "组织编码",
    "组织名称",
    "类型",
    "组织形式",
    "党员人数",
    "现任书记",
    "分包区直单位",
    "演示数据",
]
PEOPLE_HEADERS = [
    "所属街道/镇",
    "组织编码",
    "组织名称",
    "姓名",
    "性别",
    "手机号",
    "职务",
    "任职日期",
    "离任日期",
    "兼任街道(镇)班子成员",
]
UNIT_HEADERS = ["单位编码", "单位名称", "联系人", "联系电话", "分包组织数"]


def export(client: Any, url: str) -> list[list[Any]]:
    response = client.get(url)
    assert response.status_code == 200
    return read_rows(response.getvalue())


def test_org_export_for_admin_has_every_branch_with_typed_cells(client_for: Any) -> None:
    rows = export(client_for("admin"), "/orgs/?format=xlsx")
    assert rows[0] == ORG_HEADERS
    # Default order is the tree order: streets by code (BZ before ZB), then branches by code.
    assert rows[1:] == [
        ["柏庄镇", "BZ001", "后万金村", "农村", "党支部", 40, "王秀英", "区民政局", None],
        ["彰北街道", "ZB001", "西漳涧村", "农村", "党支部", 40, "李建国", "区财政局", None],
        ["彰北街道", "ZB002", "阳光社区", "城市社区", "党支部", 40, None, None, None],
    ]


@pytest.mark.parametrize(
    "role, codes",
    [
        ("leader", {"ZB001", "ZB002", "BZ001"}),
        ("street_a", {"ZB001", "ZB002"}),
        ("street_b", {"BZ001"}),
        ("secretary_a", {"ZB001"}),
        ("unit", {"ZB001"}),
    ],
)
def test_org_export_holds_exactly_the_visible_rows(client_for: Any, role: str, codes: set[str]) -> None:
    rows = export(client_for(role), "/orgs/?format=xlsx")
    assert rows[0] == ORG_HEADERS
    got = [r[1] for r in rows[1:]]
    assert sorted(got) == sorted(codes)  # no duplicates, nothing missing, nothing extra


def test_org_export_follows_the_filters(client_for: Any) -> None:
    rows = export(client_for("admin"), "/orgs/?format=xlsx&area_kind=community")
    assert [r[1] for r in rows[1:]] == ["ZB002"]
    rows = export(client_for("admin"), "/orgs/?format=xlsx&q=后万金")
    assert [r[1] for r in rows[1:]] == ["BZ001"]


def test_org_export_marks_demo_rows(client_for: Any, world: Any) -> None:
    services.create_branch(
        system_user(),
        world.street_b,
        {"code": "BZ099", "name": "演示村", "area_kind": "rural", "branch_type": "branch"},
        is_demo=True,
    )
    rows = export(client_for("street_b"), "/orgs/?format=xlsx")
    assert {r[1]: r[8] for r in rows[1:]} == {"BZ001": None, "BZ099": "是"}


def test_export_of_an_ended_secretary_shows_no_current_secretary(client_for: Any, world: Any) -> None:
    post = Post.objects.get(org=world.village_a, role=PostRole.SECRETARY)
    services.end_post(system_user(), post, dt.date(2022, 12, 31))
    rows = export(client_for("street_a"), "/orgs/?format=xlsx")
    assert {r[1]: r[6] for r in rows[1:]} == {"ZB001": None, "ZB002": None}


@pytest.mark.parametrize(
    "role, names",
    [
        ("admin", ["李建国", "王秀英"]),
        ("leader", ["李建国", "王秀英"]),
        ("street_a", ["李建国"]),
        ("street_b", ["王秀英"]),
        ("secretary_a", ["李建国"]),
        ("unit", ["李建国"]),
    ],
)
def test_people_export_holds_exactly_the_visible_rows(client_for: Any, role: str, names: list[str]) -> None:
    rows = export(client_for(role), "/orgs/people/?format=xlsx")
    assert rows[0] == PEOPLE_HEADERS
    assert sorted(r[3] for r in rows[1:]) == names


def test_people_export_row_content(client_for: Any) -> None:
    rows = export(client_for("street_a"), "/orgs/people/?format=xlsx")
    assert len(rows) == 2
    row = rows[1]
    assert row[:7] == ["彰北街道", "ZB001", "西漳涧村", "李建国", None, "138****0001", "党组织书记"]  # masked
    assert row[7] == dt.datetime(2021, 3, 1)  # noqa: DTZ001 (a real, naive Excel date cell, not text)
    assert row[8:] == [None, "否"]


@pytest.mark.parametrize(
    "role, units",
    [
        ("admin", [["U01", "区财政局", None, None, 1], ["U02", "区民政局", None, None, 1]]),
        ("leader", [["U01", "区财政局", None, None, 1], ["U02", "区民政局", None, None, 1]]),
        ("street_a", [["U01", "区财政局", None, None, 1]]),
        ("street_b", [["U02", "区民政局", None, None, 1]]),
        ("secretary_a", [["U01", "区财政局", None, None, 1]]),
        ("unit", [["U01", "区财政局", None, None, 1]]),
    ],
)
def test_unit_export_holds_exactly_the_visible_rows(
    client_for: Any, role: str, units: list[list[Any]]
) -> None:
    rows = export(client_for(role), "/orgs/units/?format=xlsx")
    assert rows[0] == UNIT_HEADERS
    assert rows[1:] == units


def test_unit_export_counts_only_visible_organisations(client_for: Any, world: Any) -> None:
    """U01 also helps a branch of street B: street A's export still counts only street A's branches."""
    services.create_branch(
        system_user(),
        world.street_b,
        {
            "code": "BZ002",
            "name": "西苏度村",
            "area_kind": "rural",
            "branch_type": "branch",
            "assigned_unit": world.unit,
        },
    )
    assert export(client_for("admin"), "/orgs/units/?format=xlsx")[1] == ["U01", "区财政局", None, None, 2]
    assert export(client_for("street_a"), "/orgs/units/?format=xlsx")[1:] == [
        ["U01", "区财政局", None, None, 1]
    ]
    street_b = export(client_for("street_b"), "/orgs/units/?format=xlsx")[1:]
    assert street_b == [["U01", "区财政局", None, None, 1], ["U02", "区民政局", None, None, 1]]


FORMULAS = ["=1+1", '=HYPERLINK("http://evil.example","点我")', "+86-1", "-2+3", "@SUM(A1)"]


def test_formula_looking_names_are_stored_as_text(client_for: Any, world: Any) -> None:
    actor = system_user()
    for i, name in enumerate(FORMULAS, start=1):
        org = services.create_branch(
            actor,
            world.street_a,
            {"code": f"ZB1{i:02d}", "name": name, "area_kind": "rural", "branch_type": "branch"},
        )
        person = services.save_person(actor, Person(name=name, home_org=org))
        services.save_post(
            actor, Post(person=person, org=org, role=PostRole.PARTY_COMMITTEE, start_date=dt.date(2022, 1, 1))
        )
    for url, column in (("/orgs/?format=xlsx", 3), ("/orgs/people/?format=xlsx", 4)):
        content = client_for("street_a").get(url).getvalue()
        ws = load(content).worksheets[0]
        cells = {
            ws.cell(row=r, column=column).value: ws.cell(row=r, column=column)
            for r in range(2, ws.max_row + 1)
        }
        for name in FORMULAS:
            assert name in cells, (url, name)
            assert cells[name].data_type == "s", (url, name)
        assert "<f>" not in sheet_xml(content), url  # Excel sees no formula at all


def test_formula_looking_unit_name_is_text(client_for: Any) -> None:
    services.save_unit(system_user(), DispatchedUnit(code="U03", name="=cmd|' /C calc'!A0"))
    content = client_for("admin").get("/orgs/units/?format=xlsx").getvalue()
    ws = load(content).worksheets[0]
    cell = ws.cell(row=4, column=2)
    assert (cell.value, cell.data_type) == ("=cmd|' /C calc'!A0", "s")
    assert "<f>" not in sheet_xml(content)


@pytest.mark.parametrize(
    "url",
    [
        "/orgs/?format=xlsx",
        "/orgs/people/?format=xlsx",
        "/orgs/units/?format=xlsx",
        "/orgs/import/template/orgs.xlsx",
    ],
)
def test_workbooks_are_streamed_from_a_temporary_file(client_for: Any, url: str) -> None:
    """The workbook is written to a temporary file and that file is sent: the response streams (no copy
    of the whole file in memory) and says how long it is."""
    response = client_for("admin").get(url)
    assert response.status_code == 200 and response.streaming
    content = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(content)
    assert load(content).worksheets[0]["A1"].font.bold
