"""Rating outputs shared by the pages, the API and the `rate` command."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from wuxing.core.excel import Column, Sheet
from wuxing.rules.queries import RatingRow, distribution


def _star_codes(rows: Sequence[RatingRow]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Per kind, the (code, name) of its five stars, in rulebook order."""
    seen: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        if row.kind not in seen:
            seen[row.kind] = [(s.code, s.name) for s in row.rulebook.rulebook.stars]
    return list(seen.items())


def ratings_sheets(rows: Sequence[RatingRow], year: int) -> list[Sheet]:
    """The rating table for Excel: one sheet per kind (rows produced as the writer asks for them) and
    the star distribution."""
    sheets = []
    for kind, stars in _star_codes(rows):
        label = next(r.kind_label for r in rows if r.kind == kind)
        columns = [
            Column("street", "街道/镇"),
            Column("code", "组织编码"),
            Column("name", "组织名称", width=22),
            Column("level", "星级"),
            Column("stars", "获得的星", width=30),
            *[Column(code, f"{name}得分") for code, name in stars],
            Column("gaps", "差距清单", width=80),
            Column("version", "细则版本"),
        ]
        sheets.append(Sheet(f"{year}年{label}", columns, _rating_rows(rows, kind, stars)))
    dist = distribution(rows)
    sheets.append(
        Sheet(
            "星级分布",
            [Column("level", "星级"), Column("count", "组织数")],
            [[f"{k}星", v] for k, v in sorted(dist.items())],
        )
    )
    return sheets


def _rating_rows(rows: Sequence[RatingRow], kind: str, stars: list[tuple[str, str]]) -> Iterator[list[Any]]:
    names = dict(stars)
    for r in rows:
        if r.kind != kind:
            continue
        yield [
            r.street,
            r.org_code,
            r.org_name,
            r.level,
            "、".join(names[c] for c in r.result.stars),
            *[r.result.points[code] for code, _n in stars],
            "\n".join(r.gaps),
            f"{r.rulebook.year}-{kind}-v{r.rulebook.version}"
            + ("（含默认条目）" if r.result.placeholder else ""),
        ]


def ratings_table(rows: Sequence[RatingRow]) -> str:
    lines = [f"{'街道/镇':<8}\t{'编码':<8}\t{'组织':<12}\t星级\t获得的星\t总分"]
    for r in rows:
        total = sum(r.result.points.values())
        lines.append(
            f"{r.street:<8}\t{r.org_code:<8}\t{r.org_name:<12}\t{r.level}\t{','.join(r.result.stars) or '-'}\t{total}"
        )
    dist = distribution(rows)
    lines.append("")
    lines.append("星级分布：" + "，".join(f"{k}星 {v} 个" for k, v in sorted(dist.items(), reverse=True)))
    return "\n".join(lines)
