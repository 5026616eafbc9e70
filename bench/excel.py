"""Excel export benchmark: the product's writer against a bare openpyxl write-only workbook.

For each size (default 1,000 / 5,000 / 20,000 / 50,000 rows of 12 columns shaped like the rating
export: street, code, name, level, stars, five Decimal star points, a multi-line gap list, the rulebook
version) it measures, interleaved in every round (the order alternates between rounds):

  floor    openpyxl Workbook(write_only=True), ws.append(row) for the same rows, saved to a temporary file
  product  wuxing.core.excel.write_workbook: header styles, widths, frozen header, the formula-safe
           conversion of every value, saved to a temporary file

and prints min and median over the rounds and the ratio of the two. A fresh process then writes the
largest size through the product's writer and reports its peak memory.

  python -m bench.excel                         # sizes 1000 5000 20000 50000, 3 rounds
  python -m bench.excel --sizes 1000 2000 --rounds 5
  python -m bench.excel --ratings               # also the real export: rate() + ratings_sheets + write,
                                                # on the database `python -m bench.rating` generated
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STAR_NAMES = ["支部过硬星", "产业兴旺星", "生态宜居星", "平安法治星", "文明幸福星"]


def setup_django() -> None:
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'bench' / 'out' / 'bench.sqlite3'}")
    os.environ["DJANGO_SETTINGS_MODULE"] = "wuxing.settings"
    import django

    django.setup()


def rating_rows(n: int) -> Iterator[list[Any]]:
    """Rows shaped like the rating export's (deterministic; some names look like formulas)."""
    for i in range(n):
        level = i % 6
        yield [
            f"街道{i // 50:04d}",
            f"S{i // 50:04d}-{i % 50:03d}",
            f"=演示村{i}" if i % 997 == 0 else f"第{i}村党支部",
            level,
            "、".join(STAR_NAMES[:level]),
            *[Decimal(f"{(i * 7 + k * 13) % 100}.{(i + k) % 100:02d}") for k in range(5)],
            "\n".join(f"{STAR_NAMES[k]}：差 {k + 1} 项" for k in range(5 - level)),
            "2023-rural-v1",
        ]


def columns() -> list[Any]:
    from wuxing.core.excel import Column

    return [
        Column("street", "街道/镇"),
        Column("code", "组织编码"),
        Column("name", "组织名称", width=22),
        Column("level", "星级"),
        Column("stars", "获得的星", width=30),
        *[Column(f"s{k}", f"{name}得分") for k, name in enumerate(STAR_NAMES)],
        Column("gaps", "差距清单", width=80),
        Column("version", "细则版本"),
    ]


def floor(n: int) -> float:
    from openpyxl import Workbook

    t0 = time.perf_counter()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("floor")
    ws.append([c.header for c in columns()])
    for row in rating_rows(n):
        ws.append(row)
    with tempfile.TemporaryFile() as out:
        wb.save(out)
    return time.perf_counter() - t0


def product(n: int) -> float:
    from wuxing.core.excel import Sheet, write_workbook

    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        write_workbook([Sheet("2023年农村", columns(), rating_rows(n))], out)
    return time.perf_counter() - t0


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child_main(n: int) -> None:
    before = peak_rss_mb()
    seconds = product(n)
    print(
        json.dumps({"rows": n, "seconds": seconds, "peak_rss_mb": peak_rss_mb(), "baseline_rss_mb": before})
    )


def real_ratings_export() -> None:
    """rate() + ratings_sheets + write_workbook on the province database of bench.rating."""
    from django.db import connection

    from wuxing.core.excel import write_workbook
    from wuxing.core.management.base import system_user
    from wuxing.rules import exports, queries

    t0 = time.perf_counter()
    rows = queries.rate(system_user(), 2023)
    rated = time.perf_counter() - t0
    with tempfile.TemporaryFile() as out:
        write_workbook(exports.ratings_sheets(rows, 2023), out)
        size = out.tell()
    total = time.perf_counter() - t0
    print(
        f"ratings export ({connection.vendor}, {len(rows)} organisations): rate() {rated:.1f} s, "
        f"then ratings_sheets + write {total - rated:.1f} s, total {total:.1f} s, file {size / 2**20:.1f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000, 50000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ratings", action="store_true")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    setup_django()
    if args.child:
        child_main(args.child)
        return
    times: dict[tuple[str, int], list[float]] = {}
    for r in range(args.rounds):
        for n in args.sizes:
            pair = [("floor", floor), ("product", product)]
            for name, run in pair if r % 2 == 0 else reversed(pair):
                times.setdefault((name, n), []).append(run(n))
    print(f"rounds {args.rounds}; 12 columns; seconds (min / median)")
    print(f"{'rows':>7}  {'floor':>15}  {'product':>15}  {'ratio min':>9}  {'ratio median':>12}  µs/row")
    for n in args.sizes:
        f, p = times[("floor", n)], times[("product", n)]
        print(
            f"{n:>7}  {min(f):6.2f} / {statistics.median(f):6.2f}  {min(p):6.2f} / {statistics.median(p):6.2f}"
            f"  {min(p) / min(f):8.2f}x  {statistics.median(p) / statistics.median(f):11.2f}x"
            f"  {min(p) / n * 1e6:6.0f}"
        )
    largest = max(args.sizes)
    out = subprocess.run(
        [sys.executable, "-m", "bench.excel", "--child", str(largest)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ},
    )
    child = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"{largest} rows through the product's writer in a fresh process: {child['seconds']:.2f} s, "
        f"peak RSS {child['peak_rss_mb']:.0f} MB (baseline {child['baseline_rss_mb']:.0f} MB)"
    )
    if args.ratings:
        real_ratings_export()


if __name__ == "__main__":
    main()
