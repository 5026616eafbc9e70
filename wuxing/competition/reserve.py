"""储备对象 with their progress: the engine's gaps to the target level (rules.queries.rate, one call for
all candidates) and the monthly scores and district places of the year (one query)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from wuxing.competition.goals import gaps_to
from wuxing.competition.queries import monthly_rankings, org_infos, visible_reserve
from wuxing.core.excel import Column, Sheet


@dataclass
class ReserveRow:
    candidate: Any
    level: int | None
    source: str
    items: int
    points: Decimal
    reasons: list[str]
    months: dict[int, tuple[Decimal, int]] = field(default_factory=dict)  # month → (score, district place)


def reserve_rows(user: Any, year: int) -> tuple[list[ReserveRow], list[int]]:
    from wuxing.rules.queries import rate

    candidates = list(visible_reserve(user, year).order_by("org__code"))
    ids = [c.org_id for c in candidates]
    rated = {r.org_id: r for r in rate(user, year, org_ids=ids)} if ids else {}
    infos = org_infos()
    places: dict[int, dict[int, tuple[Decimal, int]]] = {}
    ranks = monthly_rankings(user, year, infos=infos, only=ids)  # the candidates' rows only
    for k in ranks:
        for r in k.rows:
            places.setdefault(r.org.pk, {})[k.period] = (r.score, r.rank)
    out = []
    for c in candidates:
        row = rated.get(c.org_id)
        if row is None:
            out.append(ReserveRow(c, None, "", 0, Decimal(0), [], places.get(c.org_id, {})))
            continue
        items, points, reasons = gaps_to(row.result, c.target_level)
        out.append(
            ReserveRow(c, row.level, row.source_label, items, points, reasons, places.get(c.org_id, {}))
        )
    return out, [k.period for k in ranks]


def reserve_sheets(rows: list[ReserveRow], months: list[int]) -> list[Sheet]:
    columns = [
        Column("org_code", "组织编码", width=12), Column("org", "组织", width=20),
        Column("target", "目标星级", width=8), Column("cadre", "责任干部", width=10),
        Column("level", "当前星级", width=8), Column("source", "星级来源", width=10),
        Column("items", "差距项数", width=8), Column("gaps", "差距清单", width=80),
        *[Column(f"m{m}", f"{m}月得分/名次", width=12) for m in months],
    ]  # fmt: skip
    data = (
        [r.candidate.org.code, r.candidate.org.name, r.candidate.target_level, r.candidate.cadre, r.level,
         r.source, r.items, "；".join(r.reasons),
         *[f"{r.months[m][0]}/{r.months[m][1]}" if m in r.months else "" for m in months]]
        for r in rows
    )  # fmt: skip
    return [Sheet("储备对象", columns, data)]
