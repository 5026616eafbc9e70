"""Read-only API of the organisation registry: branches, one branch with its posts, streets.

Every queryset starts from the scoping choke point; a branch outside the caller's scope answers 404.
Lists are set-based (street and secretary are subqueries, the unit a join): the number of queries does
not grow with the number of rows.
"""

import datetime as dt
from typing import Any, Literal

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Substr
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from wuxing.api.pagination import BoundedPages
from wuxing.api.schemas import ConflictOut, ErrorOut, FieldErrorsOut, Ref
from wuxing.core.scoping import get_visible, visible_orgs, visible_units
from wuxing.orgs.models import Level, OrgUnit
from wuxing.orgs.queries import branch_list, org_posts, visible_streets, with_street_and_secretary

router = Router()
streets_router = Router()

STREET_PATH_LEN = 2 * OrgUnit.steplen

AreaKindName = Literal["rural", "community"]
BranchTypeName = Literal["branch", "general", "committee"]


# --- schemas -------------------------------------------------------------------------------------------


class OrgFilters(Schema):
    street: str | None = Field(None, description="街道/镇编码，如 ZB")
    area_kind: AreaKindName | None = Field(None, description="类型：rural 农村，community 城市社区")
    branch_type: BranchTypeName | None = Field(
        None, description="组织形式：branch 党支部，general 党总支，committee 党委"
    )
    unit: str | None = Field(None, description="分包区直单位编码，如 U01")
    q: str | None = Field(None, description="按名称或编码搜索（包含即可）")


class OrgOut(Schema):
    id: int = Field(..., description="组织 ID")
    code: str = Field(..., description="组织编码")
    name: str = Field(..., description="组织名称")
    street: Ref | None = Field(None, description="所属街道/镇")
    area_kind: AreaKindName = Field(..., description="类型：rural 农村，community 城市社区")
    area_kind_label: str = Field(..., description="类型名称")
    branch_type: BranchTypeName = Field(
        ..., description="组织形式：branch 党支部，general 党总支，committee 党委"
    )
    branch_type_label: str = Field(..., description="组织形式名称")
    member_count: int = Field(..., description="党员人数")
    assigned_unit: Ref | None = Field(None, description="分包区直单位（无则为空）")
    secretary: str | None = Field(None, description="现任书记姓名（未登记则为空）")
    is_demo: bool = Field(..., description="是否演示数据（虚构名称）")
    lock_version: int = Field(..., description="版本号：修改（PATCH）时原样发回，用于发现他人的并发修改")

    @staticmethod
    def resolve_street(obj: Any) -> dict[str, str] | None:
        code = getattr(obj, "street_code", None)
        return {"code": code, "name": obj.street_name} if code else None

    @staticmethod
    def resolve_area_kind_label(obj: Any) -> str:
        return str(obj.get_area_kind_display())

    @staticmethod
    def resolve_branch_type_label(obj: Any) -> str:
        return str(obj.get_branch_type_display())

    @staticmethod
    def resolve_assigned_unit(obj: Any) -> dict[str, str] | None:
        unit = obj.assigned_unit
        return {"code": unit.code, "name": unit.name} if unit else None

    @staticmethod
    def resolve_secretary(obj: Any) -> str | None:
        return getattr(obj, "secretary_name", None) or None


class PostOut(Schema):
    role: str = Field(..., description="职务代码，如 secretary 党组织书记、director 村(居)委会主任")
    role_label: str = Field(..., description="职务名称")
    person_name: str = Field(..., description="姓名")
    start_date: dt.date = Field(..., description="任职日期")
    on_street_leadership: bool = Field(..., description="是否兼任街道(镇)班子成员")

    @staticmethod
    def resolve_role_label(obj: Any) -> str:
        return str(obj.get_role_display())

    @staticmethod
    def resolve_person_name(obj: Any) -> str:
        return str(obj.person.name)


class OrgDetailOut(OrgOut):
    posts: list[PostOut] = Field(..., description="现任“两委”成员")

    @staticmethod
    def resolve_posts(obj: Any) -> list[Any]:
        return list(obj.current_posts)


class StreetOut(Schema):
    id: int = Field(..., description="街道/镇 ID")
    code: str = Field(..., description="街道/镇编码")
    name: str = Field(..., description="名称")
    street_kind: str = Field(..., description="street 街道，town 镇")
    street_kind_label: str = Field(..., description="街道或镇")
    branch_count: int = Field(..., description="其中调用者可见的村/社区党组织数")

    @staticmethod
    def resolve_street_kind_label(obj: Any) -> str:
        return str(obj.get_street_kind_display())


# --- reads ---------------------------------------------------------------------------------------------


def _with_street_code(qs: QuerySet[OrgUnit]) -> QuerySet[OrgUnit]:
    street = OrgUnit.objects.filter(path=Substr(OuterRef("path"), 1, STREET_PATH_LEN)).values("code")[:1]
    return qs.annotate(street_code=Subquery(street))


def filtered_branches(user: Any, filters: OrgFilters) -> QuerySet[OrgUnit]:
    params: dict[str, Any] = {
        "q": filters.q,
        "area_kind": filters.area_kind,
        "branch_type": filters.branch_type,
    }
    if filters.street:
        street = visible_streets(user).filter(code__iexact=filters.street.strip()).first()
        if street is None:
            return OrgUnit.objects.none()
        params["street"] = street
    if filters.unit:
        unit = visible_units(user).filter(code__iexact=filters.unit.strip()).first()
        if unit is None:
            return OrgUnit.objects.none()
        params["unit"] = unit
    return _with_street_code(branch_list(user, params))


@router.get(
    "",
    response=list[OrgOut],
    summary="村/社区党组织列表",
    description="调用者权限范围内的村/社区党组织，可按街道/镇、类型、组织形式、分包单位筛选和搜索；页码分页。",
)
@paginate(BoundedPages)
def list_orgs(request: HttpRequest, filters: Query[OrgFilters]) -> Any:
    return filtered_branches(request.auth, filters)  # type: ignore[attr-defined]


@router.get(
    "/{int:org_id}",
    response={200: OrgDetailOut, 404: ErrorOut},
    summary="村/社区党组织详情",
    description="一个村/社区党组织及其现任“两委”成员；不在权限范围内时返回 404。",
)
def get_org(request: HttpRequest, org_id: int) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    qs = _with_street_code(with_street_and_secretary(visible_orgs(user).filter(level=Level.BRANCH)))
    org = get_visible(qs, pk=org_id)
    org.current_posts, _past = org_posts(org)
    return org


@streets_router.get(
    "",
    response=list[StreetOut],
    summary="街道/镇列表",
    description="调用者可见的街道/镇（或其中有可见组织的街道/镇），附可见的村/社区党组织数。",
)
def list_streets(request: HttpRequest) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    counts = dict(
        visible_orgs(user)
        .filter(level=Level.BRANCH)
        .annotate(prefix=Substr("path", 1, STREET_PATH_LEN))
        .order_by()
        .values("prefix")
        .annotate(n=Count("pk"))
        .values_list("prefix", "n")
    )
    streets = list(visible_streets(user))
    for street in streets:
        street.branch_count = counts.get(street.path, 0)
    return streets


# --- writes --------------------------------------------------------------------------------------------


class OrgPatchIn(Schema):
    lock_version: int = Field(
        ...,
        ge=0,
        le=2_000_000_000,
        description="读到的版本号（GET 返回的 lock_version）；他人已修改时返回 409",
    )
    name: str | None = Field(None, min_length=1, max_length=100, description="组织名称")
    member_count: int | None = Field(None, ge=0, le=100_000, description="党员人数")
    branch_type: BranchTypeName | None = Field(None, description="组织形式")
    area_kind: AreaKindName | None = Field(None, description="类型")
    reason: str = Field("", max_length=200, description="修改原因（记入变更历史）")


@router.patch(
    "/{int:org_id}",
    response={200: OrgDetailOut, 400: FieldErrorsOut, 403: ErrorOut, 404: ErrorOut, 409: ConflictOut},
    summary="修改村/社区党组织",
    description=(
        "只修改给出的字段。必须带上读到的 lock_version：若他人在此之后修改过该组织，返回 409 并附上现在的内容，"
        "不保存任何内容。"
    ),
)
def patch_org(request: HttpRequest, org_id: int, payload: OrgPatchIn) -> Any:
    from django.core.exceptions import ValidationError

    from wuxing.core.locking import EditConflict
    from wuxing.core.text import normalize_text
    from wuxing.orgs import services

    user = request.auth  # type: ignore[attr-defined]
    org = get_visible(visible_orgs(user).filter(level=Level.BRANCH), pk=org_id)
    if not user.has_perm("orgs.change_orgunit", org):
        return Status(403, {"detail": "您没有权限修改该组织"})
    data = payload.dict(exclude_unset=True, exclude={"lock_version", "reason"})
    data = {k: (normalize_text(v) if isinstance(v, str) else v) for k, v in data.items() if v is not None}
    try:
        services.update_org(user, org, data, payload.reason, expected_version=payload.lock_version)
    except EditConflict as exc:
        current: Any = exc.current
        return Status(
            409,
            {
                "detail": exc.messages[0],
                "current": {
                    "lock_version": current.lock_version,
                    "name": current.name,
                    "member_count": current.member_count,
                    "branch_type": current.branch_type,
                    "area_kind": current.area_kind,
                },
            },
        )
    except ValidationError as exc:
        errors = {k: "；".join(v) for k, v in exc.message_dict.items()} if hasattr(exc, "error_dict") else {}
        return Status(400, {"detail": "；".join(exc.messages), "errors": errors})
    return get_org(request, org.pk)
