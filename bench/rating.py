"""Province-scale rating benchmark.

Generates 50,000 organisations (1,000 streets × 50) with 40 indicator values each (2,000,000 scores)
into a throw-away database, then measures in the same run:

  floor   a bare SQL GROUP BY over the same score rows (SELECT org_id, COUNT(*), SUM(value) … GROUP BY org_id)
  rating  wuxing.rules.queries.rate(): load → pure engine → one result per organisation

and prints both times, their ratio, and the rating's peak memory (measured in a fresh child process).

  python -m bench.rating                       # SQLite file under bench/out/
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/wuxing_bench python -m bench.rating
  python -m bench.rating --orgs 5000           # a quicker, smaller run
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
YEAR = 2023


def setup_django(db_url: str | None) -> None:
    OUT.mkdir(exist_ok=True)
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["DATABASE_URL"] = db_url or f"sqlite:///{OUT / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "wuxing.settings"
    import django

    django.setup()


def value_for(rng: random.Random, ind, quality: float) -> Decimal:
    """A plausible stored value: better organisations (higher quality) score higher."""
    good = rng.random() < quality
    if ind.form == "yes_no":
        return Decimal(1 if good else 0)
    if ind.form in ("per_occurrence", "bonus"):
        top = int(ind.max_points / ind.points_each) + 1
        return Decimal(rng.randint(top // 2, top) if good else rng.randint(0, top // 2))
    if ind.form == "penalty":
        return Decimal(0 if good else rng.randint(1, 3))
    if ind.form == "threshold":
        target = ind.target
        low, high = ind.input_bounds
        span = (high - low) if high is not None else target
        delta = span * Decimal(rng.randint(0, 30)) / 100
        v = target + delta if (good == (ind.op in (">=", ">"))) else target - delta - Decimal("0.5")
        v = max(low, v if high is None else min(high, v))
        return v.quantize(Decimal("0.01"))
    # scale
    return (ind.max_points * Decimal(rng.randint(70 if good else 30, 100 if good else 75)) / 100).quantize(
        Decimal("0.01")
    )


def generate(n_orgs: int, per_street: int = 50, seed: int = 7) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction

    from wuxing.core.management.base import system_user
    from wuxing.orgs.models import OrgUnit
    from wuxing.rules import services
    from wuxing.rules.models import RulebookVersion

    call_command("migrate", verbosity=0)
    with connection.cursor() as cur:
        for table in ("starrules_score", "starrules_vetoevent", "starrules_historicalscore"):
            cur.execute(f"DELETE FROM {table}")
    from wuxing.accounts.models import User

    User.objects.all().delete()
    RulebookVersion.objects.all().delete()
    OrgUnit.objects.all().delete()
    services.load_shipped(system_user())
    books = {rb.kind: rb for rb in RulebookVersion.objects.filter(year=YEAR, is_active=True)}
    rng = random.Random(seed)
    t0 = time.perf_counter()
    with transaction.atomic():
        root = OrgUnit(level="district", code="P", name="全省", path=OrgUnit._get_path(None, 1, 1), depth=1)
        rows = [root]
        n_streets = (n_orgs + per_street - 1) // per_street
        made = 0
        for s in range(1, n_streets + 1):
            spath = OrgUnit._get_path(root.path, 2, s)
            count = min(per_street, n_orgs - made)
            rows.append(
                OrgUnit(
                    level="street",
                    code=f"S{s:05d}",
                    name=f"街道{s}",
                    street_kind="street",
                    path=spath,
                    depth=2,
                    numchild=count,
                )
            )
            for b in range(1, count + 1):
                made += 1
                rows.append(
                    OrgUnit(
                        level="branch",
                        code=f"B{made:06d}",
                        name=f"组织{made}",
                        area_kind="rural" if made % 3 else "community",
                        branch_type="branch",
                        member_count=40,
                        path=OrgUnit._get_path(spath, 3, b),
                        depth=3,
                    )
                )
        root.numchild = n_streets
        OrgUnit.objects.bulk_create(rows, batch_size=5000)
    ids = list(OrgUnit.objects.filter(level="branch").values_list("pk", "area_kind"))
    from wuxing.rules.engine import score_cell
    from wuxing.rules.services import from_stored

    score_rows = []
    for pk, kind in ids:
        rb = books[kind]
        book = rb.rulebook
        quality = rng.choice([0.55, 0.7, 0.8, 0.9, 0.97])
        for _star, ind in book.iter_indicators():
            stored = value_for(rng, ind, quality)
            cell = score_cell(book, ind.code, from_stored(ind, stored))
            score_rows.append(
                (
                    pk,
                    YEAR,
                    ind.code,
                    stored,
                    rb.pk,
                    rb.pk,
                    cell.star,
                    cell.cents,
                    cell.bit,
                    cell.bit if cell.met else 0,
                    cell.required,
                )
            )
    insert(score_rows)
    print(
        f"generated {len(ids)} organisations, {len(score_rows)} scores in {time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
    )


def insert(score_rows: list[tuple]) -> None:
    from django.db import connection, transaction

    sql_cols = (
        "(org_id, year, indicator_code, value, rulebook_id, scored_with_id, star_index, cents, bit, met_bit,"
        " required, note, entered_at)"
    )
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY starrules_score {sql_cols} FROM STDIN") as copy:
                for r in score_rows:
                    copy.write_row((*r, "", "2023-12-31T00:00:00+08:00"))
        else:
            cur.executemany(
                f"INSERT INTO starrules_score {sql_cols} VALUES"
                " (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '', '2023-12-31 00:00:00')",
                [(r[0], r[1], r[2], str(r[3]), *r[4:]) for r in score_rows],
            )
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            connection.ensure_connection()
            autocommit = connection.connection.autocommit
            connection.connection.autocommit = True
            cur.execute("VACUUM ANALYZE starrules_score")
            connection.connection.autocommit = autocommit
        else:
            cur.execute("ANALYZE")


def floor_query() -> float:
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT org_id, COUNT(*), SUM(value) FROM starrules_score WHERE year = %s GROUP BY org_id", [YEAR]
        )
        rows = cur.fetchall()
    elapsed = time.perf_counter() - t0
    assert rows
    return elapsed


def rating() -> tuple[float, dict[int, int], int]:
    from wuxing.core.management.base import system_user
    from wuxing.rules import queries

    gc.collect()
    t0 = time.perf_counter()
    rows = queries.rate(system_user(), YEAR)
    elapsed = time.perf_counter() - t0
    return elapsed, queries.distribution(rows), len(rows)


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM; unlike ru_maxrss it is not inherited across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def explain_all() -> float:
    """Rating plus every organisation's gap list (the reasons are built lazily, on first use)."""
    from wuxing.core.management.base import system_user
    from wuxing.rules import queries

    gc.collect()
    t0 = time.perf_counter()
    rows = queries.rate(system_user(), YEAR)
    gaps = sum(len(r.gaps) for r in rows)
    elapsed = time.perf_counter() - t0
    assert gaps >= 0
    return elapsed


def child_main() -> None:
    """Runs in a fresh process: one rating, then report time and peak RSS as JSON."""
    before = peak_rss_mb()
    elapsed, dist, n = rating()
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "peak_rss_mb": peak_rss_mb(),
                "baseline_rss_mb": before,
                "orgs": n,
                "distribution": dist,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orgs", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="不重新生成数据（沿用上次生成的）")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    setup_django(os.environ.get("DATABASE_URL"))
    if args.child:
        child_main()
        return
    from django.db import connection

    if not args.reuse:
        generate(args.orgs)
    floors = [floor_query() for _ in range(args.repeat)]
    ratings = [rating()[0] for _ in range(args.repeat)]
    env = {**os.environ}
    out = subprocess.run(
        [sys.executable, "-m", "bench.rating", "--child"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    child = json.loads(out.stdout.strip().splitlines()[-1])
    explained = min(explain_all() for _ in range(args.repeat))
    floor, rate_t = min(floors), min(ratings)
    print(f"database           {connection.vendor}")
    print(f"organisations      {child['orgs']}")
    print(f"floor GROUP BY     {floor:.3f} s  (best of {args.repeat})")
    print(f"rating             {rate_t:.3f} s  (best of {args.repeat})")
    print(f"ratio              {rate_t / floor:.2f}x  (target ≤ 3x, and rating < 10 s)")
    print(
        f"rating + every gap list {explained:.3f} s  (reasons for all organisations, best of {args.repeat})"
    )
    print(
        f"rating in a fresh process: {child['seconds']:.3f} s, peak RSS {child['peak_rss_mb']:.0f} MB "
        f"(process baseline {child['baseline_rss_mb']:.0f} MB)"
    )
    print(f"distribution       {child['distribution']}")


if __name__ == "__main__":
    main()
