"""Organisation import benchmark: a 20,000-row workbook through the product's import, against a floor.

Generates one workbook of 20,000 new organisations spread over 10 streets (rows in random order, a
third of them with a dispatched unit), then, on a database reset to the same empty registry before each
measurement (district, 10 streets, 16 dispatched units), measures in the same run, interleaved:

  floor    the same 20,000 OrgUnit rows inserted directly: bulk_create with materialised paths computed
           beforehand and the streets' numchild set; no workbook, no validation, no history
  import   wuxing.orgs.services.import_orgs() with that workbook, as the 组织导入 page calls it: read the
           sheet, check every row, write rows, history and the decision log in one transaction

and prints min and median of each, the ratio, and how long the import held its writing transaction (the
longest any other user's save can wait for it). `--update` adds a second scenario: the same file
re-imported with every member count changed and 1,000 organisations moved to another street.

  python -m bench.import_orgs                       # SQLite file under bench/out/
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/wuxing_bench python -m bench.import_orgs
  python -m bench.import_orgs --rows 2000 --rounds 3  # quicker
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"
STREETS = 10
UNITS = 16
HEADER = ["所属街道/镇", "组织编码", "组织名称", "类型", "组织形式", "党员人数", "分包区直单位"]


def setup_django(db_url: str | None) -> None:
    OUT.mkdir(exist_ok=True)
    os.environ.setdefault("SECRET_KEY", "bench-only")
    if not db_url:
        db = OUT / "import.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        db_url = f"sqlite:///{db}"
    os.environ["DATABASE_URL"] = db_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "wuxing.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def rows_for(n: int, seed: int = 11) -> list[list[Any]]:
    rng = random.Random(seed)
    rows = []
    for i in range(1, n + 1):
        street = (i - 1) % STREETS + 1
        community = i % 3 == 0
        rows.append(
            [
                f"街道{street:02d}",
                f"S{street:02d}B{i:06d}",
                f"测试{i}{'社区' if community else '村'}",
                "城市社区" if community else "农村",
                rng.choice(["党支部", "党总支", "党委"]),
                rng.randint(10, 200),
                f"U{rng.randint(1, UNITS):02d}" if i % 3 == 1 else None,
            ]
        )
    rng.shuffle(rows)
    return rows


def workbook(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("组织")
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def reset() -> None:
    """Empty registry with the same base every time: the district, 10 streets, 16 dispatched units."""
    from django.db import connection, transaction

    from wuxing.core.models import DecisionLog
    from wuxing.orgs.models import DispatchedUnit, OrgUnit

    tables = [
        DecisionLog._meta.db_table,
        OrgUnit.history.model._meta.db_table,
        OrgUnit._meta.db_table,
        DispatchedUnit.history.model._meta.db_table,
        DispatchedUnit._meta.db_table,
    ]
    with transaction.atomic(), connection.cursor() as cur:
        for table in tables:
            cur.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
        root = OrgUnit(
            level="district", code="BG", name="北关区", path=OrgUnit._get_path(None, 1, 1), depth=1
        )
        root.numchild = STREETS
        streets = [
            OrgUnit(
                level="street",
                code=f"S{s:02d}",
                name=f"街道{s:02d}",
                street_kind="street",
                path=OrgUnit._get_path(root.path, 2, s),
                depth=2,
            )
            for s in range(1, STREETS + 1)
        ]
        OrgUnit.objects.bulk_create([root, *streets])
        DispatchedUnit.objects.bulk_create(
            DispatchedUnit(code=f"U{u:02d}", name=f"区直单位{u:02d}") for u in range(1, UNITS + 1)
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")


def floor(rows: list[list[Any]]) -> float:
    """The same rows inserted directly, paths computed beforehand: the least any import must do."""
    from django.db import transaction

    from wuxing.orgs.models import DispatchedUnit, OrgUnit

    reset()
    streets = {s.name: s for s in OrgUnit.objects.filter(level="street")}
    units = {u.code: u.pk for u in DispatchedUnit.objects.all()}
    gc.collect()
    t0 = time.perf_counter()
    by_street: dict[str, list[list[Any]]] = {}
    for row in rows:
        by_street.setdefault(row[0], []).append(row)
    nodes = []
    kinds = {"农村": "rural", "城市社区": "community"}
    types = {"党支部": "branch", "党总支": "general", "党委": "committee"}
    for name, members in by_street.items():
        street = streets[name]
        street.numchild = len(members)
        for index, row in enumerate(sorted(members, key=lambda r: r[1]), start=1):
            nodes.append(
                OrgUnit(
                    level="branch",
                    code=row[1],
                    name=row[2],
                    area_kind=kinds[row[3]],
                    branch_type=types[row[4]],
                    member_count=row[5],
                    assigned_unit_id=units.get(row[6]),
                    path=OrgUnit._get_path(street.path, 3, index),
                    depth=3,
                )
            )
    with transaction.atomic():
        OrgUnit.objects.bulk_create(nodes, batch_size=500)
        OrgUnit.objects.bulk_update(streets.values(), ["numchild"])
    elapsed = time.perf_counter() - t0
    assert OrgUnit.objects.filter(level="branch").count() == len(rows)
    return elapsed


class WriteWindow:
    """Times the import's writing transaction: from its BEGIN (SQLite) or table lock (PostgreSQL) on."""

    def __init__(self) -> None:
        self.started: float | None = None

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if self.started is None and sql.lstrip().upper().startswith(("BEGIN", "LOCK TABLE")):
            self.started = time.perf_counter()
        return execute(sql, params, many, context)


def product(content: bytes, *, fresh: bool = True) -> tuple[float, float, Any]:
    from django.db import connection

    from wuxing.core.management.base import system_user
    from wuxing.orgs.services import import_orgs

    if fresh:
        reset()
    gc.collect()
    window = WriteWindow()
    with connection.execute_wrapper(window):
        t0 = time.perf_counter()
        report = import_orgs(system_user(), io.BytesIO(content))
        end = time.perf_counter()
    assert report.ok, report.messages()[:5]
    return end - t0, end - (window.started or end), report


def summary(label: str, times: list[float]) -> str:
    return f"{label:<28} min {min(times):7.3f} s   median {statistics.median(times):7.3f} s"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--update", action="store_true", help="再测一次：同一文件重新导入，全部行有修改")
    args = parser.parse_args()
    setup_django(os.environ.get("DATABASE_URL"))
    from django.db import connection

    from wuxing.orgs.models import OrgUnit

    rows = rows_for(args.rows)
    content = workbook(rows)
    floors: list[float] = []
    imports: list[float] = []
    windows: list[float] = []
    for round_no in range(args.rounds):
        # interleaved, alternating which goes first
        steps = ["floor", "import"] if round_no % 2 == 0 else ["import", "floor"]
        for step in steps:
            if step == "floor":
                floors.append(floor(rows))
            else:
                seconds, window, report = product(content)
                imports.append(seconds)
                windows.append(window)
                assert (report.created, report.updated) == (args.rows, 0)
                assert OrgUnit.objects.find_problems() == ([], [], [], [], [])
        print(f"round {round_no + 1}: floor {floors[-1]:.3f} s, import {imports[-1]:.3f} s", file=sys.stderr)
    print(f"database                     {connection.vendor}")
    print(f"rows                         {args.rows} new organisations, {STREETS} streets")
    print(summary("floor (bulk_create)", floors))
    print(summary("import_orgs", imports))
    print(summary("  of which write transaction", windows))
    print(
        f"ratio                        min {min(imports) / min(floors):.1f}x   "
        f"median {statistics.median(imports) / statistics.median(floors):.1f}x"
    )
    if args.update:
        rng = random.Random(5)
        changed = [[*r[:5], r[5] + 1, r[6]] for r in rows]
        for row in rng.sample(changed, min(1000, len(changed))):
            row[0] = f"街道{int(row[0][2:]) % STREETS + 1:02d}"
        changed_content = workbook(changed)
        updates: list[float] = []
        update_windows: list[float] = []
        for _ in range(args.rounds):
            product(content)
            seconds, window, report = product(changed_content, fresh=False)
            assert (report.created, report.updated) == (0, args.rows)
            assert OrgUnit.objects.find_problems() == ([], [], [], [], [])
            updates.append(seconds)
            update_windows.append(window)
        print(summary("re-import, every row changed", updates))
        print(summary("  of which write transaction", update_windows))


if __name__ == "__main__":
    main()
