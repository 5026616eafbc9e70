"""Star ratings and rulebooks over the API: the same scoped loader and the same engine as the pages
and the `rate` command."""

from decimal import Decimal
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from wuxing.api.schemas import ErrorOut, Ref
from wuxing.core.scoping import get_visible, visible_orgs
from wuxing.orgs.models import Level
from wuxing.rules import queries
from wuxing.rules.models import RulebookVersion

router = Router()
rulebooks_router = Router()

KindName = Literal["rural", "community"]


class RatingFilters(Schema):
    year: int = Field(..., description="年度，如 2023")
    street: str | None = Field(None, description="街道/镇编码，如 ZB")
    kind: KindName | None = Field(None, description="类型：rural 农村，community 城市社区")
    level: int | None = Field(None, ge=0, le=5, description="只看某个星级（0–5）")


class RatingOut(Schema):
    org_id: int = Field(..., description="组织 ID")
    org_code: str = Field(..., description="组织编码")
    org_name: str = Field(..., description="组织名称")
    street: Ref = Field(..., description="所属街道/镇")
    kind: KindName = Field(..., description="类型")
    year: int = Field(..., description="年度")
    rulebook_version: int = Field(..., description="计算所用的细则版本号")
    placeholder_rules: bool = Field(..., description="细则含默认（非官方）条目")
    level: int = Field(..., description="星级：获得的星数（0–5）")
    stars: list[str] = Field(..., description="获得的星（代码，按细则顺序）")
    points: dict[str, Decimal] = Field(..., description="各星得分（星代码 → 分数，两位小数）")
    gaps: list[str] = Field(..., description="差距清单：每颗未获得的星为什么没有获得")

    @staticmethod
    def of(row: queries.RatingRow) -> dict[str, Any]:
        data = row.as_json()
        data["street"] = {"code": row.street_code, "name": row.street}
        data["points"] = row.result.points
        return data


class StarOut(Schema):
    code: str = Field(..., description="星代码，如 cyxw")
    name: str = Field(..., description="星名称")
    awarded: bool = Field(..., description="是否获得")
    points: Decimal = Field(..., description="得分")
    min_points: Decimal = Field(..., description="达标分")
    gap_points: Decimal = Field(..., description="距达标分还差多少分（≥0）")
    reasons: list[str] = Field(..., description="未获得的原因（已获得时为空）")


class RatingDetailOut(RatingOut):
    star_results: list[StarOut] = Field(..., description="各星明细")


def _street(request: HttpRequest, code: str | None) -> Any:
    if not code:
        return None
    street = visible_orgs(request.auth).filter(level=Level.STREET, code__iexact=code).first()  # type: ignore[attr-defined]
    if street is None:
        raise Http404
    return street


@router.get(
    "",
    response=list[RatingOut],
    summary="星级评定结果",
    description="按当前启用的细则计算调用者权限范围内各组织的星级、各星得分和差距清单（与页面、命令行同一引擎）。",
)
@paginate(PageNumberPagination)
def list_ratings(request: HttpRequest, filters: Query[RatingFilters]) -> Any:
    rows = queries.rate(
        request.auth,  # type: ignore[attr-defined]  # set by django-ninja's authentication
        filters.year,
        street=_street(request, filters.street),
        kind=filters.kind,
    )
    if filters.level is not None:
        rows = [r for r in rows if r.level == filters.level]
    return _LazyRows(rows)


class _LazyRows(list):
    """Rows turned into API objects only for the page being returned (gap lists are built lazily)."""

    def __getitem__(self, item: Any) -> Any:
        got = super().__getitem__(item)
        if isinstance(item, slice):
            return [RatingOut.of(r) for r in got]
        return RatingOut.of(got)


@router.get(
    "/{int:org_id}",
    response={200: RatingDetailOut, 404: ErrorOut},
    summary="一个组织的星级卡片",
    description="一个组织的星级、各星得分，以及每颗未获得的星的具体原因。",
)
def rating_detail(request: HttpRequest, org_id: int, year: int) -> Any:
    org = get_visible(visible_orgs(request.auth).filter(level=Level.BRANCH), pk=org_id)  # type: ignore[attr-defined]
    rows = queries.rate(request.auth, year, org_ids=[org.pk])  # type: ignore[attr-defined]
    if not rows:
        raise Http404
    row = rows[0]
    data = RatingOut.of(row)
    data["star_results"] = [
        {
            "code": s.code,
            "name": s.name,
            "awarded": s.awarded,
            "points": s.points,
            "min_points": s.min_points,
            "gap_points": s.gap_points,
            "reasons": list(s.reasons),
        }
        for s in row.result.star_results.values()
    ]
    return data


class RulebookOut(Schema):
    id: int
    year: int = Field(..., description="年度")
    kind: KindName = Field(..., description="适用类型")
    version: int = Field(..., description="版本号")
    title: str = Field(..., description="名称")
    is_active: bool = Field(..., description="是否当前启用")
    is_placeholder: bool = Field(..., description="含默认（非官方）条目")
    change_note: str = Field(..., description="修订说明")


class RulebookDetailOut(RulebookOut):
    content: str = Field(..., description="细则 YAML 原文")


@rulebooks_router.get("", response=list[RulebookOut], summary="星级细则版本列表")
def list_rulebooks(request: HttpRequest, year: int | None = None) -> Any:
    qs = RulebookVersion.objects.order_by("-year", "kind", "-version")
    if year is not None:
        qs = qs.filter(year=year)
    return list(qs)


@rulebooks_router.get(
    "/{int:rulebook_id}", response={200: RulebookDetailOut, 404: ErrorOut}, summary="一个细则版本"
)
def rulebook_detail(request: HttpRequest, rulebook_id: int) -> Any:
    return get_visible(RulebookVersion.objects.all(), pk=rulebook_id)
