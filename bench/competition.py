"""动态竞争 at province scale, beside bare-SQL floors measured in the same loop.

Generates the province of bench/rating.py (1,000 streets × 50 = 50,000 organisations with their indicator
values), then 12 months of monthly scores for every organisation (600,000 rows). Each round runs every
measurement once, in an order that alternates between rounds; min and median per row:

  floor (rankings)   bare SQL reading the same rows: the year's (org, month, total) and the organisations'
                     code, name and path
  rankings           competition.queries.monthly_rankings for the district: 12 monthly rankings, each
                     district-wide and per street (dense ranks, street places), and the first page of
                     100 rows of each month built (what the rankings page shows)
  rankings (street)  the same for one street's staff (ranks over the district, its rows only)
  every row built    the district's rankings with all 600,000 rows built (what the year's Excel reads)
  floor (goals)      bare SQL: the kept ratings counted per street and level
  goals              competition.goals.evaluate for the district: each street's goals, shortfalls and the
                     closest organisations (candidates rated by the engine)

  python -m bench.competition                       # SQLite file bench/out/competition.sqlite3
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/wx_bench_competition python -m bench.competition
  python -m bench.competition --orgs 5000 --rounds 3
  python -m bench.competition --reuse               # keep the data generated last time

Targets: rankings under 5 s and within 3× the floor; goals under 2 s.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"
YEAR = 2023


def generate_months(seed: int = 11) -> int:
    from django.db import connection, transaction

    from wuxing.competition.models import Checklist
    from wuxing.competition.parameters import DEFAULT_CHECKLIST
    from wuxing.orgs.models import OrgUnit

    checklist = Checklist.objects.create(year=YEAR, version=1, items=DEFAULT_CHECKLIST, reason="基准")
    ids = list(OrgUnit.objects.filter(level="branch").values_list("pk", flat=True))
    rng = random.Random(seed)
    rows = [
        (pk, YEAR, month, checklist.pk, "{}", Decimal(rng.randint(5000, 9990)) / 100, "", 0)
        for pk in ids
        for month in range(1, 13)
    ]
    cols = "(org_id, year, month, checklist_id, items, total, scored_by, lock_version)"
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY competition_monthlyscore {cols} FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
        else:
            cur.executemany(
                f"INSERT INTO competition_monthlyscore {cols} VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                [(*r[:5], str(r[5]), *r[6:]) for r in rows],
            )
    from bench.rating import vacuum_analyze

    vacuum_analyze("competition_monthlyscore")
    return len(rows)


def clear_competition() -> None:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with connection.cursor() as cur:
        for table in (
            "competition_monthlyscore",
            "competition_historicalmonthlyscore",
            "competition_checklist",
            "competition_policycase",
            "competition_historicalpolicycase",
            "competition_competitionparameters",
            "competition_historicalcompetitionparameters",
        ):
            cur.execute(f"DELETE FROM {table}")


def floor_rankings() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT org_id, month, total FROM competition_monthlyscore WHERE year = %s", [YEAR])
        assert cur.fetchall()
        cur.execute("SELECT id, code, name, path, is_demo FROM orgs_orgunit WHERE level = 'branch'")
        assert cur.fetchall()


def rankings(user: Any, every_row: bool = False) -> Callable[[], None]:
    """The 12 monthly rankings with a page of rows built per month (what the rankings page shows), or
    with every row built (what the year's Excel export reads)."""

    def run() -> None:
        from wuxing.competition import queries

        found = queries.monthly_rankings(user, YEAR)
        assert len(found) == 12 and found[0].ranked > 0
        for k in found:
            rows = list(k.rows) if every_row else k.rows[:100]
            assert rows

    return run


def floor_goals() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT street_code, level, COUNT(*) FROM starrules_rating WHERE year = %s"
            " GROUP BY street_code, level",
            [YEAR],
        )
        assert cur.fetchall()


def goals_run() -> None:
    from wuxing.competition import goals
    from wuxing.core.management.base import system_user

    report = goals.evaluate(system_user(), YEAR)
    assert report.kept and len(report.streets) > 1


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orgs", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="不重新生成数据（沿用上次生成的）")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{OUT / 'competition.sqlite3'}"
    from bench.rating import generate, setup_django

    setup_django(os.environ["DATABASE_URL"])
    from django.db import connection

    from wuxing.accounts.models import Role, User
    from wuxing.core.management.base import system_user
    from wuxing.orgs.models import OrgUnit
    from wuxing.rules import kept

    if not args.reuse:
        clear_competition()
        generate(args.orgs)
        t0 = time.perf_counter()
        n = generate_months()
        print(f"generated {n} monthly scores in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    n_orgs = OrgUnit.objects.filter(level="branch").count()
    kept.refresh(OrgUnit.objects.filter(level="branch"), YEAR)  # the kept ratings, as after a first read
    street = OrgUnit.objects.filter(level="street").order_by("code")[n_orgs // 100].path
    street_user, _ = User.objects.get_or_create(
        username="bench_street",
        defaults={"role": Role.STREET_STAFF, "scope_org": OrgUnit.objects.get(path=street)},
    )
    measures: dict[str, Callable[[], Any]] = {
        "floor (rankings)": floor_rankings,
        "rankings (district, 12 months)": rankings(system_user()),
        "rankings (one street, 12 months)": rankings(street_user),
        "rankings (district, every row built)": rankings(system_user(), every_row=True),
        "floor (goals)": floor_goals,
        "goals (district)": goals_run,
    }
    for fn in measures.values():
        fn()  # warm
    times: dict[str, list[float]] = {name: [] for name in measures}
    order = list(measures)
    for round_no in range(args.rounds):
        for name in order if round_no % 2 == 0 else reversed(order):
            times[name].append(timed(measures[name]))
    print(f"database {connection.vendor}, {n_orgs} organisations × 12 months, {args.rounds} rounds")
    for name, values in times.items():
        print(f"{name:<36} {min(values):7.2f} / {statistics.median(values):7.2f} s")
    floor = min(times["floor (rankings)"])
    for name in (
        "rankings (district, 12 months)",
        "rankings (one street, 12 months)",
        "rankings (district, every row built)",
    ):
        print(f"{name} / floor: {min(times[name]) / floor:.2f}× (min)")
    print(f"goals / floor: {min(times['goals (district)']) / min(times['floor (goals)']):.1f}× (min)")


if __name__ == "__main__":
    main()
