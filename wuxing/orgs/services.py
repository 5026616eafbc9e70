"""Every write to the registry: check authority, one transaction, history with who and why."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any, Literal, overload

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import get_language
from simple_history.utils import bulk_create_with_history

from wuxing.core.bulk import bulk_set
from wuxing.core.dates import DateError, parse_date, year_message
from wuxing.core.excel import CheckedRows, Column, ImportReport, RowError, run_checked_import
from wuxing.core.locking import Versioned, check_version, integrity_to_validation
from wuxing.core.numbers import NumberError, parse_whole
from wuxing.core.scoping import scope
from wuxing.core.services import (
    delete_with_history,
    keep_writers_out,
    log_decision,
    real_user,
    require_perm,
    save_with_history,
)
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
from wuxing.rules.stale import invalidate

BULK_BATCH = 500  # rows per statement of a bulk write (SQLite allows 999 parameters per statement)
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
    check_version(org, expected_version)  # also locks the row until the transaction ends
    data = dict(data)
    new_parent = data.pop("parent", None)
    stored = OrgUnit.objects.get(pk=org.pk)
    changed = org_differs(stored, data)  # `org` may carry a form's unsaved values
    # The tree fields are the database's: `org` may have been read before an import renumbered its
    # street's branches, and saving its old path back would undo that.
    org.path, org.depth, org.numchild = stored.path, stored.depth, stored.numchild
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
        if org.level == Level.STREET and stored.code != org.code:
            # kept ratings order by their street's code (a branch's own code and place are checked
            # when they are read): docs/decisions.md §24
            invalidate(
                None, OrgUnit.objects.filter(path__startswith=org.path, level=Level.BRANCH).values("pk")
            )
    return org


def _plain(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


def org_differs(stored: OrgUnit, data: dict[str, Any]) -> bool:
    """Would writing `data` (field → value; `parent` compared by street) change the stored row?"""
    return bool(changed_fields(stored, data))


def changed_fields(stored: OrgUnit, data: dict[str, Any]) -> list[str]:
    """The keys of `data` (field → value; `parent` compared by street) whose value differs from the stored
    row's. Foreign keys are compared by id, so no query fetches the related row."""
    changed = []
    for key, value in data.items():
        if key == "parent":
            if value is not None and stored.path[: len(value.path)] != value.path:
                changed.append(key)
        elif _plain(getattr(stored, getattr(stored._meta.get_field(key), "attname", key))) != _plain(value):
            changed.append(key)
    return changed


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
    accepted = _accepted_choices(choices, get_language())
    if text in accepted:
        return accepted[text]
    allowed = "、".join(str(c.label) for c in choices)
    raise RowError(f"“{excerpt(text)}”不是有效的{label}，应为：{allowed}", field)


@functools.cache
def _accepted_choices(choices: Any, language: str | None) -> dict[str, str]:
    """Label (in `language`) or stored value → stored value; translated once per language, not per cell."""
    accepted = {str(c.value): str(c.value) for c in choices}
    accepted.update({str(c.label): str(c.value) for c in choices})
    return accepted


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


@dataclass
class OrgImportPlan:
    """What an organisation import will write (built by _check_org_rows, written by _write_org_plan)."""

    actor: Any
    reason: str
    streets: list[OrgUnit]  # every street, as loaded
    branches: list[OrgUnit]  # every existing branch, as loaded (updated ones carry their new values)
    creates: list[tuple[OrgUnit, OrgUnit]] = field(default_factory=list)  # (street, new branch)
    # (branch with its new values, its new street if it moves, the fields that change)
    updates: list[tuple[OrgUnit, OrgUnit | None, tuple[str, ...]]] = field(default_factory=list)


# The fields an imported row sets that django's field validation checks without the database (the foreign
# key to the dispatched unit is looked up in a preloaded dict instead of one query per row).
_CHECKED_FIELDS = ("code", "name", "member_count")


def _branch_errors(node: OrgUnit) -> dict[str, list[ValidationError]]:
    """What full_clean() in create_branch/update_org says about a branch's values, without its queries
    (the code's uniqueness is checked by the caller against preloaded codes)."""
    errors: dict[str, list[ValidationError]] = {}
    try:
        node.clean_fields(exclude=[f.name for f in OrgUnit._meta.fields if f.name not in _CHECKED_FIELDS])
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    try:
        node.clean()
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    return errors


@dataclass
class _OrgRow:
    """What a row says once read (kept between the two checks of an import: only look-ups are repeated)."""

    code: str
    data: dict[str, Any]
    unit_key: str
    validated: bool = False
    node: OrgUnit | None = None  # the new branch, when the row creates one


def _check_org_rows(
    actor: Any, reason: str, records: list[tuple[int, dict[str, Any]]], parsed: dict[int, _OrgRow]
) -> CheckedRows[OrgImportPlan]:
    """Every row of an organisation import checked in Python against a few preloaded tables (no query per
    row); the same messages, in the same order, and the same authority rules as editing one organisation on
    its page. `parsed` keeps what the rows say between the check before and the check inside the writing
    transaction, so the second one only repeats what depends on the database."""
    all_streets = list(OrgUnit.objects.streets())
    visible = set(scope(OrgUnit.objects.streets(), actor).values_list("pk", flat=True))
    streets = {s.name: s for s in all_streets if s.pk in visible}
    streets.update({s.code: s for s in all_streets if s.pk in visible})
    units = {u.name: u for u in DispatchedUnit.objects.all()}
    units.update({u.code: u for u in list(units.values())})
    branches = list(OrgUnit.objects.filter(level=Level.BRANCH))
    existing = {o.code: o for o in branches}
    other_codes = set(OrgUnit.objects.exclude(level=Level.BRANCH).values_list("code", flat=True))
    may_assign_units = actor.has_perm("orgs.manage_units")
    may_add: dict[int, bool] = {}
    seen: dict[str, int] = {}
    checked = CheckedRows(OrgImportPlan(actor, reason, all_streets, branches))
    plan = checked.plan

    def may_add_to(street: OrgUnit) -> bool:
        if street.pk not in may_add:
            may_add[street.pk] = actor.has_perm("orgs.add_branch", street)
        return may_add[street.pk]

    def read_row(rownum: int, rec: dict[str, Any]) -> _OrgRow:
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
        return _OrgRow(code, data, normalize_text(rec.get("assigned_unit")))

    def check_row(rownum: int, rec: dict[str, Any]) -> str:
        street_key = normalize_text(rec.get("street"))
        street = streets.get(street_key)
        if street is None:
            raise RowError(f"找不到街道/镇“{excerpt(street_key)}”，或您无权在该街道/镇下导入", "street")
        row = parsed.get(rownum)
        if row is None:
            row = parsed[rownum] = read_row(rownum, rec)
        data = dict(row.data)
        unit = None
        if row.unit_key:
            unit = units.get(row.unit_key)
            if unit is None:
                raise RowError(f"找不到区直单位“{excerpt(row.unit_key)}”", "assigned_unit")
        org = existing.get(row.code)
        if may_assign_units:
            data["assigned_unit"] = unit
        elif unit is not None and (org is None or org.assigned_unit_id != unit.pk):
            # 分包 is assigned by the district; street staff may leave the column blank or as it is
            raise RowError("分包区直单位由区委组织部分配，请留空或保持原值", "assigned_unit")
        if org is None:
            if not may_add_to(street):
                raise RowError("您无权在该街道/镇下新建组织", "street")
            node = row.node
            if node is None:
                node = row.node = OrgUnit(level=Level.BRANCH, **data)
            else:
                node.assigned_unit = data.get("assigned_unit")
            errors = {} if row.validated else _branch_errors(node)
            row.validated = not errors
            if row.code in other_codes and "code" not in errors:
                errors["code"] = [node.unique_error_message(OrgUnit, ("code",))]
            if errors:
                raise ValidationError(errors)
            plan.creates.append((street, node))
            return "created"
        if not actor.has_perm("orgs.change_orgunit", org):
            raise RowError(f"组织编码“{excerpt(row.code)}”已被其他街道/镇的组织使用", "code")
        changed = changed_fields(org, {**data, "parent": street})
        if not changed:
            return "unchanged"
        moved = "parent" in changed
        if moved and not may_add_to(street):
            raise RowError("您无权将组织调整至该街道/镇", "street")
        for key, value in data.items():
            setattr(org, key, value)
        if not row.validated:
            errors = _branch_errors(org)
            if errors:
                raise ValidationError(errors)
            row.validated = True
        if moved:
            org._change_reason = (reason + "；" if reason else "") + f"调整至{street.name}"
        plan.updates.append((org, street if moved else None, tuple(k for k in changed if k != "parent")))
        return "updated"

    for rownum, rec in records:
        try:
            outcome = check_row(rownum, rec)
        except (RowError, ValidationError) as exc:
            checked.problems.append((rownum, exc))
            continue
        setattr(checked, outcome, getattr(checked, outcome) + 1)
    return checked


def _write_org_plan(plan: OrgImportPlan) -> None:
    """Write a checked organisation import with bulk statements (inside the import's one transaction).

    The tree stays what django-treebeard would have made of the same rows added one by one: branches are
    the children of their street sorted by code (node_order_by), so every street that gains a branch has
    its children's materialised paths recomputed in code order; streets' `numchild` follow.
    """
    user = real_user(plan.actor)
    steplen = OrgUnit.steplen
    children: dict[str, list[OrgUnit]] = {s.path: [] for s in plan.streets}
    for branch in plan.branches:
        children.setdefault(branch.path[: 2 * steplen], []).append(branch)
    counted: set[str] = set()  # streets whose number of children changes
    gaining: set[str] = set()  # streets whose children get new paths
    leaving: set[int] = set()  # branches that move to another street
    for org, new_street, _fields in plan.updates:
        if new_street is not None:
            leaving.add(org.pk)
            children[new_street.path].append(org)
            counted.update((org.path[: 2 * steplen], new_street.path))
            gaining.add(new_street.path)
    for street_path in counted:
        children[street_path] = [
            b for b in children[street_path] if b.pk not in leaving or b.path[: 2 * steplen] != street_path
        ]
    for street, node in plan.creates:
        children[street.path].append(node)
        node.depth = street.depth + 1
        node.numchild = 0
        counted.add(street.path)
        gaining.add(street.path)
    old_paths = {b.pk: b.path for b in plan.branches}
    for street_path in gaining:
        depth = len(street_path) // steplen + 1
        for index, node in enumerate(sorted(children[street_path], key=lambda o: o.code), start=1):
            node.path = OrgUnit._get_path(street_path, depth, index)
    repathed = [b for b in plan.branches if b.path != old_paths[b.pk]]
    # Paths are unique: park the rows that change path on a value outside treebeard's alphabet first, so
    # that no row ever takes a path another row still holds.
    for start in range(0, len(repathed), BULK_BATCH):
        pks = [b.pk for b in repathed[start : start + BULK_BATCH]]
        OrgUnit.objects.filter(pk__in=pks).update(path=Concat(Value("~"), Cast("pk", CharField())))
    if plan.creates:
        bulk_create_with_history(
            [node for _street, node in plan.creates],
            OrgUnit,
            batch_size=BULK_BATCH,
            default_user=user,
            default_change_reason=plan.reason,
        )
    # Each row sets only what changes in it: rows are grouped by the fields they change, so re-importing a
    # file with one column edited writes that column only.
    version = _count_up([org for org, _street, _fields in plan.updates])
    groups: dict[tuple[str, ...], list[OrgUnit]] = {}
    for org, _street, fields in plan.updates:
        key = tuple(
            sorted({*fields, *version, "path"} if org.path != old_paths[org.pk] else {*fields, *version})
        )
        groups.setdefault(key, []).append(org)
    changed = {org.pk for org, _street, _fields in plan.updates}
    groups.setdefault(("path",), []).extend(b for b in repathed if b.pk not in changed)
    for fields, objs in groups.items():
        bulk_set(objs, fields, batch_size=BULK_BATCH)
    if plan.updates:
        OrgUnit.history.bulk_history_create(
            [org for org, _street, _fields in plan.updates],
            batch_size=BULK_BATCH,
            update=True,
            default_user=user,
            default_change_reason=plan.reason,
        )
    streets = [s for s in plan.streets if s.path in counted]
    for street in streets:
        street.numchild = len(children[street.path])
    OrgUnit.objects.bulk_update(streets, ["numchild"], batch_size=BULK_BATCH)


def import_orgs(actor: Any, fileobj: Any, reason: str = "Excel 导入") -> ImportReport:
    """Create or update branches from the organisation template; all rows or none.

    Every row is checked before anything is written, then everything is written in one short transaction
    with bulk statements, so a 20,000-row file never holds the database for long (docs/decisions.md §17).
    """
    require_perm(actor, "orgs.import")
    parsed: dict[int, _OrgRow] = {}

    def write(checked: CheckedRows[OrgImportPlan]) -> None:
        _write_org_plan(checked.plan)
        log_decision(
            district_root(),
            "import_orgs",
            actor,
            comment=f"导入组织：新增 {checked.created}，更新 {checked.updated}",
        )

    return run_checked_import(
        fileobj,
        ORG_COLUMNS,
        lambda records: _check_org_rows(actor, reason, records, parsed),
        write,
        sheet=ORG_SHEET,
        lock=lambda: keep_writers_out(OrgUnit),
    )


def _count_up(objs: list[Any]) -> tuple[str, ...]:
    """Imports replace by design but still count up the version of every row they change, as
    save_with_history does, so that a form opened before the import is refused as stale (§12)."""
    if not objs or not isinstance(objs[0], Versioned):
        return ()
    for obj in objs:
        obj.lock_version += 1
    return ("lock_version",)


def _chunks(values: list[Any], size: int = BULK_BATCH) -> list[list[Any]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


@dataclass
class PeopleImportPlan:
    """What a people import will write (built by _check_people_rows, written by _write_people_plan)."""

    actor: Any
    reason: str
    new_people: list[Person] = field(default_factory=list)
    changed_people: list[Person] = field(default_factory=list)
    new_posts: list[Post] = field(default_factory=list)
    changed_posts: list[Post] = field(default_factory=list)


# What full_clean() checks of a new person that the import's own checks do not already guarantee (the
# foreign key to the organisation is looked up in a preloaded dict instead of one query per row).
_PERSON_CHECKED_FIELDS = ("name", "phone", "gender", "birth_date")
_FAR_FUTURE = dt.date(9999, 12, 31)


def _secretary_clash(start: dt.date, end: dt.date | None, others: list[Post]) -> Post | None:
    """_check_single_secretary on terms held in memory: of the organisation's other secretary terms, the
    latest-starting one that overlaps start–end (no end: still in office), if any."""
    clashes = [
        other
        for other in others
        if other.start_date <= (end or _FAR_FUTURE) and (other.end_date is None or other.end_date >= start)
    ]
    return max(clashes, key=lambda other: other.start_date) if clashes else None


def _check_people_rows(
    actor: Any, reason: str, records: list[tuple[int, dict[str, Any]]]
) -> CheckedRows[PeopleImportPlan]:
    """Every row of a people import checked in Python against the organisations, people and posts of the
    organisations the file names (loaded a few hundred organisations per query, never one query per row).
    Rows see the rows above them as if those had been saved one by one: a person on two rows is one
    person, and a term ended on one row no longer overlaps a new secretary's term on a later row."""
    orgs = {o.code: o for o in scope(OrgUnit.objects.branches(), actor)}
    named = {normalize_number(rec.get("org")).upper() for _rownum, rec in records}
    org_ids = sorted(orgs[code].pk for code in named if code in orgs)
    people: dict[tuple[int, str, str], Person] = {}
    posts: dict[tuple[Any, int, str, dt.date], Post] = {}
    secretaries: dict[int, list[Post]] = {}
    for chunk in _chunks(org_ids):
        for person in Person.objects.filter(home_org_id__in=chunk).order_by("pk"):
            people.setdefault((person.home_org_id, person.name, person.phone), person)
        for post in Post.objects.filter(org_id__in=chunk).select_related("person").order_by("pk"):
            posts.setdefault((post.person_id, post.org_id, post.role, post.start_date), post)
            if post.role == PostRole.SECRETARY:
                secretaries.setdefault(post.org_id, []).append(post)
    may_change: dict[int, bool] = {}
    checked = CheckedRows(PeopleImportPlan(actor, reason))
    plan = checked.plan
    planned: set[int] = set()  # id() of the people and posts already in the plan
    unchecked_person_fields = [f.name for f in Person._meta.fields if f.name not in _PERSON_CHECKED_FIELDS]

    def post_key(person: Person, org: OrgUnit, role: str, start: dt.date) -> tuple[Any, int, str, dt.date]:
        return (person.pk if person.pk is not None else f"new-{id(person)}", org.pk, role, start)

    def check_row(rownum: int, rec: dict[str, Any]) -> str:
        code = normalize_number(rec.get("org")).upper()
        org = orgs.get(code)
        if org is not None and org.pk not in may_change:
            may_change[org.pk] = actor.has_perm("orgs.change_orgunit", org)
        if org is None or not may_change[org.pk]:
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
        person = people.get((org.pk, name, phone))
        outcome = "updated" if person else "created"
        if person is None:
            person = Person(home_org=org, name=name, phone=phone)
        gender, birth = gender or person.gender, birth or person.birth_date
        if outcome == "created":
            Person(name=name, phone=phone, gender=gender, birth_date=birth).clean_fields(
                exclude=unchecked_person_fields
            )
        post = None
        post_values: dict[str, Any] = {}
        if rec.get("role") is not None:
            role = _choice(rec.get("role"), PostRole, "role", "职务")
            start = _date(rec.get("start_date"), "start_date", "任职日期", required=True)
            end = _date(rec.get("end_date"), "end_date", "离任日期")
            if start and end and end < start:
                raise RowError("离任日期不能早于任职日期", "end_date")
            post = posts.get(post_key(person, org, role, start)) or Post(
                person=person, org=org, role=role, start_date=start
            )
            post_values = {
                "end_date": end,
                "on_street_leadership": _bool(
                    rec.get("on_street_leadership"), "on_street_leadership", "兼任"
                ),
            }
            if role == PostRole.SECRETARY:
                clash = _secretary_clash(
                    start, end, [p for p in secretaries.get(org.pk, []) if p is not post]
                )
                if clash is not None:
                    raise RowError(
                        f"任期与现任书记{clash.person.name}（{clash.start_date} 起）重叠，请先登记其离任日期",
                        "start_date",
                    )
        elif rec.get("start_date") is not None:
            raise RowError("填写了任职日期但没有填写职务", "role")
        # The row is valid: what it writes is seen by the rows below it.
        person.gender, person.birth_date = gender, birth
        if id(person) not in planned:
            planned.add(id(person))
            if person.pk is None:
                people[(org.pk, name, phone)] = person
                plan.new_people.append(person)
            else:
                plan.changed_people.append(person)
        if post is not None:
            for key, value in post_values.items():
                setattr(post, key, value)
            if id(post) not in planned:
                planned.add(id(post))
                if post.pk is None:
                    posts[post_key(person, org, post.role, post.start_date)] = post
                    plan.new_posts.append(post)
                    if post.role == PostRole.SECRETARY:
                        secretaries.setdefault(org.pk, []).append(post)
                else:
                    plan.changed_posts.append(post)
        return outcome

    for rownum, rec in records:
        try:
            outcome = check_row(rownum, rec)
        except (RowError, ValidationError) as exc:
            checked.problems.append((rownum, exc))
            continue
        setattr(checked, outcome, getattr(checked, outcome) + 1)
    return checked


def _write_people_plan(plan: PeopleImportPlan) -> None:
    """Write a checked people import with bulk statements, each row with its history (who and why).

    Terms that change are written before new ones, and those that end before those left open: the
    database allows one open secretary term per organisation at every moment, not only at the end."""
    user = real_user(plan.actor)
    history = {"default_user": user, "default_change_reason": plan.reason}
    bulk_create_with_history(plan.new_people, Person, batch_size=BULK_BATCH, **history)
    version = _count_up(plan.changed_people)
    bulk_set(plan.changed_people, ["gender", "birth_date", *version], batch_size=BULK_BATCH)
    if plan.changed_people:
        Person.history.bulk_history_create(plan.changed_people, batch_size=BULK_BATCH, update=True, **history)
    version = _count_up(plan.changed_posts)
    ending = [p for p in plan.changed_posts if p.end_date is not None]
    open_ended = [p for p in plan.changed_posts if p.end_date is None]
    for posts in (ending, open_ended):
        bulk_set(posts, ["end_date", "on_street_leadership", *version], batch_size=BULK_BATCH)
    if plan.changed_posts:
        Post.history.bulk_history_create(plan.changed_posts, batch_size=BULK_BATCH, update=True, **history)
    bulk_create_with_history(plan.new_posts, Post, batch_size=BULK_BATCH, **history)


def import_people(actor: Any, fileobj: Any, reason: str = "Excel 导入") -> ImportReport:
    """Create people (matched by organisation + name + phone) and their posts; all rows or none.

    Checked first, then written in bulk in one short transaction, like import_orgs."""
    require_perm(actor, "orgs.import")

    def write(checked: CheckedRows[PeopleImportPlan]) -> None:
        _write_people_plan(checked.plan)
        log_decision(
            district_root(),
            "import_people",
            actor,
            comment=f"导入人员：新增 {checked.created}，更新 {checked.updated}",
        )

    return run_checked_import(
        fileobj,
        PERSON_COLUMNS,
        lambda records: _check_people_rows(actor, reason, records),
        write,
        sheet=PERSON_SHEET,
        # the organisations too: a page registering a secretary locks the organisation's row first
        lock=lambda: keep_writers_out(OrgUnit, Person, Post),
    )


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
