"""The year's entitlements over the API: the same lines (and explanations) as the page, the command and
the Excel ledger, scoped to the caller."""

from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from wuxing.api.pagination import BoundedPages
from wuxing.core.dates import YEAR_MAX, YEAR_MIN
from wuxing.funds import queries
from wuxing.funds.engine import Line

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
    source: str = Field(..., description="所读星级的来源：named、live、import、demo；不依赖星级时为空")

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
