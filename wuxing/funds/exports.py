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
    if result.provisional:
        notes.append(
            ["本年度评星尚未命名：星级为预估（未命名），按上年正式星级预估，本表仅供参考，不是发放依据。"]
        )
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


def budget_sheets(b: Any) -> list[Sheet]:
    """The budget as on the page: per street and item, the street's total and the previous year's."""
    from wuxing.funds.engine import ITEM_LABELS, ITEMS

    columns = [
        Column("street_code", "街道编码", width=12),
        Column("street", "街道/镇", width=16),
        *[Column(item, f"{ITEM_LABELS[item]}（元）", width=16) for item in ITEMS],
        Column("total", "合计（元）", width=16),
        Column("previous", f"{b.year - 1}年合计（元）", width=16),
        Column("change", "增减（元）", width=16),
    ]
    rows: list[list[Any]] = []
    for r in b.rows:
        change = r.total - r.previous if r.previous is not None else None
        rows.append([r.code, r.name, *r.amounts, r.total, r.previous, change])
    change = b.total - b.previous_total if b.previous_total is not None else None
    rows.append(["", "全区合计", *b.totals, b.total, b.previous_total, change])
    notes = [[f"{b.year}年度参数：{'区委组织部已保存' if b.result.saved else '未保存，使用默认值'}"]]
    notes += [[f"星级来源 {text}"] for text in b.result.source_text()]
    if b.result.provisional:
        notes.append(
            ["含预估（未命名）星级：本年度评星尚未命名，按上年正式星级预估，仅供预算，不能据此发放。"]
        )
    notes.append([f"上年对比：{b.previous_label or '上年无数据'}"])
    notes.append(["各街道合计为该街道各行之和；全区合计为各街道合计之和。金额以元为单位，精确到分。"])
    return [
        Sheet("预算", columns, rows, frozen_columns=2),
        Sheet("说明", NOTE_COLUMNS, notes),
    ]


def ledger_sheets(
    ledger: Any, lines: list[dict[str, Any]], total: Any, compare_label: str, diffs: Any
) -> list[Sheet]:
    """An approved version as it was approved (within the user's scope), and its differences."""
    rows = [
        [
            x["street"],
            x["org_code"],
            x["org"],
            x["item_label"],
            x["person"] or "",
            x["amount"],
            x["source_label"],
            x["rule"],
        ]
        for x in lines
    ]
    from decimal import Decimal

    from django.utils.timezone import localtime

    rows = [[*r[:5], Decimal(r[5]), *r[6:]] for r in rows]
    who = str(ledger.approved_by or "系统")
    notes = [
        [f"{ledger}：{who} 于 {localtime(ledger.approved_at):%Y-%m-%d %H:%M} 批准；说明：{ledger.reason}"],
        [f"合计 {total:,.2f} 元（各行之和）"],
        [f"差异：本版 → {compare_label}（{len(diffs)} 行）"],
    ]
    diff_rows = [[d.kind, d.org, d.item, d.person, d.before, d.after, d.rule] for d in diffs]
    return [
        Sheet("台账", LINE_COLUMNS, rows, frozen_columns=3),
        Sheet("说明", NOTE_COLUMNS, notes),
        Sheet("差异", DIFF_COLUMNS, diff_rows),
    ]
