"""The organisation import is set-based: checked first, then written in bulk in one short transaction.

Its queries do not grow with the number of rows, and what it writes is what editing the organisations one
by one would have written: a valid treebeard tree with every street's branches in code order, a history
row with who and why for each created or changed organisation, and one decision-log entry.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wuxing.core.management.base import system_user
from wuxing.core.models import DecisionLog
from wuxing.core.tests.xlsxutil import xlsx_file
from wuxing.orgs import services
from wuxing.orgs.models import DispatchedUnit, OrgUnit, Person, Post, PostRole

HEADER = ["所属街道/镇", "组织编码", "组织名称", "类型", "组织形式", "党员人数", "分包区直单位"]


def add_existing(world: Any) -> None:
    """Ten more branches in each street (ZB101…ZB110, BZ101…BZ110), added one by one as on the page."""
    for street, prefix in ((world.street_a, "ZB"), (world.street_b, "BZ")):
        for i in range(101, 111):
            services.create_branch(
                system_user(),
                street,
                {
                    "code": f"{prefix}{i}",
                    "name": f"原有{prefix}{i}村",
                    "area_kind": "rural",
                    "branch_type": "branch",
                    "member_count": 30,
                },
            )


def import_rows(size: int, tag: str, *, move: str | None, update: str) -> list[list[Any]]:
    """`size` rows: new branches whose codes fall between existing ones (ZB103 < ZB103-A02 < ZB104) in
    both streets, one changed member count and, for the district, one organisation moved to 柏庄镇."""
    rows: list[list[Any]] = [["彰北街道", update, f"原有{update}村", "农村", "党支部", 77, None]]
    if move is not None:
        rows.append(["柏庄镇", move, f"原有{move}村", "农村", "党支部", 30, None])
    streets = [("彰北街道", "ZB"), ("柏庄镇", "BZ")] if move is not None else [("彰北街道", "ZB")]
    k = 0
    while len(rows) < size:
        name, prefix = streets[k % len(streets)]
        rows.append(
            [
                name,
                f"{prefix}1{k % 10 + 1:02d}-{tag}{k:02d}",
                f"新建{tag}{k}村",
                "城市社区",
                "党总支",
                k,
                None,
            ]
        )
        k += 1
    return rows


def children_codes(street: OrgUnit) -> list[str]:
    return [c.code for c in OrgUnit.objects.get_children(OrgUnit.objects.get(pk=street.pk))]


def assert_tree_sorted_and_valid() -> None:
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])
    for street in OrgUnit.objects.streets():
        codes = children_codes(street)
        assert codes == sorted(codes), street.name
        assert street.numchild == len(codes), street.name
        assert all(c.depth == 3 for c in OrgUnit.objects.get_children(OrgUnit.objects.get(pk=street.pk)))


@pytest.mark.parametrize("role", ["admin", "street_a"])
def test_import_queries_do_not_grow_with_rows_and_the_tree_stays_sorted(world: Any, role: str) -> None:
    add_existing(world)
    ContentType.objects.get_for_model(OrgUnit)  # cached from the first use on; not part of the comparison
    actor = world.users[role]
    may_move = role == "admin"
    counts = []
    for size, tag, move, update in ((5, "A", "ZB108", "ZB110"), (40, "B", "ZB107", "ZB109")):
        rows = import_rows(size, tag, move=move if may_move else None, update=update)
        fresh = type(actor).objects.get(pk=actor.pk)  # as in a new request: no permission cache yet
        with CaptureQueriesContext(connection) as ctx:
            report = services.import_orgs(fresh, xlsx_file(HEADER, rows))
        assert report.messages() == []
        assert (report.created, report.updated) == (size - 2 if may_move else size - 1, 2 if may_move else 1)
        counts.append(len(ctx))
        assert_tree_sorted_and_valid()
    assert counts[0] == counts[1]

    created = OrgUnit.objects.get(code="ZB105-B04")
    assert (created.name, created.area_kind, created.branch_type, created.member_count) == (
        "新建B4村",
        "community",
        "general",
        4,
    )
    record = created.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        actor,
        "Excel 导入",
    )
    changed = OrgUnit.objects.get(code="ZB109")
    assert changed.member_count == 77
    last = changed.history.latest("history_id")
    assert (last.history_type, last.history_user, last.history_change_reason, last.member_count) == (
        "~",
        actor,
        "Excel 导入",
        77,
    )
    assert last.path == changed.path
    # Branches that only moved along to make room for new codes get no history row of their own, and keep
    # their version; a changed one is counted up, so a form opened before the import is refused as stale.
    assert OrgUnit.objects.get(code="ZB105").history.count() == 1
    assert (OrgUnit.objects.get(code="ZB105").lock_version, changed.lock_version, last.lock_version) == (
        0,
        1,
        1,
    )
    if may_move:
        moved = OrgUnit.objects.get(code="ZB107")
        assert OrgUnit.objects.get_parent(moved) == world.street_b
        assert moved.history.latest("history_id").history_change_reason == "Excel 导入；调整至柏庄镇"
        assert moved.lock_version == 1
        assert "ZB107" in children_codes(world.street_b)
        assert "ZB107" not in children_codes(world.street_a)
    logs = DecisionLog.objects.filter(action="import_orgs").order_by("pk")
    expected = (38, 2) if may_move else (39, 1)
    assert [log.comment for log in logs][-1] == f"导入组织：新增 {expected[0]}，更新 {expected[1]}"
    assert logs.count() == 2


def test_rows_are_checked_again_inside_the_writing_transaction(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What another user changes between the first check and the write is caught by the second check:
    here the dispatched unit the file names is renamed just before the import takes its lock."""
    rows = [
        ["彰北街道", "ZB010", "东漳涧村", "农村", "党支部", 35, None],
        ["柏庄镇", "BZ010", "西苏度村", "农村", "党总支", 56, "区民政局"],
    ]
    real_lock = services.keep_writers_out

    def lock_after_a_rename(*models: Any) -> None:
        DispatchedUnit.objects.filter(code="U02").update(code="U09", name="区民政局（撤并）")
        real_lock(*models)

    monkeypatch.setattr(services, "keep_writers_out", lock_after_a_rename)
    before = OrgUnit.objects.count()
    report = services.import_orgs(world.users["admin"], xlsx_file(HEADER, rows))
    assert report.messages() == ["第3行 第7列（分包区直单位）：找不到区直单位“区民政局”"]
    assert (report.created, report.updated) == (0, 0)
    assert OrgUnit.objects.count() == before
    assert not DecisionLog.objects.filter(action="import_orgs").exists()


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


def people_rows(
    size: int, tag: str, leaving: tuple[str, str | None], end: str, start: str
) -> list[list[Any]]:
    """`size` rows: ZB001's secretary `leaving` (name, phone) ends the term on `end` and a new one (新书记
    + tag) takes over on `start`; one new person on two rows (two posts); then new members."""
    codes = ["ZB002", *(f"ZB{i}" for i in range(101, 111))]
    old_start = "2021-03-01" if leaving[0] == "李建国" else "2024-02-01"
    rows: list[list[Any]] = [
        ["ZB001", leaving[0], None, leaving[1], None, "党组织书记", old_start, end, None],
        ["ZB001", f"新书记{tag}", "女", None, "1985-02-03", "党组织书记", start, None, "是"],
        ["ZB002", f"两职{tag}", "男", None, None, "党组织委员", "2022-01-01", None, None],
        ["ZB002", f"两职{tag}", None, None, None, "村(居)委会委员", "2022-01-01", None, None],
    ]
    k = 0
    while len(rows) < size:
        name = f"成员{tag}{k}"
        rows.append(
            [codes[k % len(codes)], name, "女", f"139{k:08d}", None, "党组织委员", "2023-05-06", None, None]
        )
        k += 1
    return rows


def test_people_import_queries_do_not_grow_with_rows(world: Any) -> None:
    add_existing(world)
    ContentType.objects.get_for_model(OrgUnit)
    actor = world.users["street_a"]
    files = [
        (5, "A", ("李建国", "13800000001"), "2024-01-31", "2024-02-01"),
        (40, "B", ("新书记A", None), "2024-06-30", "2024-07-01"),
    ]
    counts = []
    for size, tag, leaving, end, start in files:
        fresh = type(actor).objects.get(pk=actor.pk)
        rows = people_rows(size, tag, leaving, end, start)
        with CaptureQueriesContext(connection) as ctx:
            report = services.import_people(fresh, xlsx_file(PERSON_HEADER, rows))
        assert report.messages() == []
        assert (report.created, report.updated) == (size - 2, 2)  # the leaving secretary, 两职's second row
        counts.append(len(ctx))
    assert counts[0] == counts[1]

    terms = Post.objects.filter(org=world.village_a, role=PostRole.SECRETARY).order_by("start_date")
    assert [(p.person.name, str(p.start_date), str(p.end_date)) for p in terms] == [
        ("李建国", "2021-03-01", "2024-01-31"),
        ("新书记A", "2024-02-01", "2024-06-30"),
        ("新书记B", "2024-07-01", "None"),
    ]
    both = Person.objects.get(name="两职B")
    assert sorted(both.posts.values_list("role", flat=True)) == ["committee_member", "party_member"]
    created = both.history.get()
    assert (created.history_type, created.history_user, created.history_change_reason) == (
        "+",
        actor,
        "Excel 导入",
    )
    ended = Post.objects.get(person__name="新书记A").history.order_by("history_id")
    assert [(h.history_type, str(h.end_date), h.history_user, h.lock_version) for h in ended] == [
        ("+", "None", actor, 0),
        ("~", "2024-06-30", actor, 1),
    ]
    assert Person.objects.get(name="新书记A").lock_version == 1  # matched on the second file
    assert [log.comment for log in DecisionLog.objects.filter(action="import_people").order_by("pk")] == [
        "导入人员：新增 3，更新 2",
        "导入人员：新增 38，更新 2",
    ]


def test_an_edit_from_a_copy_read_before_an_import_keeps_the_imports_tree(world: Any) -> None:
    """A page reads an organisation, an import then renumbers its street's branches, and the page's save
    arrives: it must not write back the old path. (Adding to a street read before the import is safe too:
    treebeard's add_child re-reads the street.)"""
    empty = services.create_street(
        system_user(), {"code": "DT", "name": "灯塔路街道", "street_kind": "street"}
    )
    stale_org = OrgUnit.objects.get(code="ZB002")
    stale_street = OrgUnit.objects.get(pk=empty.pk)
    rows = [
        [
            "彰北街道",
            "ZB0015",
            "新建甲村",
            "农村",
            "党支部",
            1,
            None,
        ],  # sorts before ZB002: ZB002 moves along
        ["灯塔路街道", "DT001", "新建乙社区", "城市社区", "党支部", 1, None],
    ]
    report = services.import_orgs(world.users["admin"], xlsx_file(HEADER, rows))
    assert (report.created, report.errors) == (2, [])
    assert OrgUnit.objects.get(code="ZB002").path != stale_org.path

    services.update_org(world.users["street_a"], stale_org, {"member_count": 41}, "页面修改")
    services.create_branch(
        world.users["admin"],
        stale_street,
        {"code": "DT002", "name": "新建丙社区", "area_kind": "community", "branch_type": "branch"},
    )
    assert OrgUnit.objects.get(code="ZB002").member_count == 41
    assert children_codes(world.street_a) == ["ZB001", "ZB0015", "ZB002"]
    assert children_codes(empty) == ["DT001", "DT002"]
    assert_tree_sorted_and_valid()
