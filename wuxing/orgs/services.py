"""Every write to the registry: check authority, one transaction, history with who and why."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, overload

from django.core.exceptions import ValidationError
from django.db import models, transaction

from wuxing.core.dates import DateError, parse_date, year_message
from wuxing.core.excel import Column, ImportReport, RowError, run_import
from wuxing.core.locking import check_version, integrity_to_validation
from wuxing.core.numbers import NumberError, parse_whole
from wuxing.core.scoping import scope
from wuxing.core.services import delete_with_history, log_decision, real_user, require_perm, save_with_history
from wuxing.core.text import excerpt, normalize_number, normalize_text
from wuxing.orgs.models import (
    MEMBER_COUNT_MAX,
    AreaKind,
    BranchType,
    DispatchedUnit,
    Level,
    OrgUnit,
    Person,
    Post,
    PostRole,
    StreetKind,
)

BRANCH_FIELDS = ("code", "name", "area_kind", "branch_type", "member_count", "assigned_unit")

# What the database says when two people claim the same key at the same moment, as a form would say it.
ORG_UNIQUE = {"code": ("code", "该组织编码已被使用，请换一个编码")}
UNIT_UNIQUE = {
    "code": ("code", "该单位编码已被使用，请换一个编码"),
    "name": ("name", "已有同名的区直单位"),
}
SECRETARY_UNIQUE = {
    "post_one_open_secretary": ("start_date", "该组织已有现任书记（刚刚由他人登记），请先登记其离任日期"),
}


def _lock(org: OrgUnit) -> None:
    """Serialise writes that depend on what is under (or attached to) `org`: new children (treebeard
    computes the next path from the last sibling), the one-secretary check. On PostgreSQL a row lock;
    SQLite serialises every writing transaction already."""
    list(OrgUnit.objects.select_for_update().filter(pk=org.pk).values_list("pk", flat=True))


def district_root() -> OrgUnit:
    root = OrgUnit.objects.get_root_nodes().first()
    if root is None:
        raise ValidationError("尚未建立区级组织，请先运行 wuxing setup_district 或加载演示数据")
    return root


@transaction.atomic
def create_district(actor: Any, *, code: str, name: str, reason: str = "") -> OrgUnit:
    if OrgUnit.objects.get_root_nodes().exists():
        raise ValidationError("区级组织已存在")
    node = OrgUnit(level=Level.DISTRICT, code=code, name=name)
    node.full_clean(exclude=["path", "depth"])
    node._history_user = real_user(actor)
    node._change_reason = reason
    return OrgUnit.objects.add_root(instance=node)


@transaction.atomic
def create_street(actor: Any, data: dict[str, Any], reason: str = "", *, is_demo: bool = False) -> OrgUnit:
    require_perm(actor, "orgs.add_street")
    node = OrgUnit(level=Level.STREET, is_demo=is_demo, **data)
    node.full_clean(exclude=["path", "depth"])
    node._history_user = real_user(actor)
    node._change_reason = reason
    root = district_root()
    _lock(root)
    with integrity_to_validation(ORG_UNIQUE):
        return OrgUnit.objects.add_child(root, instance=node)


@transaction.atomic
def create_branch(
    actor: Any, parent: OrgUnit, data: dict[str, Any], reason: str = "", *, is_demo: bool = False
) -> OrgUnit:
    require_perm(actor, "orgs.add_branch", parent)
    if parent.level != Level.STREET:
        raise ValidationError({"parent": "村/社区党组织只能建在街道/镇之下"})
    node = OrgUnit(level=Level.BRANCH, is_demo=is_demo, **{k: data[k] for k in BRANCH_FIELDS if k in data})
    node.full_clean(exclude=["path", "depth"])
    node._history_user = real_user(actor)
    node._change_reason = reason
    _lock(parent)
    parent.refresh_from_db(fields=["path", "numchild"])
    with integrity_to_validation(ORG_UNIQUE):
        return OrgUnit.objects.add_child(parent, instance=node)


@transaction.atomic
def update_org(
    actor: Any,
    org: OrgUnit,
    data: dict[str, Any],
    reason: str = "",
    *,
    expected_version: int | None = None,
) -> OrgUnit:
    """Change an organisation's attributes; a branch may also move to another street (`parent`).

    `expected_version` is the lock_version the editor was shown: if someone saved the organisation in
    between, core.locking.EditConflict is raised and nothing changes.
    """
    require_perm(actor, "orgs.change_orgunit", org)
    check_version(org, expected_version)
    data = dict(data)
    new_parent = data.pop("parent", None)
    changed = org_differs(OrgUnit.objects.get(pk=org.pk), data)  # `org` may carry a form's unsaved values
    for key, value in data.items():
        setattr(org, key, value)
    moved = False
    if new_parent is not None and org.level == Level.BRANCH:
        current_parent = OrgUnit.objects.get_parent(org)
        if current_parent is None or new_parent.pk != current_parent.pk:
            moved = True
            require_perm(actor, "orgs.add_branch", new_parent)
            _lock(new_parent)
            OrgUnit.objects.move(org, new_parent, pos="sorted-child")
            org.refresh_from_db(fields=["path", "depth"])
            for key, value in data.items():
                setattr(org, key, value)
            reason = (reason + "；" if reason else "") + f"调整至{new_parent.name}"
    if changed or moved:  # an unchanged row (e.g. re-importing the same file) writes no history
        with integrity_to_validation(ORG_UNIQUE):
            save_with_history(org, actor, reason)
    return org


def _plain(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


def org_differs(stored: OrgUnit, data: dict[str, Any]) -> bool:
    """Would writing `data` (field → value; `parent` compared by street) change the stored row?"""
    for key, value in data.items():
        if key == "parent":
            if value is not None and stored.path[: len(value.path)] != value.path:
                return True
        elif _plain(getattr(stored, key)) != _plain(value):
            return True
    return False


@transaction.atomic
def delete_org(actor: Any, org: OrgUnit, reason: str) -> None:
    require_perm(actor, "orgs.delete_orgunit", org)
    if not reason.strip():
        raise ValidationError({"reason": "删除组织必须填写原因"})
    if OrgUnit.objects.get_children_count(org):
        raise ValidationError("该组织下还有下级组织，不能删除")
    if org.posts.exists() or org.people.exists():
        raise ValidationError("该组织还有人员或任职记录，不能删除；请先调整人员")
    # Records that other apps keep about the organisation (scores, veto events, accounts…) protect it:
    # a registry deletion must never take campaign history with it.
    for relation in org._meta.related_objects:
        related: Any = relation.related_model
        if (
            relation.on_delete is models.PROTECT
            and related._default_manager.filter(**{relation.field.name: org}).exists()
        ):
            raise ValidationError(
                f"该组织已有{related._meta.verbose_name}等业务数据，不能删除（历史数据须保留）"
            )
    delete_with_history(org, actor, reason)


@transaction.atomic
def save_unit(
    actor: Any, unit: DispatchedUnit, reason: str = "", *, expected_version: int | None = None
) -> DispatchedUnit:
    require_perm(actor, "orgs.manage_units")
    with integrity_to_validation(UNIT_UNIQUE):
        save_with_history(unit, actor, reason, expected_version=expected_version)
    return unit


@transaction.atomic
def save_person(
    actor: Any, person: Person, reason: str = "", *, expected_version: int | None = None
) -> Person:
    if person.pk is None:
        require_perm(actor, "orgs.change_orgunit", person.home_org)
    else:
        before = Person.objects.select_related("home_org").get(pk=person.pk)
        require_perm(actor, "orgs.change_person", before)
        require_perm(actor, "orgs.change_orgunit", person.home_org)
    save_with_history(person, actor, reason, expected_version=expected_version)
    return person


@transaction.atomic
def save_post(actor: Any, post: Post, reason: str = "", *, expected_version: int | None = None) -> Post:
    require_perm(actor, "orgs.change_orgunit", post.org)
    if post.pk is not None:
        before = Post.objects.select_related("org").get(pk=post.pk)
        require_perm(actor, "orgs.change_post", before)
        check_version(post, expected_version)
    if post.role == PostRole.SECRETARY:
        _lock(post.org)  # two people registering a secretary at once: the second sees the first
    _check_single_secretary(post)
    with integrity_to_validation(SECRETARY_UNIQUE):
        save_with_history(post, actor, reason)
    return post


def _check_single_secretary(post: Post) -> None:
    """An organisation has at most one secretary at a time (overlapping terms are refused)."""
    if post.role != PostRole.SECRETARY:
        return
    far_future = dt.date(9999, 12, 31)
    end = post.end_date or far_future
    clash = (
        Post.objects.filter(org_id=post.org_id, role=PostRole.SECRETARY, start_date__lte=end)
        .exclude(pk=post.pk)
        .exclude(end_date__lt=post.start_date)
        .select_related("person")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "start_date": f"任期与现任书记{clash.person.name}（{clash.start_date} 起）重叠，请先登记其离任日期"
            }
        )


@transaction.atomic
def end_post(
    actor: Any, post: Post, end_date: dt.date, reason: str = "", *, expected_version: int | None = None
) -> Post:
    post.end_date = end_date
    return save_post(actor, post, reason or "离任", expected_version=expected_version)


# ---------------------------------------------------------------------------------------------------------
# Excel import of organisations and people
# ---------------------------------------------------------------------------------------------------------

# The data sheets of the two import templates (the importer reads the sheet of this title).
ORG_SHEET = "组织"
PERSON_SHEET = "人员任职"

ORG_COLUMNS = [
    Column("street", "所属街道/镇", required=True, help="填写街道/镇的名称或编码，须已在系统中", width=16),
    Column("code", "组织编码", required=True, help="全区唯一；已存在的编码将更新该组织", width=16),
    Column("name", "组织名称", required=True, help="如：后万金村党支部", width=24),
    Column(
        "area_kind", "类型", required=True, help="农村 或 城市社区", choices=[str(c.label) for c in AreaKind]
    ),
    Column(
        "branch_type",
        "组织形式",
        required=True,
        help="党支部 / 党总支 / 党委",
        choices=[str(c.label) for c in BranchType],
    ),
    Column("member_count", "党员人数", help="0–99999 的整数，可留空（视为 0）"),
    Column("assigned_unit", "分包区直单位", help="区直单位的名称或编码，可留空", width=24),
]

PERSON_COLUMNS = [
    Column("org", "组织编码", required=True, help="人员所在村/社区党组织的编码", width=16),
    Column("name", "姓名", required=True, width=12),
    Column("gender", "性别", help="男 或 女", choices=["男", "女"], width=8),
    Column("phone", "手机号", help="11 位手机号，可留空", width=16),
    Column("birth_date", "出生日期", help="如 1980-05-01，可留空", width=14),
    Column(
        "role",
        "职务",
        help="党组织书记 / 党组织副书记 / 党组织委员 / 村(居)委会主任 / 村(居)委会副主任 / 村(居)委会委员；可留空",
        choices=[str(c.label) for c in PostRole],
        width=18,
    ),
    Column("start_date", "任职日期", help="填写职务时必填，如 2021-03-15", width=14),
    Column("end_date", "离任日期", help="仍在任请留空", width=14),
    Column("on_street_leadership", "兼任街道(镇)班子成员", help="是 或 否，留空视为否", choices=["是", "否"]),
]


def _choice(value: Any, choices: Any, field: str, label: str) -> str:
    text = normalize_text(value)
    for choice in choices:
        if text in (str(choice.label), choice.value):
            return str(choice.value)
    allowed = "、".join(str(c.label) for c in choices)
    raise RowError(f"“{excerpt(text)}”不是有效的{label}，应为：{allowed}", field)


def _int(value: Any, field: str, label: str, *, max_value: int) -> int:
    if value is None:
        return 0
    try:
        return parse_whole(value, max_value=max_value)
    except NumberError as exc:
        if exc.kind in ("exponent", "too_big"):
            raise RowError(str(exc), field) from None
        raise RowError(f"“{excerpt(normalize_text(value))}”不是有效的{label}，{exc}", field) from None


@overload
def _date(value: Any, field: str, label: str, *, required: Literal[True]) -> dt.date: ...
@overload
def _date(value: Any, field: str, label: str, *, required: bool = False) -> dt.date | None: ...
def _date(value: Any, field: str, label: str, *, required: bool = False) -> dt.date | None:
    if value is None:
        if required:
            raise RowError(f"{label}不能为空", field)
        return None
    try:
        return parse_date(value)
    except DateError as exc:
        if isinstance(value, dt.date):
            raise RowError(f"{label}的{exc}", field) from None
        if str(exc) == year_message():
            raise RowError(f"“{excerpt(normalize_text(value))}”的{exc}，请写成 2021-03-15", field) from None
        raise RowError(
            f"“{excerpt(normalize_text(value))}”不是有效的日期，请写成 2021-03-15", field
        ) from None


def _bool(value: Any, field: str, label: str) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    text = normalize_text(value).lower()
    if text in {"是", "y", "yes", "true", "1", "√"}:
        return True
    if text in {"否", "n", "no", "false", "0", "×"}:
        return False
    raise RowError(f"“{excerpt(text)}”应填写“是”或“否”", field)


def import_orgs(actor: Any, fileobj: Any, reason: str = "Excel 导入") -> ImportReport:
    """Create or update branches from the organisation template; all rows or none."""
    require_perm(actor, "orgs.import")
    streets = {s.name: s for s in scope(OrgUnit.objects.streets(), actor)}
    streets.update({s.code: s for s in streets.values()})
    units = {u.name: u for u in DispatchedUnit.objects.all()}
    units.update({u.code: u for u in list(units.values())})
    existing = {o.code: o for o in OrgUnit.objects.filter(level=Level.BRANCH)}
    may_assign_units = actor.has_perm("orgs.manage_units")
    seen: dict[str, int] = {}

    def handle(rownum: int, rec: dict[str, Any]) -> str:
        street_key = normalize_text(rec.get("street"))
        street = streets.get(street_key)
        if street is None:
            raise RowError(f"找不到街道/镇“{excerpt(street_key)}”，或您无权在该街道/镇下导入", "street")
        code = normalize_number(rec.get("code")).upper()
        if not code:
            raise RowError("组织编码不能为空", "code")
        if code in seen:
            raise RowError(f"组织编码“{excerpt(code)}”与第{seen[code]}行重复", "code")
        seen[code] = rownum
        name = normalize_text(rec.get("name"))
        if not name:
            raise RowError("组织名称不能为空", "name")
        data: dict[str, Any] = {
            "code": code,
            "name": name,
            "area_kind": _choice(rec.get("area_kind"), AreaKind, "area_kind", "类型"),
            "branch_type": _choice(rec.get("branch_type"), BranchType, "branch_type", "组织形式"),
            "member_count": _int(
                rec.get("member_count"), "member_count", "党员人数", max_value=MEMBER_COUNT_MAX
            ),
        }
        unit_key = normalize_text(rec.get("assigned_unit"))
        unit = None
        if unit_key:
            unit = units.get(unit_key)
            if unit is None:
                raise RowError(f"找不到区直单位“{excerpt(unit_key)}”", "assigned_unit")
        org = existing.get(code)
        if may_assign_units:
            data["assigned_unit"] = unit
        elif unit is not None and (org is None or org.assigned_unit_id != unit.pk):
            # 分包 is assigned by the district; street staff may leave the column blank or as it is
            raise RowError("分包区直单位由区委组织部分配，请留空或保持原值", "assigned_unit")
        if org is None:
            if not actor.has_perm("orgs.add_branch", street):
                raise RowError("您无权在该街道/镇下新建组织", "street")
            create_branch(actor, street, data, reason)
            return "created"
        if not actor.has_perm("orgs.change_orgunit", org):
            raise RowError(f"组织编码“{excerpt(code)}”已被其他街道/镇的组织使用", "code")
        data["parent"] = street
        if not org_differs(org, data):
            return "unchanged"
        update_org(actor, org, data, reason)
        return "updated"

    report = run_import(fileobj, ORG_COLUMNS, handle, sheet=ORG_SHEET)
    if report.ok:
        log_decision(
            district_root(),
            "import_orgs",
            actor,
            comment=f"导入组织：新增 {report.created}，更新 {report.updated}",
        )
    return report


def import_people(actor: Any, fileobj: Any, reason: str = "Excel 导入") -> ImportReport:
    """Create people (matched by organisation + name + phone) and their posts; all rows or none."""
    require_perm(actor, "orgs.import")
    orgs = {o.code: o for o in scope(OrgUnit.objects.branches(), actor)}

    def handle(rownum: int, rec: dict[str, Any]) -> str:
        code = normalize_number(rec.get("org")).upper()
        org = orgs.get(code)
        if org is None or not actor.has_perm("orgs.change_orgunit", org):
            raise RowError(f"找不到组织编码“{excerpt(code)}”，或您无权维护该组织", "org")
        name = normalize_text(rec.get("name")).replace(" ", "")
        if not name:
            raise RowError("姓名不能为空", "name")
        phone = normalize_number(rec.get("phone")).replace("-", "")
        if phone and (not (phone.isascii() and phone.isdigit()) or len(phone) != 11):
            raise RowError(f"“{excerpt(phone)}”不是有效的 11 位手机号", "phone")
        gender = ""
        if rec.get("gender") is not None:
            gender = {"男": "M", "女": "F"}.get(normalize_text(rec.get("gender")), "?")
            if gender == "?":
                raise RowError("性别应填写“男”或“女”", "gender")
        birth = _date(rec.get("birth_date"), "birth_date", "出生日期")
        person = Person.objects.filter(home_org=org, name=name, phone=phone).first()
        outcome = "updated" if person else "created"
        if person is None:
            person = Person(home_org=org, name=name, phone=phone)
        person.gender = gender or person.gender
        person.birth_date = birth or person.birth_date
        save_person(actor, person, reason)
        if rec.get("role") is not None:
            role = _choice(rec.get("role"), PostRole, "role", "职务")
            start = _date(rec.get("start_date"), "start_date", "任职日期", required=True)
            end = _date(rec.get("end_date"), "end_date", "离任日期")
            if start and end and end < start:
                raise RowError("离任日期不能早于任职日期", "end_date")
            post = Post.objects.filter(person=person, org=org, role=role, start_date=start).first()
            if post is None:
                post = Post(person=person, org=org, role=role, start_date=start)
            post.end_date = end
            post.on_street_leadership = _bool(rec.get("on_street_leadership"), "on_street_leadership", "兼任")
            try:
                save_post(actor, post, reason)
            except ValidationError as exc:
                raise RowError("；".join(exc.messages), "start_date") from exc
        elif rec.get("start_date") is not None:
            raise RowError("填写了任职日期但没有填写职务", "role")
        return outcome

    report = run_import(fileobj, PERSON_COLUMNS, handle, sheet=PERSON_SHEET)
    if report.ok:
        log_decision(
            district_root(),
            "import_people",
            actor,
            comment=f"导入人员：新增 {report.created}，更新 {report.updated}",
        )
    return report


__all__ = [
    "ORG_COLUMNS",
    "PERSON_COLUMNS",
    "StreetKind",
    "create_branch",
    "create_district",
    "create_street",
    "delete_org",
    "end_post",
    "import_orgs",
    "import_people",
    "save_person",
    "save_post",
    "save_unit",
    "update_org",
]
