"""Registry services: authority before writing, one transaction, history with who/why/before/after."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from wuxing.core.history import history_entries
from wuxing.core.management.base import system_user
from wuxing.core.scoping import visible_orgs, visible_people
from wuxing.orgs import services
from wuxing.orgs.models import DispatchedUnit, Level, OrgUnit, Person, Post, PostRole

D = dt.date


def branch_data(**over: Any) -> dict[str, Any]:
    data = {
        "code": "ZB010",
        "name": "东漳涧村",
        "area_kind": "rural",
        "branch_type": "branch",
        "member_count": 33,
    }
    data.update(over)
    return data


def messages_of(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def snapshot() -> tuple[int, int, int, int]:
    return (OrgUnit.objects.count(), OrgUnit.history.count(), Person.objects.count(), Post.objects.count())


# --- create ---


def test_admin_creates_branch_under_a_street_with_history(world: Any) -> None:
    admin = world.users["admin"]
    org = services.create_branch(admin, world.street_b, branch_data(code="BZ010", name="西苏度村"), "新建")
    org = OrgUnit.objects.get(pk=org.pk)
    assert (org.level, org.depth, OrgUnit.objects.get_parent(org)) == (Level.BRANCH, 3, world.street_b)
    assert org.path.startswith(world.street_b.path)
    record = org.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == ("+", admin, "新建")


def test_street_user_creates_in_own_street(world: Any) -> None:
    org = services.create_branch(world.users["street_a"], world.street_a, branch_data())
    assert OrgUnit.objects.get_parent(org) == world.street_a
    assert org in visible_orgs(world.users["street_a"])
    assert org not in visible_orgs(world.users["street_b"])


@pytest.mark.parametrize("role", ["street_b", "leader", "secretary_a", "unit"])
def test_create_outside_authority_is_refused_and_writes_nothing(world: Any, role: str) -> None:
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.create_branch(world.users[role], world.street_a, branch_data())
    assert snapshot() == before
    assert not OrgUnit.objects.filter(code="ZB010").exists()


def test_street_user_cannot_create_a_street(world: Any) -> None:
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.create_street(
            world.users["street_a"], {"code": "XX", "name": "新街道", "street_kind": "street"}
        )
    assert snapshot() == before


@pytest.mark.parametrize(
    "parent, data, field",
    [
        ("district", branch_data(), "parent"),
        ("village_a", branch_data(), "parent"),
        ("street_a", branch_data(area_kind=""), "area_kind"),
        ("street_a", branch_data(branch_type=""), "branch_type"),
        ("street_a", branch_data(code="BZ001"), "code"),  # codes are unique district-wide
        ("street_a", branch_data(name=""), "name"),
    ],
)
def test_invalid_branch_is_refused_and_writes_nothing(
    world: Any, parent: str, data: dict[str, Any], field: str
) -> None:
    before = snapshot()
    with pytest.raises(ValidationError) as info:
        services.create_branch(world.users["admin"], getattr(world, parent), data)
    assert field in info.value.message_dict
    assert snapshot() == before


def test_street_needs_a_kind(world: Any) -> None:
    with pytest.raises(ValidationError) as info:
        services.create_street(world.users["admin"], {"code": "XX", "name": "新街道", "street_kind": ""})
    assert info.value.message_dict["street_kind"] == ["请选择街道或镇"]


# --- update and move ---


def test_update_records_user_reason_and_before_after(world: Any) -> None:
    street_a = world.users["street_a"]
    services.update_org(
        street_a,
        world.village_a,
        {
            "name": "西漳涧村党总支",
            "branch_type": "general",
            "member_count": 52,
            "assigned_unit": world.other_unit,
        },
        "换届后调整",
    )
    entry = history_entries(OrgUnit.objects.get(pk=world.village_a.pk))[0]
    assert (entry.kind, entry.user, entry.reason) == ("修改", street_a, "换届后调整")
    assert sorted(entry.changes) == sorted(
        [
            ("名称", "西漳涧村", "西漳涧村党总支"),
            ("组织形式", "党支部", "党总支"),
            ("党员人数", "40", "52"),
            ("分包区直单位", "区财政局", "区民政局"),
        ]
    )


def test_history_shows_cleared_value_as_dash(world: Any) -> None:
    services.update_org(world.users["admin"], world.village_a, {"assigned_unit": None}, "取消分包")
    entry = history_entries(OrgUnit.objects.get(pk=world.village_a.pk))[0]
    assert entry.changes == [("分包区直单位", "区财政局", "—")]


def test_history_lists_newest_first_with_creation_last(world: Any) -> None:
    admin = world.users["admin"]
    services.update_org(admin, world.community_a, {"member_count": 41}, "一")
    services.update_org(admin, world.community_a, {"member_count": 42}, "二")
    entries = history_entries(OrgUnit.objects.get(pk=world.community_a.pk))
    assert [(e.kind, e.reason) for e in entries] == [("修改", "二"), ("修改", "一"), ("新建", "")]
    assert entries[0].changes == [("党员人数", "41", "42")]
    assert entries[-1].changes == []


@pytest.mark.parametrize(
    "role, target",
    [
        ("street_a", "village_b"),
        ("street_b", "village_a"),
        ("leader", "village_a"),
        ("secretary_a", "village_a"),
        ("unit", "village_a"),
        ("street_a", "street_a"),
    ],
)
def test_update_outside_authority_is_refused_and_changes_nothing(world: Any, role: str, target: str) -> None:
    org = getattr(world, target)
    before = (org.name, org.member_count, OrgUnit.history.count())
    with pytest.raises(PermissionDenied):
        services.update_org(
            world.users[role], OrgUnit.objects.get(pk=org.pk), {"name": "篡改", "member_count": 1}
        )
    org = OrgUnit.objects.get(pk=org.pk)
    assert (org.name, org.member_count, OrgUnit.history.count()) == before


def test_admin_moves_branch_to_another_street_and_authority_follows(world: Any) -> None:
    services.update_org(world.users["admin"], world.village_a, {"parent": world.street_b}, "区划调整")
    org = OrgUnit.objects.get(pk=world.village_a.pk)
    assert OrgUnit.objects.get_parent(org) == world.street_b
    assert org.path.startswith(world.street_b.path) and org.depth == 3
    assert org.history.first().history_change_reason == "区划调整；调整至柏庄镇"
    # The people of the organisation move with it: street B now sees them, street A no longer does.
    assert world.secretary_a in visible_people(world.users["street_b"])
    assert world.secretary_a not in visible_people(world.users["street_a"])
    assert org not in visible_orgs(world.users["street_a"])
    # Both streets' numchild bookkeeping is right (treebeard), so the tree stays consistent.
    assert OrgUnit.objects.get(pk=world.street_a.pk).numchild == 1
    assert OrgUnit.objects.get(pk=world.street_b.pk).numchild == 2
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])


def test_move_to_the_same_street_is_not_a_move(world: Any) -> None:
    path = world.village_a.path
    services.update_org(
        world.users["street_a"], world.village_a, {"parent": world.street_a, "member_count": 45}, ""
    )
    org = OrgUnit.objects.get(pk=world.village_a.pk)
    assert (org.path, org.member_count) == (path, 45)
    assert org.history.first().history_change_reason == ""


def test_street_user_cannot_move_own_branch_out_of_its_street(world: Any) -> None:
    path = world.village_a.path
    with pytest.raises(PermissionDenied):
        services.update_org(world.users["street_a"], world.village_a, {"parent": world.street_b, "name": "X"})
    org = OrgUnit.objects.get(pk=world.village_a.pk)
    assert (org.path, org.name) == (path, "西漳涧村")
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])


# --- delete ---


def test_delete_requires_a_reason(world: Any) -> None:
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as info:
            services.delete_org(world.users["admin"], world.community_a, reason)
        assert info.value.message_dict == {"reason": ["删除组织必须填写原因"]}
    assert OrgUnit.objects.filter(pk=world.community_a.pk).exists()


def test_delete_refuses_an_organisation_with_people(world: Any) -> None:
    with pytest.raises(ValidationError) as info:
        services.delete_org(world.users["admin"], world.village_a, "撤并")
    assert messages_of(info.value) == ["该组织还有人员或任职记录，不能删除；请先调整人员"]
    assert OrgUnit.objects.filter(pk=world.village_a.pk).exists()


def test_delete_refuses_a_person_without_post(world: Any) -> None:
    services.save_person(world.users["admin"], Person(name="赵六", home_org=world.community_a))
    with pytest.raises(ValidationError):
        services.delete_org(world.users["admin"], world.community_a, "撤并")
    assert OrgUnit.objects.filter(pk=world.community_a.pk).exists()


def test_delete_refuses_a_street_with_branches(world: Any) -> None:
    with pytest.raises(ValidationError) as info:
        services.delete_org(world.users["admin"], world.street_b, "撤并")
    assert messages_of(info.value) == ["该组织下还有下级组织，不能删除"]


@pytest.mark.parametrize("role", ["street_a", "leader", "secretary_a", "unit"])
def test_only_the_district_deletes(world: Any, role: str) -> None:
    with pytest.raises(PermissionDenied):
        services.delete_org(world.users[role], world.community_a, "撤并")
    assert OrgUnit.objects.filter(pk=world.community_a.pk).exists()


def test_delete_is_recorded_with_user_and_reason(world: Any) -> None:
    admin = world.users["admin"]
    pk = world.community_a.pk
    services.delete_org(admin, world.community_a, "与相邻社区合并")
    assert not OrgUnit.objects.filter(pk=pk).exists()
    record = OrgUnit.history.filter(id=pk).order_by("-history_date", "-history_id").first()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "-",
        admin,
        "与相邻社区合并",
    )
    assert OrgUnit.objects.get(pk=world.street_a.pk).numchild == 1
    assert OrgUnit.objects.find_problems() == ([], [], [], [], [])


# --- people and posts ---


def secretary(world: Any, org: OrgUnit, name: str, start: dt.date, end: dt.date | None = None) -> Post:
    person = services.save_person(world.users["admin"], Person(name=name, home_org=org))
    return Post(person=person, org=org, role=PostRole.SECRETARY, start_date=start, end_date=end)


@pytest.fixture
def ended(world: Any) -> Post:
    """village_a's secretary 李建国 served 2021-03-01 … 2023-06-30."""
    post = Post.objects.get(org=world.village_a, role=PostRole.SECRETARY)
    return services.end_post(world.users["admin"], post, D(2023, 6, 30), "换届")


def test_new_secretary_the_day_after_the_previous_end_is_accepted(world: Any, ended: Post) -> None:
    post = services.save_post(
        world.users["street_a"], secretary(world, world.village_a, "张伟", D(2023, 7, 1))
    )
    assert Post.objects.filter(org=world.village_a, role=PostRole.SECRETARY).count() == 2
    assert post.pk is not None


def test_new_secretary_starting_on_the_previous_end_date_overlaps(world: Any, ended: Post) -> None:
    count = Post.objects.count()
    with pytest.raises(ValidationError) as info:
        services.save_post(world.users["street_a"], secretary(world, world.village_a, "张伟", D(2023, 6, 30)))
    assert info.value.message_dict == {
        "start_date": ["任期与现任书记李建国（2021-03-01 起）重叠，请先登记其离任日期"]
    }
    assert Post.objects.count() == count


def test_two_open_secretary_terms_overlap(world: Any) -> None:
    with pytest.raises(ValidationError) as info:
        services.save_post(world.users["admin"], secretary(world, world.village_a, "张伟", D(2024, 1, 1)))
    assert "重叠" in info.value.message_dict["start_date"][0]


@pytest.mark.parametrize("end, accepted", [(D(2021, 2, 28), True), (D(2021, 3, 1), False)])
def test_predecessor_recorded_afterwards_must_end_before_the_current_start(
    world: Any, end: dt.date, accepted: bool
) -> None:
    """李建国 is secretary from 2021-03-01 (open-ended); a predecessor 2018-01-01 … end is added later."""
    post = secretary(world, world.village_a, "老书记", D(2018, 1, 1), end)
    if accepted:
        services.save_post(world.users["admin"], post)
        assert Post.objects.filter(org=world.village_a, role=PostRole.SECRETARY).count() == 2
    else:
        with pytest.raises(ValidationError) as info:
            services.save_post(world.users["admin"], post)
        assert "李建国" in info.value.message_dict["start_date"][0]
        assert Post.objects.filter(org=world.village_a, role=PostRole.SECRETARY).count() == 1


def test_secretary_terms_in_different_organisations_do_not_clash(world: Any) -> None:
    services.save_post(world.users["admin"], secretary(world, world.community_a, "张伟", D(2021, 3, 1)))
    assert Post.objects.filter(role=PostRole.SECRETARY, end_date__isnull=True).count() == 3


def test_other_roles_may_overlap(world: Any) -> None:
    admin = world.users["admin"]
    for name in ("甲", "乙"):
        person = services.save_person(admin, Person(name=name, home_org=world.village_a))
        services.save_post(
            admin,
            Post(
                person=person, org=world.village_a, role=PostRole.DEPUTY_SECRETARY, start_date=D(2021, 3, 1)
            ),
        )
    assert Post.objects.filter(org=world.village_a, role=PostRole.DEPUTY_SECRETARY).count() == 2


def test_editing_a_term_does_not_clash_with_itself(world: Any) -> None:
    post = Post.objects.get(org=world.village_a, role=PostRole.SECRETARY)
    post.on_street_leadership = True
    services.save_post(world.users["street_a"], post, "兼任")
    assert Post.objects.get(pk=post.pk).on_street_leadership is True


@pytest.mark.parametrize("role", [PostRole.SECRETARY, PostRole.PARTY_COMMITTEE])
def test_end_before_start_is_refused(world: Any, role: str) -> None:
    person = services.save_person(world.users["admin"], Person(name="钱七", home_org=world.community_a))
    count = Post.objects.count()
    with pytest.raises(ValidationError) as info:
        services.save_post(
            world.users["admin"],
            Post(
                person=person,
                org=world.community_a,
                role=role,
                start_date=D(2024, 3, 2),
                end_date=D(2024, 3, 1),
            ),
        )
    assert info.value.message_dict["end_date"] == ["离任日期不能早于任职日期"]
    assert Post.objects.count() == count


def test_end_on_the_start_day_is_accepted(world: Any) -> None:
    person = services.save_person(world.users["admin"], Person(name="钱七", home_org=world.community_a))
    post = services.save_post(
        world.users["admin"],
        Post(
            person=person,
            org=world.community_a,
            role=PostRole.SECRETARY,
            start_date=D(2024, 3, 1),
            end_date=D(2024, 3, 1),
        ),
    )
    assert post.pk is not None


def test_end_post_cannot_end_before_start(world: Any) -> None:
    post = Post.objects.get(org=world.village_a, role=PostRole.SECRETARY)
    with pytest.raises(ValidationError):
        services.end_post(world.users["admin"], post, D(2021, 2, 28))
    assert Post.objects.get(pk=post.pk).end_date is None


def test_post_only_in_a_branch(world: Any) -> None:
    person = Person.objects.get(pk=world.secretary_a.pk)
    with pytest.raises(ValidationError) as info:
        services.save_post(
            world.users["admin"],
            Post(person=person, org=world.street_a, role=PostRole.PARTY_COMMITTEE, start_date=D(2022, 1, 1)),
        )
    assert "org" in info.value.message_dict


def test_post_history_records_the_end_date_change(world: Any) -> None:
    post = Post.objects.get(org=world.village_a, role=PostRole.SECRETARY)
    services.end_post(world.users["street_a"], post, D(2023, 6, 30), "换届")
    entry = history_entries(Post.objects.get(pk=post.pk))[0]
    assert (entry.user, entry.reason, entry.changes) == (
        world.users["street_a"],
        "换届",
        [("离任日期", "—", "2023-06-30")],
    )


def test_person_history_and_authority(world: Any) -> None:
    person = Person.objects.get(pk=world.secretary_a.pk)
    person.phone = "13900000009"
    services.save_person(world.users["street_a"], person, "更正手机号")
    entry = history_entries(person)[0]
    assert (entry.user, entry.reason, entry.changes) == (
        world.users["street_a"],
        "更正手机号",
        [("手机号", "138****0001", "139****0009")],  # the history masks personal data
    )
    other = Person.objects.get(pk=world.secretary_a.pk)
    other.phone = "1"
    with pytest.raises(PermissionDenied):
        services.save_person(world.users["street_b"], other)
    assert Person.objects.get(pk=person.pk).phone == "13900000009"


def test_street_user_cannot_move_a_person_into_another_street(world: Any) -> None:
    person = Person.objects.get(pk=world.secretary_a.pk)
    person.home_org = world.village_b
    with pytest.raises(PermissionDenied):
        services.save_person(world.users["street_a"], person)
    assert Person.objects.get(pk=person.pk).home_org_id == world.village_a.pk


def test_street_user_cannot_take_over_another_streets_person(world: Any) -> None:
    person = Person.objects.get(home_org=world.village_b)
    person.home_org = world.village_a
    with pytest.raises(PermissionDenied):
        services.save_person(world.users["street_a"], person)
    assert Person.objects.get(pk=person.pk).home_org_id == world.village_b.pk


def test_units_are_managed_by_the_district_only(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.save_unit(world.users["street_a"], DispatchedUnit(code="U09", name="区教育局"))
    assert not DispatchedUnit.objects.filter(code="U09").exists()
    unit = services.save_unit(world.users["admin"], DispatchedUnit(code="U09", name="区教育局"), "新增")
    assert unit.history.get().history_user == world.users["admin"]


def test_system_actor_writes_history_without_a_user(world: Any) -> None:
    org = services.create_branch(system_user(), world.street_a, branch_data(), "批量")
    record = org.history.get()
    assert (record.history_user, record.history_change_reason) == (None, "批量")
