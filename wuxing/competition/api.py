"""The year's goals and the monthly rankings over the API: the same numbers as the pages, the command and
the Excel files, scoped to the caller (a street gets its own street and organisations)."""

from collections.abc import Sequence
from itertools import accumulate
from typing import Any, overload

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from wuxing.api.pagination import BoundedPages
from wuxing.competition import goals, queries
from wuxing.core.dates import YEAR_MAX, YEAR_MIN

router = Router()
competition_router = Router()


class GoalFilters(Schema):
    year: int = Field(..., ge=YEAR_MIN, le=YEAR_MAX, description="年度，如 2023")


class ClosestOut(Schema):
    org_code: str
    org_name: str
    level: int = Field(..., description="当前星级")
    target: int = Field(..., description="目标星级")
    gap_items: int = Field(..., description="差距项数（还差的星中差距最少的几颗）")
    gap_points: str = Field(..., description="差分（十进制字符串）")


class StreetGoalOut(Schema):
    code: str
    name: str
    orgs: int
    counts: list[int] = Field(..., description="0–5 星各多少个组织")
    met: bool = Field(..., description="两项目标是否都达成")
    branch_goal_met: bool
    below_level: int = Field(..., description="未达目标星级的组织数")
    five: int
    four: int = Field(..., description="计入四星目标的组织数")
    five_short: int
    four_short: int
    reasons: list[str]
    closest: dict[str, list[ClosestOut]] = Field(
        ..., description="未达标目标（branch、five、four）→ 最接近达标的组织"
    )


class GoalTextOut(Schema):
    code: str
    text: str
    basis: str


class GoalsOut(Schema):
    year: int
    source: str = Field(..., description="星级来源：命名结果、实时评定或部分命名")
    goals: list[GoalTextOut]
    streets: list[StreetGoalOut]


@router.get(
    "",
    response=GoalsOut,
    summary="年度目标达成",
    description="每个街道(镇)是否达成本年度目标（村(社区)星级目标；五星、四星数量目标）、差多少，以及最接近达标的组织"
    "（差距最少的在前）。街道用户只得到本街道。",
)
def year_goals(request: HttpRequest, filters: Query[GoalFilters]) -> Any:
    return goals.evaluate(request.auth, filters.year).as_json()  # type: ignore[attr-defined]


class RankingFilters(Schema):
    year: int = Field(..., ge=YEAR_MIN, le=YEAR_MAX, description="年度，如 2023")
    month: int | None = Field(None, ge=1, le=12, description="只看某月")


class RankingOut(Schema):
    month: int
    org_code: str
    org_name: str
    street_code: str
    score: str = Field(..., description="月考评总分（十进制字符串）")
    rank: int = Field(..., description="全区并列名次（同分同名次，名次连续）")
    of: int = Field(..., description="全区参评组织数")
    street_rank: int
    street_of: int


@competition_router.get(
    "/rankings",
    response=list[RankingOut],
    summary="月考评排名",
    description="调用者权限范围内各组织每月的全区名次和街道内名次（名次按全区全部参评组织计算）。同名次内按组织编码排列。",
)
@paginate(BoundedPages)
def rankings(request: HttpRequest, filters: Query[RankingFilters]) -> Any:
    months = [filters.month] if filters.month else None
    found = queries.monthly_rankings(request.auth, filters.year, months)  # type: ignore[attr-defined]
    return RankingItems(found)


class RankingItems(Sequence[dict[str, Any]]):
    """The months' rows one after another, as API items built only for the page asked for (a province's
    year is 600,000 rows)."""

    def __init__(self, rankings: list[queries.Ranking]) -> None:
        self.rankings = rankings
        self.ends = list(accumulate(len(k.rows) for k in rankings))

    def __len__(self) -> int:
        return self.ends[-1] if self.ends else 0

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if not isinstance(index, slice):
            return self[index : index + 1 or None][0]
        start, stop, step = index.indices(len(self))
        if step != 1:
            raise ValueError("step")
        out = []
        begin = 0
        for k, end in zip(self.rankings, self.ends, strict=True):
            if start < end and stop > begin:
                out += [_item(k, r) for r in k.rows[max(start - begin, 0) : min(stop, end) - begin]]
            begin = end
        return out


def _item(k: queries.Ranking, r: queries.RankRow) -> dict[str, Any]:
    return {"month": k.period, "org_code": r.org.code, "org_name": r.org.name, "street_code": r.org.street_code,
            "score": str(r.score), "rank": r.rank, "of": r.of, "street_rank": r.street_rank, "street_of": r.street_of}  # fmt: skip
