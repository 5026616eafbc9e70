"""The first page's numbers as Excel (through core.excel): the same figures as its charts and tables."""

from __future__ import annotations

from typing import Any

from wuxing.core.excel import Column, Sheet
from wuxing.dashboard.queries import LEVELS

LEVEL_COLUMNS = [Column(f"l{level}", f"{level}星", width=8) for level in LEVELS]


def overview_sheets(ctx: dict[str, Any], year: int) -> list[Sheet]:
    """District, street and unit first pages: per street, in total, last year, entry progress, and for a
    street the organisations closest to their next star; for a unit its organisations with their gaps."""
    streets, total, progress = ctx["streets"], ctx["total"], ctx["progress"]
    street_columns = [
        Column("street", "街道/镇"),
        Column("orgs", "组织数", width=8),
        *LEVEL_COLUMNS,
        Column("three_plus", "三星及以上", width=10),
        Column("pct", "三星及以上占比（%）", width=12),
        Column("five", "五星", width=8),
        Column("four", "四星", width=8),
    ]
    sheets = [
        Sheet(
            f"{year}年各街道星级",
            street_columns,
            [
                [s.name, s.orgs, *s.counts, s.three_plus, s.three_plus_percent, s.five, s.four]
                for s in [*streets, total]
            ],
        ),
        Sheet(
            f"{year}年星级分布",
            [Column("level", "星级"), Column("count", "组织数")],
            [[f"{level}星", total.counts[level]] for level in LEVELS],
        ),
    ]
    if ctx.get("prev_total") is not None:
        prev = ctx["prev_total"]
        sheets.append(
            Sheet(
                "与上年对比",
                [
                    Column("level", "星级"),
                    Column("prev", f"{ctx['prev_year']}年"),
                    Column("this", f"{year}年"),
                ],
                [[f"{level}星", prev.counts[level], total.counts[level]] for level in LEVELS],
            )
        )
    sheets.append(
        Sheet(
            "填报进度",
            [Column("what", "项目", width=30), Column("count", "组织数")],
            [
                ["纳入评定的组织", progress.orgs],
                ["全部指标已填报", progress.complete],
                ["有指标缺少佐证材料", progress.lacking_evidence],
            ],
        )
    )
    if ctx.get("closest") is not None:
        sheets.append(
            Sheet(
                "距下一颗星",
                [
                    Column("street", "街道/镇"),
                    Column("name", "组织", width=22),
                    Column("level", "当前星级", width=8),
                    Column("star", "最接近的星", width=14),
                    Column("items", "差距项数", width=8),
                    Column("points", "差分", width=8),
                    Column("reasons", "差距", width=80),
                ],
                (
                    [
                        n.row.street,
                        n.row.org_name,
                        n.row.level,
                        n.star,
                        n.items,
                        n.points,
                        "\n".join(n.reasons),
                    ]
                    for n in ctx["closest"]
                ),
            )
        )
    if ctx["role"] == "unit":
        sheets.append(
            Sheet(
                "联系的组织",
                [
                    Column("street", "街道/镇"),
                    Column("name", "组织", width=22),
                    Column("level", "星级", width=8),
                    Column("gaps", "差距清单", width=80),
                ],
                ([r.street, r.org_name, r.level, "\n".join(r.gaps)] for r in ctx["rows"]),
            )
        )
    return sheets


def secretary_sheets(ctx: dict[str, Any], year: int) -> list[Sheet]:
    """A secretary's first page: points per star against the pass mark, what to fill, missing evidence."""
    row = ctx.get("row")
    sheets = []
    if row is not None:
        sheets.append(
            Sheet(
                f"{year}年各星得分",
                [
                    Column("star", "星", width=14),
                    Column("points", "得分"),
                    Column("min", "达标线"),
                    Column("awarded", "是否获得"),
                    Column("reasons", "差距", width=80),
                ],
                [
                    [r.name, r.points, r.min_points, "是" if r.awarded else "否", "\n".join(r.reasons)]
                    for r in ctx["star_results"]
                ],
            )
        )
        sheets.append(
            Sheet(
                "待填报指标",
                [Column("star", "星", width=14), Column("indicator", "指标", width=40)],
                [[s["star"], name] for s in ctx["to_fill"] for name in s["indicators"]],
            )
        )
        sheets.append(
            Sheet(
                "缺少佐证材料",
                [Column("indicator", "指标", width=40), Column("evidence", "应提供的佐证", width=40)],
                [[ind.name, ind.evidence] for ind in ctx["missing_evidence"]],
            )
        )
    else:
        sheets.append(Sheet(f"{year}年", [Column("note", "说明", width=40)], [["该年度尚无本组织的评定"]]))
    return sheets
