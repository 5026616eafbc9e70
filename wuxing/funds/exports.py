"""The entitlements ledger as Excel: every line with its rule, then the totals by street (the sum of the
lines), then the parameters and sources used."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wuxing.core.excel import Column, Sheet
from wuxing.funds.queries import Entitlements

LINE_COLUMNS = [
    Column("street", "街道/镇", width=14),
    Column("org_code", "组织编码", width=12),
    Column("org", "组织", width=18),
    Column("item", "项目", width=18),
    Column("person", "人员", width=10),
    Column("amount", "金额（元）", width=14),
    Column("source", "星级来源", width=12),
    Column("rule", "依据与计算", width=90),
]
TOTAL_COLUMNS = [
    Column("street_code", "街道编码", width=12),
    Column("street", "街道/镇", width=16),
    Column("total", "合计（元）", width=16),
]
NOTE_COLUMNS = [Column("note", "说明", width=120)]


DIFF_COLUMNS = [
    Column("kind", "差异", width=8),
    Column("org", "组织", width=18),
    Column("item", "项目", width=18),
    Column("person", "人员", width=10),
    Column("before", "已批准（元）", width=14),
    Column("after", "现在（元）", width=14),
    Column("rule", "现在的依据", width=90),
]


def sheets(result: Entitlements, ledger: Any = None, diffs: Any = ()) -> list[Sheet]:
    from wuxing.funds.engine import SOURCE_LABELS

    def lines() -> Iterator[list[Any]]:
        for line in result.lines:
            yield [
                line.org.street_name, line.org.code, line.org.name, line.item_label,
                line.person_name or "", line.amount, SOURCE_LABELS.get(line.source, "不依赖星级"), line.rule,
            ]  # fmt: skip

    totals = [[code, name, total] for code, name, total in result.street_totals()]
    totals.append(["", "全区合计", result.total])
    notes = [[f"{result.year}年度参数：{'区委组织部已保存' if result.saved else '未保存，使用默认值'}"]]
    notes += [[text] for text in result.source_text()]
    notes += [[f"未计算：{m}"] for m in result.outcome.missing]
    notes += [[f"未享受：{m}"] for m in result.outcome.notes]
    notes.append(["金额以元为单位，精确到分，每行四舍五入（ROUND_HALF_UP）一次；合计为各行之和。"])
    out = [
        Sheet("台账", LINE_COLUMNS, lines(), frozen_columns=3),
        Sheet("街道合计", TOTAL_COLUMNS, totals),
        Sheet("说明", NOTE_COLUMNS, notes),
    ]
    if ledger is not None:
        notes.insert(
            0, [f"已批准发放台账第{ledger.version}版；与其差异见“与已批准版本的差异”（{len(diffs)} 行）"]
        )
        rows = [[d.kind, d.org, d.item, d.person, d.before, d.after, d.rule] for d in diffs]
        out.append(Sheet("与已批准版本的差异", DIFF_COLUMNS, rows))
    return out
