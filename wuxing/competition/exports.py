"""The competition's pages as Excel: every number of the page (rankings, goals with their closest
organisations, reserve pool), through core.excel (formula escaping, streaming)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wuxing.core.excel import Column, Sheet

RANK_COLUMNS = [
    Column("period", "期", width=14),
    Column("street", "街道/镇", width=14),
    Column("org_code", "组织编码", width=12),
    Column("org", "组织", width=20),
    Column("score", "得分", width=10),
    Column("monthly", "月考评均分", width=12),
    Column("observed", "观摩得分", width=12),
    Column("rank", "全区名次", width=10),
    Column("of", "全区参评数", width=10),
    Column("street_rank", "街道内名次", width=10),
    Column("street_of", "街道参评数", width=10),
]
STREET_COLUMNS = [
    Column("period", "期", width=14),
    Column("street", "街道/镇", width=14),
    Column("mean", "平均分", width=10),
    Column("rank", "街道名次", width=10),
    Column("of", "街道数", width=10),
    Column("orgs", "参评组织", width=10),
]


def ranking_sheets(rankings: Iterable[Any]) -> list[Sheet]:
    rankings = list(rankings)
    rows = (
        [k.label, r.org.street_name, r.org.code, r.org.name, r.score, r.monthly, r.observed, r.rank, r.of,
         r.street_rank, r.street_of]
        for k in rankings for r in k.rows
    )  # fmt: skip
    streets = ([k.label, s.name, s.mean, s.rank, s.of, s.orgs] for k in rankings for s in k.streets)
    return [Sheet("组织排名", RANK_COLUMNS, rows), Sheet("街道排名", STREET_COLUMNS, streets)]


GOAL_COLUMNS = [
    Column("street", "街道/镇", width=14),
    Column("orgs", "组织数", width=8),
    *[Column(f"l{n}", f"{n}星", width=6) for n in range(6)],
    Column("below", "未达目标星级", width=12),
    Column("five", "五星", width=6),
    Column("four", "计入四星", width=8),
    Column("met", "是否达标", width=8),
    Column("reasons", "未达标原因", width=40),
]
CLOSEST_COLUMNS = [
    Column("street", "街道/镇", width=14),
    Column("goal", "目标", width=16),
    Column("org_code", "组织编码", width=12),
    Column("org", "组织", width=20),
    Column("level", "当前星级", width=8),
    Column("target", "目标星级", width=8),
    Column("items", "差距项数", width=8),
    Column("points", "差分", width=8),
    Column("gaps", "差距清单", width=80),
]
GOAL_LABELS = {"branch": "村(社区)星级目标", "five": "五星目标", "four": "四星目标"}


def goal_sheets(report: Any) -> list[Sheet]:
    rows = (
        [s.name, s.orgs, *s.counts, s.below, s.fives, s.fours, "是" if s.met else "否", "；".join(s.reasons)]
        for s in report.streets
    )
    closest = (
        [s.name, GOAL_LABELS[goal], c.code, c.name, c.level, c.target, c.items, c.points, "；".join(c.reasons)]
        for s in report.streets for goal, items in s.closest.items() for c in items
    )  # fmt: skip
    notes = [[g["text"] + "（依据：" + g["basis"] + "）"] for g in report.goals] + [
        [f"星级来源：{report.source}"]
    ]
    return [
        Sheet("目标达成", GOAL_COLUMNS, rows),
        Sheet("最接近达标的组织", CLOSEST_COLUMNS, closest),
        Sheet("说明", [Column("note", "说明", width=100)], notes),
    ]


def observation_rows(event: Any, stops: list[Any], given: dict[tuple[int, str], Any]) -> list[list[Any]]:
    """One row per observer and visited organisation, in the import's shape (评分人, 组织编码, 组织名称, 得分):
    the export can be corrected and imported again."""
    return [
        [name, s.org.code, s.org.name, given.get((s.org_id, name))] for name in event.observers for s in stops
    ]


def observation_sheets(
    event: Any, rows: list[dict[str, Any]], given: dict[tuple[int, str], Any]
) -> list[Sheet]:
    """An event's scores: the page's table (organisations × observers, the observation score and how many
    scores it counts) and the same scores one per row, as the import reads them."""
    from wuxing.competition.services import OBSERVATION_SHEET, observation_columns

    grid_columns = [
        Column("position", "顺序", width=6),
        Column("org_code", "组织编码", width=12),
        Column("org", "组织", width=20),
        *[Column(f"o{i}", name, width=10) for i, name in enumerate(event.observers)],
        Column("mean", "观摩得分", width=10),
        Column("counted", "计入评分数", width=10),
        Column("given", "评分数", width=8),
    ]
    grid = (
        [r["stop"].position, r["stop"].org.code, r["stop"].org.name, *[v for _i, _n, v in r["cells"]],
         *(r["mean"] if r["mean"] else (None, None, None))]
        for r in rows
    )  # fmt: skip
    stops = [r["stop"] for r in rows]
    return [
        Sheet("观摩得分", grid_columns, grid),
        Sheet(OBSERVATION_SHEET, observation_columns(), observation_rows(event, stops, given)),
    ]
