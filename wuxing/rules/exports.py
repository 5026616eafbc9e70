"""Rating outputs shared by the pages, the API and the `rate` command."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from wuxing.core.excel import Column, Sheet
from wuxing.orgs.models import AreaKind
from wuxing.rules.models import RulebookVersion
from wuxing.rules.queries import RatingRow


def ratings_sheets(
    year: int, versions: Mapping[str, RulebookVersion], rows_of: Callable[[str], Iterable[RatingRow]]
) -> list[Sheet]:
    """The rating table for Excel: one sheet per kind, its rows taken from `rows_of(kind)` as the
    writer asks for them (a province is never in memory at once), and the distribution of the rows
    written, counted on the way."""
    counts = dict.fromkeys(range(6), 0)

    def counted(kind: str) -> Iterator[RatingRow]:
        for row in rows_of(kind):
            counts[row.level] += 1
            yield row

    def distribution_rows() -> Iterator[list[Any]]:
        for level in range(6):
            yield [f"{level}星", counts[level]]

    sheets = []
    for kind in [k for k in AreaKind.values if k in versions]:
        rb = versions[kind]
        stars = [(s.code, s.name) for s in rb.rulebook.stars]
        label = str(dict(AreaKind.choices)[kind])
        columns = [
            Column("street", "街道/镇"),
            Column("code", "组织编码"),
            Column("name", "组织名称", width=22),
            Column("level", "星级"),
            Column("stars", "获得的星", width=30),
            *[Column(code, f"{name}得分") for code, name in stars],
            Column("gaps", "差距清单", width=80),
            Column("version", "细则版本"),
            Column("source", "结果来源", width=20),
        ]
        sheets.append(Sheet(f"{year}年{label}", columns, _rating_rows(counted(kind), kind, stars)))
    sheets.append(
        Sheet("星级分布", [Column("level", "星级"), Column("count", "组织数")], distribution_rows())
    )
    return sheets


def _rating_rows(rows: Iterable[RatingRow], kind: str, stars: list[tuple[str, str]]) -> Iterator[list[Any]]:
    names = dict(stars)
    for r in rows:
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
            r.source_label,
        ]


def ratings_table(rows: Iterable[RatingRow]) -> Iterator[str]:
    """The plain-text table, line by line (the `rate` command writes each line as it comes)."""
    yield f"{'街道/镇':<8}\t{'编码':<8}\t{'组织':<12}\t星级\t获得的星\t总分"
    counts = dict.fromkeys(range(6), 0)
    for r in rows:
        counts[r.level] += 1
        total = sum(r.result.points.values())
        yield (
            f"{r.street:<8}\t{r.org_code:<8}\t{r.org_name:<12}\t{r.level}\t{','.join(r.result.stars) or '-'}\t{total}"
        )
    yield ""
    yield "星级分布：" + "，".join(f"{k}星 {v} 个" for k, v in sorted(counts.items(), reverse=True))


def run_ratings_job(job: Any, progress: Callable[[int, int], None]) -> None:
    """The ratings Excel export as a background job (core.jobs): the same sheets as the page's, written
    batch by batch to the job's file, progress every 500 organisations."""
    from wuxing.core.excel import write_workbook
    from wuxing.core.jobs import result_path
    from wuxing.orgs.queries import visible_streets
    from wuxing.rules import kept

    p = job.params
    user, year = job.user, int(p["year"])
    street = visible_streets(user).filter(pk=p["street"]).first() if p.get("street") else None
    kind, level, q, sort = p.get("kind") or None, p.get("level"), p.get("q") or "", p.get("sort") or "street"
    total = kept.filtered(kept.kept_ratings(user, year, street=street, kind=kind), level, q).count()
    done = 0
    progress(0, total)

    def rows_of(only_kind: str) -> Iterator[RatingRow]:
        nonlocal done
        for row in kept.iter_rows(user, year, street=street, kind=only_kind, level=level, q=q, sort=sort):
            done += 1
            if done % 500 == 0:
                progress(done, total)
            yield row

    versions = kept.export_versions(user, year, street=street, kind=kind)
    with open(result_path(job), "wb") as fh:
        write_workbook(ratings_sheets(year, versions, rows_of), fh)
    progress(done, max(total, done))
