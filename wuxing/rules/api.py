"""Star ratings and rulebooks over the API: the same scoped loader and the same engine as the pages
and the `rate` command."""

from decimal import Decimal
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from wuxing.api.pagination import BoundedPages
from wuxing.api.schemas import ConflictOut, ErrorOut, FieldErrorsOut, Ref
from wuxing.core.dates import YEAR_MAX, YEAR_MIN
from wuxing.core.scoping import get_visible, visible_orgs
from wuxing.orgs.models import Level
from wuxing.rules import kept, queries
from wuxing.rules.models import RulebookVersion

router = Router()
rulebooks_router = Router()

KindName = Literal["rural", "community"]


class RatingFilters(Schema):
    year: int = Field(..., ge=YEAR_MIN, le=YEAR_MAX, description="年度，如 2023")
    street: str | None = Field(None, description="街道/镇编码，如 ZB")
    kind: KindName | None = Field(None, description="类型：rural 农村，community 城市社区")
    level: int | None = Field(None, ge=0, le=5, description="只看某个星级（0–5）")


class YearParam(Schema):
    year: int = Field(..., ge=YEAR_MIN, le=YEAR_MAX, description="年度，如 2023")


class RulebookFilters(Schema):
    year: int | None = Field(None, ge=YEAR_MIN, le=YEAR_MAX, description="只看某年度的细则")


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
    source: Literal["named", "live"] = Field(
        ...,
        description="结果来源：named 为该年度已命名的正式记录（命名时冻结，摘星后不含被摘的星），"
        "live 为尚未命名年度按当前细则和数据的实时评定",
    )

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
    root_stars: list[str] = Field(
        ...,
        description="连锁丢星的根源：因“须先获得”链条而未获得时，链条上本身不够格的星的代码（否则为空）",
    )


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
@paginate(BoundedPages)
def list_ratings(request: HttpRequest, filters: Query[RatingFilters]) -> Any:
    user = request.auth  # type: ignore[attr-defined]  # set by django-ninja's authentication
    street = _street(request, filters.street)
    if kept.refresh_scope(user, filters.year, street=street):
        return _KeptPages(
            user,
            filters.year,
            kept.filtered(
                kept.kept_ratings(user, filters.year, street=street, kind=filters.kind), filters.level
            ),
        )
    rows = queries.rate(user, filters.year, street=street, kind=filters.kind)
    if filters.level is not None:
        rows = [r for r in rows if r.level == filters.level]
    return _LazyRows(rows)


class _KeptPages:
    """The kept ratings as the paginator sees them: counted in SQL, and only the page's organisations
    rated (with their gap lists) when a slice is taken."""

    def __init__(self, user: Any, year: int, rows: Any) -> None:
        self._user, self._year, self._rows = user, year, rows

    def __len__(self) -> int:
        return int(self._rows.count())

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        start = item.start or 0
        rows = kept.page_rows(self._user, self._year, self._rows, "street", start, item.stop - start)
        return [RatingOut.of(r) for r in rows]


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
def rating_detail(request: HttpRequest, org_id: int, year: Query[YearParam]) -> Any:
    org = get_visible(visible_orgs(request.auth).filter(level=Level.BRANCH), pk=org_id)  # type: ignore[attr-defined]
    rows = queries.rate(request.auth, year.year, org_ids=[org.pk])  # type: ignore[attr-defined]
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
            "root_stars": [ref.code for ref in s.root_stars],
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
def list_rulebooks(request: HttpRequest, filters: Query[RulebookFilters]) -> Any:
    qs = RulebookVersion.objects.order_by("-year", "kind", "-version")
    if filters.year is not None:
        qs = qs.filter(year=filters.year)
    return list(qs)


@rulebooks_router.get(
    "/{int:rulebook_id}", response={200: RulebookDetailOut, 404: ErrorOut}, summary="一个细则版本"
)
def rulebook_detail(request: HttpRequest, rulebook_id: int) -> Any:
    return get_visible(RulebookVersion.objects.all(), pk=rulebook_id)


# --- indicator values (scores) ---------------------------------------------------------------------------

scores_router = Router()


class ScoreValueOut(Schema):
    indicator: str = Field(..., description="指标编码，如 cyxw.income")
    name: str = Field(..., description="指标名称")
    star: str = Field(..., description="所属星代码")
    value: str | None = Field(..., description="填报值（与填报页显示的写法相同；未填报为 null）")
    entered_by: Literal["secretary", "street", "district"] = Field(
        ..., description="细则规定由谁填报：secretary 书记，street 街道（镇）专班，district 区委组织部"
    )
    may_edit: bool = Field(..., description="调用者能否修改这一项")
    updated_by: str | None = Field(None, description="最近填报人")
    updated_at: str | None = Field(None, description="最近填报时间（北京时间，ISO 8601）")


class ScoreSheetOut(Schema):
    org_id: int
    org_code: str
    year: int
    rulebook_version: int = Field(..., description="填报所依据的细则版本号")
    values: list[ScoreValueOut]


class ScoreChangeIn(Schema):
    indicator: str = Field(..., max_length=64, description="指标编码")
    value: str | int | Decimal | bool | None = Field(
        ..., description="新值：数字、“是/否”，null 表示清空（未填报）"
    )
    expected: str | int | Decimal | bool | None = Field(
        ...,
        description="您读到的旧值（GET 返回的 value；未填报为 null）。若他人已改动，返回 409，不保存任何内容",
    )


class ScoreChangesIn(Schema):
    changes: list[ScoreChangeIn] = Field(
        ..., max_length=200, description="要修改的指标，一次全部成功或全部不保存"
    )
    note: str = Field("", max_length=300, description="填报说明（记入变更历史）")


class ScoreSaveOut(Schema):
    created: int
    updated: int
    deleted: int
    unchanged: int


def _scored_org(request: HttpRequest, org_id: int, year: int) -> tuple[Any, Any]:
    from wuxing.rules import services

    org = get_visible(visible_orgs(request.auth).filter(level=Level.BRANCH), pk=org_id)  # type: ignore[attr-defined]
    rb = services.active_rulebook(year, org.area_kind)
    if rb is None:
        raise Http404
    return org, rb


@scores_router.get(
    "/{int:org_id}",
    response={200: ScoreSheetOut, 404: ErrorOut},
    summary="一个组织的指标填报值",
    description="一个组织某年度每项指标的填报值、由谁填报、调用者能否修改。修改时把这里的 value 作为 expected 发回。",
)
def score_sheet(request: HttpRequest, org_id: int, year: int = Query(..., ge=2000, le=2100)) -> Any:
    from django.utils import timezone

    from wuxing.rules import services

    user = request.auth  # type: ignore[attr-defined]
    org, rb = _scored_org(request, org_id, year)
    book = rb.rulebook
    values = queries.org_values(org, year, book)
    scores = {s.indicator_code: s for s in queries.scores_with_evidence(org, year)}
    may_enter_org = user.has_perm("starrules.enter_scores_for", org)
    rows = []
    for star, ind in book.iter_indicators():
        score = scores.get(ind.code)
        shown = services.display_value(ind, values.get(ind.code))
        rows.append(
            {
                "indicator": ind.code,
                "name": ind.name,
                "star": star.code,
                "value": shown or None,
                "entered_by": ind.entered_by,
                "may_edit": may_enter_org and services.may_enter_indicator(user, ind),
                "updated_by": (
                    (score.entered_by.get_full_name() or score.entered_by.username)
                    if score is not None and score.entered_by is not None
                    else None
                ),
                "updated_at": timezone.localtime(score.entered_at).isoformat() if score is not None else None,
            }
        )
    return {
        "org_id": org.pk,
        "org_code": org.code,
        "year": year,
        "rulebook_version": rb.version,
        "values": rows,
    }


def _as_input(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


@scores_router.patch(
    "/{int:org_id}",
    response={200: ScoreSaveOut, 400: FieldErrorsOut, 403: ErrorOut, 404: ErrorOut, 409: ConflictOut},
    summary="修改一个组织的指标填报值",
    description=(
        "逐项给出新值和读到的旧值（expected）。全部校验通过才保存；任何一项有误返回 400，"
        "他人已改动返回 409（附现值），都不保存任何内容。细则规定由上级评定的指标，书记不能修改（400）。"
    ),
)
def save_score_values(
    request: HttpRequest,
    org_id: int,
    payload: ScoreChangesIn,
    year: int = Query(..., ge=2000, le=2100),
) -> Any:
    from django.core.exceptions import PermissionDenied, ValidationError

    from wuxing.rules import services

    user = request.auth  # type: ignore[attr-defined]
    org, _rb = _scored_org(request, org_id, year)
    if not user.has_perm("starrules.enter_scores_for", org):
        return Status(403, {"detail": "您没有权限填报该组织的指标"})
    raw = {c.indicator: _as_input(c.value) for c in payload.changes}
    expected = {c.indicator: _as_input(c.expected) for c in payload.changes}
    if len(raw) != len(payload.changes):
        return Status(400, {"detail": "同一指标在一次请求中出现了多次", "errors": {}})
    try:
        counts = services.save_scores(user, org, year, raw, payload.note, expected=expected)
    except services.ScoreConflict as exc:
        return Status(
            409,
            {
                "detail": "；".join(m for msgs in exc.message_dict.values() for m in msgs),
                "current": exc.current,
            },
        )
    except ValidationError as exc:
        errors = {k: "；".join(v) for k, v in exc.message_dict.items()} if hasattr(exc, "error_dict") else {}
        return Status(400, {"detail": "；".join(exc.messages), "errors": errors})
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc) or "您没有权限执行此操作"})
    return counts
