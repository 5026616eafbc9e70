"""Excel import of organisations and people: all rows or none, errors at "第N行 第M列（表头）"."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from wuxing.core.models import DecisionLog
from wuxing.core.tests.xlsxutil import upload, xlsx_bytes, xlsx_file
from wuxing.orgs.models import OrgUnit, Person, Post, PostRole
from wuxing.orgs.services import ORG_COLUMNS, PERSON_COLUMNS, import_orgs, import_people

# Written out by hand (not taken from ORG_COLUMNS) so a renamed header is noticed.
ORG_HEADER = ["所属街道/镇", "组织编码", "组织名称", "类型", "组织形式", "党员人数", "分包区直单位"]
PERSON_HEADER = [
    "组织编码",
    "姓名",
    "性别",
    "手机号",
    "出生日期",
    "职务",
    "任职日期",
    "离任日期",
    "兼任街道(镇)班子成员",
]

GOOD_ORGS: list[list[object]] = [
    ["彰北街道", "ZB010", "东漳涧村", "农村", "党支部", 35, "U01"],
    ["柏庄镇", "BZ010", "西苏度村", "农村", "党总支", "56", "区民政局"],
    ["ZB", "ZB011", "阳光花园社区", "城市社区", "党委", None, None],  # street by code; empty count → 0
]


def org_snapshot() -> list[tuple[Any, ...]]:
    return list(
        OrgUnit.objects.order_by("code").values_list(
            "code", "name", "path", "member_count", "assigned_unit_id"
        )
    )


def people_snapshot() -> tuple[int, int, int]:
    return (Person.objects.count(), Post.objects.count(), Person.history.count())


def test_headers_are_the_documented_chinese_ones() -> None:
    assert [c.header for c in ORG_COLUMNS] == ORG_HEADER
    assert [c.header for c in PERSON_COLUMNS] == PERSON_HEADER


# --- organisations: good files ---


def test_good_file_creates_rows(world: Any) -> None:
    report = import_orgs(world.users["admin"], xlsx_file(ORG_HEADER, GOOD_ORGS))
    assert report.messages() == []
    assert (report.created, report.updated) == (3, 0)
    got = {
        o.code: (
            OrgUnit.objects.get_parent(o).name,
            o.name,
            o.area_kind,
            o.branch_type,
            o.member_count,
            o.assigned_unit.code if o.assigned_unit else None,
        )
        for o in OrgUnit.objects.filter(code__in=["ZB010", "BZ010", "ZB011"])
    }
    assert got == {
        "ZB010": ("彰北街道", "东漳涧村", "rural", "branch", 35, "U01"),
        "BZ010": ("柏庄镇", "西苏度村", "rural", "general", 56, "U02"),
        "ZB011": ("彰北街道", "阳光花园社区", "community", "committee", 0, None),
    }
    record = OrgUnit.objects.get(code="ZB010").history.get()
    assert (record.history_user, record.history_change_reason) == (world.users["admin"], "Excel 导入")
    log = DecisionLog.objects.get(action="import_orgs")
    assert (log.actor, log.comment) == (world.users["admin"], "导入组织：新增 3，更新 0")
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])


def test_full_width_digits_and_stray_spaces_are_tolerated(world: Any) -> None:
    rows = [
        ["\u3000彰北街道 ", "ｚｂ０１２", " 东漳涧村\u3000", "农村\u00a0", " 党支部", "１２３", "\tＵ０１ "],
        ["柏庄镇\u3000\u3000", " ＢＺ 012 ", "北花村", "\u3000农村", "党支部", " ４５ ", ""],
    ]
    report = import_orgs(world.users["admin"], xlsx_file(ORG_HEADER, rows))
    assert report.messages() == []
    a = OrgUnit.objects.get(code="ZB012")
    assert (a.name, a.member_count, a.assigned_unit.code, OrgUnit.objects.get_parent(a).name) == (
        "东漳涧村",
        123,
        "U01",
        "彰北街道",
    )
    b = OrgUnit.objects.get(code="BZ012")
    assert (b.name, b.member_count, b.assigned_unit) == ("北花村", 45, None)


def test_headers_with_spaces_and_in_any_order_are_accepted(world: Any) -> None:
    order = [5, 0, 2, 1, 4, 3]  # 党员人数 first, no 分包区直单位 column at all
    header = [f" {ORG_HEADER[i]}\u3000" for i in order]
    row = ["彰北街道", "ZB013", "南漳涧村", "农村", "党支部", 30]
    report = import_orgs(world.users["admin"], xlsx_file(header, [[row[i] for i in order]]))
    assert report.messages() == []
    org = OrgUnit.objects.get(code="ZB013")
    assert (org.name, org.member_count, org.assigned_unit) == ("南漳涧村", 30, None)


def test_reimporting_the_same_file_duplicates_nothing_and_changes_nothing(world: Any) -> None:
    content = xlsx_bytes(ORG_HEADER, GOOD_ORGS)
    first = import_orgs(world.users["admin"], io.BytesIO(content))
    count = OrgUnit.objects.count()
    second = import_orgs(world.users["admin"], io.BytesIO(content))
    assert (first.created, first.updated) == (3, 0)
    assert (second.created, second.updated, second.unchanged, second.errors) == (0, 0, 3, [])
    assert OrgUnit.objects.count() == count
    assert OrgUnit.objects.filter(code="ZB010").count() == 1


def test_reimport_changes_fields_and_moves_between_streets(world: Any) -> None:
    rows = [["柏庄镇", "ZB001", "西漳涧村党总支", "农村", "党总支", 60, "U02"]]
    report = import_orgs(world.users["admin"], xlsx_file(ORG_HEADER, rows))
    assert (report.created, report.updated, report.errors) == (0, 1, [])
    org = OrgUnit.objects.get(code="ZB001")
    assert (org.name, org.branch_type, org.member_count, org.assigned_unit.code) == (
        "西漳涧村党总支",
        "general",
        60,
        "U02",
    )
    assert OrgUnit.objects.get_parent(org) == world.street_b
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])


def test_street_user_imports_into_own_street(world: Any) -> None:
    rows = [
        ["彰北街道", "ZB020", "十里铺村", "农村", "党支部", 20, None],
        ["彰北街道", "ZB001", "西漳涧村", "农村", "党支部", 44, "U01"],
    ]
    report = import_orgs(world.users["street_a"], xlsx_file(ORG_HEADER, rows))
    assert (report.created, report.updated, report.errors) == (1, 1, [])
    assert OrgUnit.objects.get(code="ZB001").member_count == 44


# --- organisations: bad files import nothing and say where ---


def assert_nothing_written(before: list[tuple[Any, ...]]) -> None:
    assert org_snapshot() == before
    assert not DecisionLog.objects.filter(action="import_orgs").exists()


def test_one_bad_row_among_good_rows_imports_nothing(world: Any) -> None:
    before = org_snapshot()
    rows: list[list[object]] = [
        GOOD_ORGS[0],
        GOOD_ORGS[1],
        ["彰北街道", "ZB014", "李家庄村", "农村", "党支部", "三十", None],
        GOOD_ORGS[2],
    ]
    report = import_orgs(world.users["admin"], xlsx_file(ORG_HEADER, rows))
    # The bad cell is F4: row 4 (header is row 1), column 6 (党员人数).
    assert report.messages() == ["第4行 第6列（党员人数）：“三十”不是有效的党员人数，应为 0–99999 之间的整数"]
    assert (report.created, report.updated) == (0, 0)
    assert_nothing_written(before)


def test_row_numbers_count_empty_rows_as_excel_shows_them(world: Any) -> None:
    before = org_snapshot()
    rows = [GOOD_ORGS[0], None, None, ["彰北街道", "ZB015", "杏花村", "乡村", "党支部", 10, None]]
    report = import_orgs(world.users["admin"], xlsx_file(ORG_HEADER, rows))
    assert report.messages() == ["第5行 第4列（类型）：“乡村”不是有效的类型，应为：农村、城市社区"]
    assert_nothing_written(before)


def test_column_number_is_where_the_column_is_in_the_sheet(world: Any) -> None:
    """Columns may come in any order: the error names the column where the user put it."""
    before = org_snapshot()
    header = ["组织编码", "党员人数", "所属街道/镇", "组织名称", "类型", "组织形式"]
    rows = [
        ["ZB016", "-3", "彰北街道", "苏家村", "农村", "党支部"],
        ["ZB017", "5", "彰北街道", "安阳桥村", "农村", "支部"],
    ]
    report = import_orgs(world.users["admin"], xlsx_file(header, rows))
    assert report.messages() == [
        "第2行 第2列（党员人数）：“-3”不是有效的党员人数，应为 0–99999 之间的整数",
        "第3行 第6列（组织形式）：“支部”不是有效的组织形式，应为：党支部、党总支、党委",
    ]
    assert_nothing_written(before)


def test_every_bad_row_is_reported(world: Any) -> None:
    rows = [
        ["彰北街道", "", "无编码村", "农村", "党支部", 1, None],
        ["彰北街道", "ZB018", "", "农村", "党支部", 1, None],
        ["彰北街道", "ZB019", "方北营村", "农村", "党支部", 1, "区教育局"],
    ]
    report = import_orgs(world.users["admin"], xlsx_file(ORG_HEADER, rows))
    assert report.messages() == [
        "第2行 第2列（组织编码）：组织编码不能为空",
        "第3行 第3列（组织名称）：组织名称不能为空",
        "第4行 第7列（分包区直单位）：找不到区直单位“区教育局”",
    ]


def test_unknown_header(world: Any) -> None:
    before = org_snapshot()
    report = import_orgs(world.users["admin"], xlsx_file([*ORG_HEADER, "备注"], [[*GOOD_ORGS[0], "x"]]))
    assert report.messages() == ["第1行 第8列（备注）：不认识的表头，请使用下载的模板"]
    assert_nothing_written(before)


def test_duplicate_header(world: Any) -> None:
    report = import_orgs(world.users["admin"], xlsx_file([*ORG_HEADER, "组织名称"], [[*GOOD_ORGS[0], "x"]]))
    assert report.messages() == ["第1行 第8列（组织名称）：表头重复"]


def test_missing_required_column(world: Any) -> None:
    before = org_snapshot()
    header = [h for h in ORG_HEADER if h != "组织名称"]
    report = import_orgs(
        world.users["admin"], xlsx_file(header, [["彰北街道", "ZB010", "农村", "党支部", 1, None]])
    )
    assert report.messages() == ["第1行：缺少必填列“组织名称”"]
    assert_nothing_written(before)


def test_duplicate_code_within_the_file(world: Any) -> None:
    before = org_snapshot()
    rows = [GOOD_ORGS[0], GOOD_ORGS[1], ["彰北街道", "ｚｂ０１０", "又一个村", "农村", "党支部", 1, None]]
    report = import_orgs(world.users["admin"], xlsx_file(ORG_HEADER, rows))
    assert report.messages() == ["第4行 第2列（组织编码）：组织编码“ZB010”与第2行重复"]
    assert_nothing_written(before)


def test_unknown_street(world: Any) -> None:
    before = org_snapshot()
    rows = [GOOD_ORGS[0], ["彰南街道", "ZB030", "某村", "农村", "党支部", 1, None]]
    report = import_orgs(world.users["admin"], xlsx_file(ORG_HEADER, rows))
    assert report.messages() == [
        "第3行 第1列（所属街道/镇）：找不到街道/镇“彰南街道”，或您无权在该街道/镇下导入"
    ]
    assert_nothing_written(before)


def test_street_user_cannot_import_into_another_street(world: Any) -> None:
    before = org_snapshot()
    rows = [
        ["彰北街道", "ZB031", "黄家营村", "农村", "党支部", 1, None],
        ["柏庄镇", "BZ031", "屈王度村", "农村", "党支部", 1, None],
    ]
    report = import_orgs(world.users["street_a"], xlsx_file(ORG_HEADER, rows))
    assert report.messages() == [
        "第3行 第1列（所属街道/镇）：找不到街道/镇“柏庄镇”，或您无权在该街道/镇下导入"
    ]
    assert_nothing_written(before)


def test_street_user_cannot_take_over_another_streets_code(world: Any) -> None:
    before = org_snapshot()
    rows = [["彰北街道", "BZ001", "后万金村", "农村", "党支部", 1, None]]
    report = import_orgs(world.users["street_a"], xlsx_file(ORG_HEADER, rows))
    assert report.messages() == ["第2行 第2列（组织编码）：组织编码“BZ001”已被其他街道/镇的组织使用"]
    assert_nothing_written(before)


def test_code_of_a_street_cannot_become_a_branch(world: Any) -> None:
    before = org_snapshot()
    report = import_orgs(
        world.users["admin"], xlsx_file(ORG_HEADER, [["彰北街道", "BZ", "某村", "农村", "党支部", 1, None]])
    )
    assert len(report.errors) == 1
    assert report.messages()[0].startswith("第2行 第2列（组织编码）：")
    assert_nothing_written(before)


@pytest.mark.parametrize("role", ["leader", "secretary_a", "unit"])
def test_read_only_roles_cannot_import(world: Any, role: str) -> None:
    before = org_snapshot()
    with pytest.raises(PermissionDenied):
        import_orgs(world.users[role], xlsx_file(ORG_HEADER, GOOD_ORGS))
    assert_nothing_written(before)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x00\x01garbage bytes, not a zip", "不是有效的 .xlsx 文件，请上传由模板填写的 Excel 文件"),
        (
            "所属街道/镇,组织编码\n彰北街道,ZB040\n".encode(),
            "不是有效的 .xlsx 文件，请上传由模板填写的 Excel 文件",
        ),
        (xlsx_bytes(ORG_HEADER, []), "第2行：没有可导入的数据行"),
        (xlsx_bytes(None, []), "第1行：文件是空的"),
    ],
    ids=["garbage", "csv", "header-only", "empty"],
)
def test_unreadable_or_empty_files(world: Any, content: bytes, message: str) -> None:
    before = org_snapshot()
    report = import_orgs(world.users["admin"], io.BytesIO(content))
    assert report.messages()[0] == message
    assert_nothing_written(before)


# --- people ---

GOOD_PEOPLE: list[list[object]] = [
    ["ZB002", "张红梅", "女", "13800000002", "1980-05-01", "党组织书记", "2021-03-15", None, "是"],
    [
        "ZB002",
        "刘志强",
        "男",
        13800000003,
        dt.datetime(1975, 1, 2),  # noqa: DTZ001 (Excel dates are naive)
        "党组织委员",
        dt.datetime(2021, 3, 15),  # noqa: DTZ001
        None,
        None,
    ],
    ["ZB001", "赵秀英", None, None, None, None, None, None, None],  # a person without a post
]


def test_people_good_file_creates_people_and_posts(world: Any) -> None:
    report = import_people(world.users["street_a"], xlsx_file(PERSON_HEADER, GOOD_PEOPLE))
    assert (report.created, report.updated, report.errors) == (3, 0, [])
    hong = Person.objects.get(name="张红梅")
    assert (hong.home_org, hong.gender, hong.phone, hong.birth_date) == (
        world.community_a,
        "F",
        "13800000002",
        dt.date(1980, 5, 1),
    )
    post = hong.posts.get()
    assert (post.org, post.role, post.start_date, post.end_date, post.on_street_leadership) == (
        world.community_a,
        PostRole.SECRETARY,
        dt.date(2021, 3, 15),
        None,
        True,
    )
    zhi = Person.objects.get(name="刘志强")
    assert (zhi.phone, zhi.birth_date, zhi.posts.get().role) == (
        "13800000003",
        dt.date(1975, 1, 2),
        "party_member",
    )
    assert Person.objects.get(name="赵秀英").posts.count() == 0


def test_people_full_width_and_spaces(world: Any) -> None:
    rows = [
        [
            "ｚｂ００２",
            "张\u3000红梅 ",
            " 女",
            "１３８ ０００ ０００ ０２",
            "１９８０/５/１",
            "党组织书记",
            "２０２１年３月１５日",
            None,
            " 否\u3000",
        ]
    ]
    report = import_people(world.users["admin"], xlsx_file(PERSON_HEADER, rows))
    assert report.messages() == []
    person = Person.objects.get(home_org=world.community_a)
    assert (person.name, person.phone, person.birth_date) == ("张红梅", "13800000002", dt.date(1980, 5, 1))
    post = person.posts.get()
    assert (post.start_date, post.on_street_leadership) == (dt.date(2021, 3, 15), False)


def test_people_reimport_updates_instead_of_duplicating(world: Any) -> None:
    content = xlsx_bytes(PERSON_HEADER, GOOD_PEOPLE)
    import_people(world.users["admin"], io.BytesIO(content))
    counts = (Person.objects.count(), Post.objects.count())
    report = import_people(world.users["admin"], io.BytesIO(content))
    assert (report.created, report.updated, report.errors) == (0, 3, [])
    assert (Person.objects.count(), Post.objects.count()) == counts


def test_people_ending_a_term_by_reimport(world: Any) -> None:
    rows = [
        ["ZB001", "李建国", "男", "13800000001", None, "党组织书记", "2021-03-01", "2024-01-31", None],
        ["ZB001", "周立新", "男", "13800000011", None, "党组织书记", "2024-02-01", None, None],
    ]
    report = import_people(world.users["street_a"], xlsx_file(PERSON_HEADER, rows))
    assert (report.created, report.updated, report.errors) == (1, 1, [])
    assert Post.objects.get(person=world.secretary_a).end_date == dt.date(2024, 1, 31)


def test_people_bad_row_imports_nothing(world: Any) -> None:
    before = people_snapshot()
    rows: list[list[object]] = [
        GOOD_PEOPLE[0],
        GOOD_PEOPLE[1],
        ["ZB002", "孙立新", "男", "1380000", None, None, None, None, None],
    ]
    report = import_people(world.users["admin"], xlsx_file(PERSON_HEADER, rows))
    assert report.messages() == ["第4行 第4列（手机号）：“1380000”不是有效的 11 位手机号"]
    assert people_snapshot() == before


@pytest.mark.parametrize(
    "row, message",
    [
        (
            ["ZB002", "甲", "男", None, "1980-13-01", None, None, None, None],
            "第2行 第5列（出生日期）：“1980-13-01”不是有效的日期，请写成 2021-03-15",
        ),
        (
            ["ZB002", "甲", "未知", None, None, None, None, None, None],
            "第2行 第3列（性别）：性别应填写“男”或“女”",
        ),
        (
            ["ZB002", "甲", None, None, None, "书记", "2021-03-01", None, None],
            "第2行 第6列（职务）：“书记”不是有效的职务，应为：党组织书记、党组织副书记、党组织委员、"
            "村(居)委会主任、村(居)委会副主任、村(居)委会委员",
        ),
        (
            ["ZB002", "甲", None, None, None, "党组织委员", None, None, None],
            "第2行 第7列（任职日期）：任职日期不能为空",
        ),
        (
            ["ZB002", "甲", None, None, None, "党组织委员", "2021-03-01", "2021-02-28", None],
            "第2行 第8列（离任日期）：离任日期不能早于任职日期",
        ),
        (
            ["ZB002", "甲", None, None, None, None, "2021-03-01", None, None],
            "第2行 第6列（职务）：填写了任职日期但没有填写职务",
        ),
        (
            ["ZB002", "甲", None, None, None, "党组织委员", "2021-03-01", None, "可能"],
            "第2行 第9列（兼任街道(镇)班子成员）：“可能”应填写“是”或“否”",
        ),
        (
            ["ZB001", "甲", None, None, None, "党组织书记", "2022-01-01", None, None],
            "第2行 第7列（任职日期）：任期与现任书记李建国（2021-03-01 起）重叠，请先登记其离任日期",
        ),
        (
            ["ZB999", "甲", None, None, None, None, None, None, None],
            "第2行 第1列（组织编码）：找不到组织编码“ZB999”，或您无权维护该组织",
        ),
    ],
    ids=[
        "date",
        "gender",
        "role",
        "start-missing",
        "end-before-start",
        "start-without-role",
        "bool",
        "overlap",
        "org",
    ],
)
def test_people_row_errors(world: Any, row: list[Any], message: str) -> None:
    before = people_snapshot()
    report = import_people(world.users["admin"], xlsx_file(PERSON_HEADER, [row]))
    assert report.messages() == [message]
    assert people_snapshot() == before


def test_people_overlap_within_the_same_file(world: Any) -> None:
    before = people_snapshot()
    rows = [
        ["ZB002", "甲", None, None, None, "党组织书记", "2021-03-01", None, None],
        ["ZB002", "乙", None, None, None, "党组织书记", "2023-01-01", None, None],
    ]
    report = import_people(world.users["admin"], xlsx_file(PERSON_HEADER, rows))
    assert report.messages() == [
        "第3行 第7列（任职日期）：任期与现任书记甲（2021-03-01 起）重叠，请先登记其离任日期"
    ]
    assert people_snapshot() == before


def test_street_user_cannot_import_people_into_another_street(world: Any) -> None:
    before = people_snapshot()
    rows: list[list[object]] = [GOOD_PEOPLE[0], ["BZ001", "外街人", None, None, None, None, None, None, None]]
    report = import_people(world.users["street_a"], xlsx_file(PERSON_HEADER, rows))
    assert report.messages() == ["第3行 第1列（组织编码）：找不到组织编码“BZ001”，或您无权维护该组织"]
    assert people_snapshot() == before


# --- through the page ---


def test_import_page_good_file(client_for: Any, world: Any) -> None:
    client = client_for("street_b")
    row = [*GOOD_ORGS[1][:-1], None]  # street staff leave 分包 to the district
    response = client.post("/orgs/import/", {"kind": "orgs", "file": upload(xlsx_bytes(ORG_HEADER, [row]))})
    assert response.status_code == 302 and response["Location"] == "/orgs/import/?kind=orgs"
    assert OrgUnit.objects.get(code="BZ010").name == "西苏度村"
    page = client.get(response["Location"]).content.decode()
    assert "组织导入成功：新增 1 条，更新 0 条。" in page


def test_import_page_people(client_for: Any, world: Any) -> None:
    response = client_for("street_a").post(
        "/orgs/import/",
        {"kind": "people", "file": upload(xlsx_bytes(PERSON_HEADER, GOOD_PEOPLE), "人员.XLSX")},
    )
    assert response.status_code == 302
    assert Person.objects.filter(name__in=["张红梅", "刘志强", "赵秀英"]).count() == 3


def test_import_page_bad_row_shows_exact_position_and_writes_nothing(client_for: Any, world: Any) -> None:
    before = org_snapshot()
    rows = [[*GOOD_ORGS[0][:-1], None], ["柏庄镇", "BZ011", "北花村", "农村", "党支部", 1, None]]
    response = client_for("street_a").post(
        "/orgs/import/", {"kind": "orgs", "file": upload(xlsx_bytes(ORG_HEADER, rows))}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "发现 1 处错误，未导入任何数据" in body
    # one row of the full-width error table: row, column (number and letter), header, message
    assert (
        "<tr><td>第3行</td><td>第1列（A）</td><td>所属街道/镇</td>"
        "<td>找不到街道/镇“柏庄镇”，或您无权在该街道/镇下导入</td></tr>"
    ) in body
    assert org_snapshot() == before


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("orgs.csv", "所属街道/镇,组织编码\n彰北街道,ZB040\n".encode(), "请上传 .xlsx 格式的 Excel 文件"),
        ("orgs.xls", b"\xd0\xcf\x11\xe0", "请上传 .xlsx 格式的 Excel 文件"),
        ("orgs.xlsx", b"this is not a spreadsheet", "不是有效的 .xlsx 文件，请上传由模板填写的 Excel 文件"),
    ],
)
def test_import_page_wrong_file_type(
    client_for: Any, world: Any, name: str, content: bytes, message: str
) -> None:
    before = org_snapshot()
    response = client_for("admin").post(
        "/orgs/import/", {"kind": "orgs", "file": upload(content, name, "text/csv")}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert org_snapshot() == before


def test_template_round_trip(client_for: Any, world: Any) -> None:
    """The downloaded template, filled in, imports (its header row is exactly what the importer expects)."""
    client = client_for("admin")
    response = client.get("/orgs/import/template/orgs.xlsx")
    wb = load_workbook(io.BytesIO(response.getvalue()))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == ORG_HEADER
    assert wb.sheetnames[1] == "说明"
    for col, value in enumerate(["彰北街道", "ZB050", "周家营村", "农村", "党支部", "28", None], start=1):
        ws.cell(row=2, column=col, value=value)
    buf = io.BytesIO()
    wb.save(buf)
    response = client.post("/orgs/import/", {"kind": "orgs", "file": upload(buf.getvalue())})
    assert response.status_code == 302
    assert OrgUnit.objects.get(code="ZB050").member_count == 28


def test_people_template_headers(client_for: Any) -> None:
    response = client_for("street_a").get("/orgs/import/template/people.xlsx")
    ws = load_workbook(io.BytesIO(response.getvalue())).worksheets[0]
    assert [c.value for c in ws[1]] == PERSON_HEADER


# --- bounded messages and uploads ---


@pytest.mark.parametrize(
    "row, message",
    [
        (
            ["彰" * 1500, "ZB040", "村", "农村", "党支部", 1, None],
            "第2行 第1列（所属街道/镇）：找不到街道/镇“" + "彰" * 20 + "…”，或您无权在该街道/镇下导入",
        ),
        (
            ["彰北街道", "ZB040", "村", "农" * 1500, "党支部", 1, None],
            "第2行 第4列（类型）：“" + "农" * 20 + "…”不是有效的类型，应为：农村、城市社区",
        ),
        (
            ["彰北街道", "ZB040", "村", "农村", "党支部", "9" * 30 + "x", None],
            "第2行 第6列（党员人数）：“" + "9" * 20 + "…”不是有效的党员人数，应为 0–99999 之间的整数",
        ),
        (
            ["彰北街道", "ZB040", "村", "农村", "党支部", 1, "单" * 1500],
            "第2行 第7列（分包区直单位）：找不到区直单位“" + "单" * 20 + "…”",
        ),
    ],
    ids=["street", "choice", "number", "unit"],
)
def test_messages_quote_only_a_short_prefix_of_the_cell(world: Any, row: list[Any], message: str) -> None:
    before = org_snapshot()
    report = import_orgs(world.users["admin"], xlsx_file(ORG_HEADER, [row]))
    assert report.messages() == [message]
    assert_nothing_written(before)


def test_people_messages_quote_only_a_short_prefix(world: Any) -> None:
    report = import_people(
        world.users["admin"],
        xlsx_file(
            PERSON_HEADER,
            [
                ["Z" * 1500, "张三"],
                ["ZB001", "李四", None, "1" * 40],
                ["ZB001", "王五", None, None, "x" * 99],
            ],
        ),
    )
    assert report.messages() == [
        "第2行 第1列（组织编码）：找不到组织编码“" + "Z" * 20 + "…”，或您无权维护该组织",
        "第3行 第4列（手机号）：“" + "1" * 20 + "…”不是有效的 11 位手机号",
        "第4行 第5列（出生日期）：“" + "x" * 20 + "…”不是有效的日期，请写成 2021-03-15",
    ]


def test_import_page_refuses_a_file_over_10mb_before_reading_it(client_for: Any, world: Any) -> None:
    before = org_snapshot()
    buf = io.BytesIO(xlsx_bytes(ORG_HEADER, GOOD_ORGS))
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_STORED) as z:
        z.writestr("xl/media/photo.bin", os.urandom(10 * 1024 * 1024))
    response = client_for("admin").post("/orgs/import/", {"kind": "orgs", "file": upload(buf.getvalue())})
    assert response.status_code == 200
    assert "文件超过 10MB，请拆分后上传" in response.content.decode()
    assert org_snapshot() == before
