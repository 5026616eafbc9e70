"""The year's entitlements over the API: the same lines (and explanations) as the page, the command and
the Excel ledger, scoped to the caller."""

from decimal import Decimal
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from wuxing.api.pagination import BoundedPages
from wuxing.api.schemas import ConflictOut, ErrorOut, FieldErrorsOut
from wuxing.core.dates import YEAR_MAX, YEAR_MIN
from wuxing.funds import queries
from wuxing.funds.engine import Line
from wuxing.funds.models import ClaimState

router = Router()

ItemName = Literal["operating", "creation_subsidy", "three_star_reward", "allowance_uplift", "living_subsidy"]


class EntitlementFilters(Schema):
    year: int = Field(..., ge=YEAR_MIN, le=YEAR_MAX, description="年度，如 2024")
    street: str | None = Field(None, max_length=20, description="街道/镇编码，如 ZB")
    item: ItemName | None = Field(None, description="只看某一项目")


class EntitlementOut(Schema):
    org_code: str = Field(..., description="组织编码")
    org_name: str = Field(..., description="组织名称")
    street_code: str = Field(..., description="街道/镇编码")
    person: str | None = Field(None, description="人员姓名（不属于个人的款项为 null）")
    item: ItemName = Field(
        ...,
        description="项目：operating 运转经费，creation_subsidy 创建经费奖补，three_star_reward 三星支部奖励，"
        "allowance_uplift “两委”成员补贴提高，living_subsidy 书记生活补贴",
    )
    amount: str = Field(..., description="金额（元，两位小数的十进制字符串）")
    rule: str = Field(..., description="依据与计算（政策、参数、输入）")
    source: str = Field(
        ...,
        description="所读星级的来源：named、live、import、demo、estimate（评星尚未命名，按上年正式星级"
        "预估）；不依赖星级时为空",
    )

    @staticmethod
    def of(line: Line) -> dict[str, Any]:
        return as_json(line)


def as_json(line: Line) -> dict[str, Any]:
    return {
        "org_code": line.org.code,
        "org_name": line.org.name,
        "street_code": line.org.street_code,
        "person": line.person_name,
        "item": line.item,
        "amount": f"{line.amount:.2f}",
        "rule": line.rule,
        "source": line.source,
    }


@router.get(
    "",
    response=list[EntitlementOut],
    summary="年度应发款项",
    description="调用者权限范围内各组织、各人员当年应发的每一笔款项（运转经费、奖励、补贴），每行附依据与计算。"
    "金额以元为单位精确到分（每行四舍五入一次）。",
)
@paginate(BoundedPages)
def list_entitlements(request: HttpRequest, filters: Query[EntitlementFilters]) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    street = None
    if filters.street:
        street = queries.street_by_code(user, filters.street)
        if street is None:
            raise Http404
    result = queries.entitlements(user, filters.year, street=street, item=filters.item)
    return [as_json(line) for line in result.lines]


# --- creation spending claims (创建经费) ------------------------------------------------------------------------
# The same services, rules and authority as the pages. A new claim needs its receipt file and is submitted
# on the page only; the API lists claims and acts on them: verify, return, approve, reopen (the district
# takes an approved claim back with a reason) and resubmit a returned claim corrected (its receipt kept).

claims_router = Router()
MAX_CLAIMS = 500


class ClaimParams(Schema):
    year: int | None = Field(None, ge=YEAR_MIN, le=YEAR_MAX, description="年度")
    state: ClaimState | None = Field(
        None,
        description="状态：submitted 待街道核实，verified 街道已核实，approved 区级已批准，returned 已退回",
    )
    street: str | None = Field(None, max_length=20, description="街道/镇编码，如 ZB")
    org_code: str | None = Field(None, max_length=30, description="组织编码")


class ClaimOut(Schema):
    id: int = Field(..., description="申报编号")
    org_code: str = Field(..., description="组织编码")
    org_name: str = Field(..., description="组织名称")
    year: int = Field(..., description="年度")
    amount: str = Field(..., description="支出金额（元，两位小数的十进制字符串）")
    description: str = Field(..., description="支出内容")
    receipt_name: str = Field(..., description="票据文件名（票据在页面上查看和上传）")
    state: ClaimState = Field(..., description="状态")
    comment: str = Field(..., description="意见（退回、撤回批准的原因）")
    lock_version: int = Field(..., description="版本号（办理时带上）")


class ClaimActionIn(Schema):
    comment: str = Field("", max_length=500, description="意见；退回、撤回批准时必填")
    lock_version: int = Field(
        ..., ge=0, le=2_000_000_000, description="读取时的版本号；已被他人修改时返回 409"
    )


class ClaimResubmitIn(Schema):
    amount: Decimal = Field(..., gt=0, le=Decimal("99999999.99"), max_digits=10, decimal_places=2,
                            description="更正后的支出金额（元）")  # fmt: skip
    description: str = Field(..., min_length=1, max_length=300, description="更正后的支出内容")
    comment: str = Field("", max_length=300, description="更正说明")
    lock_version: int = Field(
        ..., ge=0, le=2_000_000_000, description="读取时的版本号；已被他人修改时返回 409"
    )


def _claim_out(c: Any) -> dict[str, Any]:
    return {
        "id": c.pk, "org_code": c.org.code, "org_name": c.org.name, "year": c.year,
        "amount": f"{c.amount:.2f}", "description": c.description, "receipt_name": c.receipt_name,
        "state": c.state, "comment": c.comment, "lock_version": c.lock_version,
    }  # fmt: skip


@claims_router.get(
    "",
    response=list[ClaimOut],
    summary="创建经费申报",
    description="调用者范围内的创建经费申报（街道看本街道，书记看本组织），按年度、状态、街道、组织筛选，分页。",
)
@paginate(BoundedPages)
def list_claims(request: HttpRequest, params: Query[ClaimParams]) -> Any:
    user = request.auth  # type: ignore[attr-defined]
    rows = queries.visible_claims(user)
    if params.year is not None:
        rows = rows.filter(year=params.year)
    if params.state is not None:
        rows = rows.filter(state=params.state)
    if params.street:
        street = queries.street_by_code(user, params.street)
        if street is None:
            raise Http404
        rows = rows.filter(org__path__startswith=street.path)
    if params.org_code:
        rows = rows.filter(org__code__iexact=params.org_code)
    return [_claim_out(c) for c in rows.order_by("-year", "org__code", "pk")]


def _act(request: HttpRequest, claim_id: int, work: Any) -> Any:
    from django.core.exceptions import PermissionDenied, ValidationError
    from ninja import Status

    from wuxing.core.locking import EditConflict
    from wuxing.core.scoping import get_visible

    user = request.auth  # type: ignore[attr-defined]
    claim = get_visible(queries.visible_claims(user), pk=claim_id)
    try:
        claim = work(user, claim)
    except EditConflict as exc:
        current: Any = exc.current
        return Status(409, {"detail": exc.messages[0], "current": {"lock_version": current.lock_version}})
    except ValidationError as exc:
        errors = {k: "；".join(v) for k, v in exc.message_dict.items()} if hasattr(exc, "error_dict") else {}
        return Status(400, {"detail": "；".join(exc.messages), "errors": errors})
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc) or "您没有权限执行此操作"})
    return _claim_out(claim)


RESPONSES = {200: ClaimOut, 400: FieldErrorsOut, 403: ErrorOut, 404: ErrorOut, 409: ConflictOut}
OPS = {
    "verify": ("核实", "街道/镇（本街道）或区委组织部：待街道核实 → 街道已核实。"),
    "return": ("退回", "街道/镇（本街道）或区委组织部：待核实或已核实 → 已退回，须填写意见。"),
    "approve": ("批准", "区委组织部：街道已核实 → 区级已批准，计入当年创建经费奖补。"),
    "reopen": ("撤回批准", "区委组织部：区级已批准 → 街道已核实（不再计入奖补），须填写原因。"),
}


def _transition(action: str) -> Any:
    def op(request: HttpRequest, claim_id: int, payload: ClaimActionIn) -> Any:
        from wuxing.core.locking import parse_version
        from wuxing.funds import services

        return _act(
            request, claim_id,
            lambda user, claim: services.claim_transition(
                user, claim, action, payload.comment, expected_version=parse_version(payload.lock_version)
            ),
        )  # fmt: skip

    op.__name__ = f"claim_{action}"
    summary, description = OPS[action]
    claims_router.post(
        f"/{{int:claim_id}}/{action}", response=RESPONSES, summary=summary, description=description
    )(op)
    return op


for _action in OPS:
    _transition(_action)


@claims_router.post(
    "/{int:claim_id}/resubmit",
    response=RESPONSES,
    summary="更正后重新申报",
    description="组织书记（本组织）、街道/镇（本街道）或区委组织部：已退回的申报更正金额和内容后重新申报"
    "（同一申报，历次版本保留；票据不变，更换票据请在页面上操作）。",
)
def claim_resubmit(request: HttpRequest, claim_id: int, payload: ClaimResubmitIn) -> Any:
    from wuxing.core.locking import parse_version
    from wuxing.funds import services

    return _act(
        request, claim_id,
        lambda user, claim: services.resubmit_claim(
            user, claim, payload.amount, payload.description, None, payload.comment,
            expected_version=parse_version(payload.lock_version),
        ),
    )  # fmt: skip
