"""Province-scale rating benchmark: what users wait for, beside a floor measured in the same loop.

Generates 50,000 organisations (1,000 streets × 50; every third a community) with 40 indicator values
each, about 7 % of them left blank, and veto events for 1.5 % of the organisations, into a throw-away
database. Then, for each of ≥ 3 rounds, runs every measurement once in turn (interleaved, so a slow
moment of the machine hits floor and product alike) and prints min and median per row:

  floor (same shape)   GROUP BY organisation and star from the covering index, rows fetched
  floor (value sums)   the earlier floor: SELECT org_id, COUNT(*), SUM(value) … GROUP BY org_id
  rating               queries.rate(): every organisation decided
  rating + gap lists   the same, and every organisation's gap list built
  JSON export          `wuxing rate --format json --output …` (streamed from the kept ratings)
  Excel export         `wuxing rate --format xlsx --output …`
  Excel floor          the same rows written by a bare openpyxl write-only workbook
  API page             GET /api/v1/ratings?year=2023&page=500 (50 per page)
  ratings page         GET /stars/ratings/?page=500 and ?sort=level&page=500
  organisation pages   GET /orgs/?page=500 (and by stars), /orgs/tree/, one street opened, a street's page
  district first page  GET / as the district admin (levels per street, entry progress: from the kept rows)

Once: the first read after every kept rating was invalidated (a province-wide rescore), a page after
one value was saved, reading every API page (page_size 100), and the peak memory (VmHWM) of
`rate --format json` in a fresh process.

  python -m bench.rating                       # SQLite file under bench/out/
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/wuxing_bench python -m bench.rating
  python -m bench.rating --orgs 5000           # a quicker, smaller run
  python -m bench.rating --reuse               # keep the data generated last time
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"
YEAR = 2023
BLANK_SHARE = 0.07
VETO_SHARE = 0.015


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
        for table in (
            "starrules_rating",
            "starrules_score",
            "starrules_vetoevent",
            "starrules_historicalscore",
            "starrules_historicalvetoevent",
        ):
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
            if rng.random() < BLANK_SHARE:
                continue
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
    vetoes = []
    for pk, kind in ids:
        if rng.random() < VETO_SHARE:
            codes = [v.code for s in books[kind].rulebook.stars for v in s.vetoes]
            vetoes.append((pk, rng.choice(codes)))
    insert_vetoes(vetoes)
    insert(score_rows)  # then VACUUM ANALYZE / ANALYZE: the planner knows every table's size
    from wuxing.accounts import services as account_services

    account = account_services.create_user(
        system_user(), username="bench_admin", role="district_admin", reason="benchmark"
    )
    User.objects.filter(pk=account.user.pk).update(must_change_password=False)
    print(
        f"generated {len(ids)} organisations, {len(score_rows)} scores, {len(vetoes)} veto events"
        f" in {time.perf_counter() - t0:.1f} s",
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
    vacuum_analyze()  # every table, as autovacuum would soon after such inserts


def vacuum_analyze(table: str = "") -> None:
    """VACUUM ANALYZE (PostgreSQL, outside a transaction) or ANALYZE (SQLite) of one table or all: the
    planner's statistics and the dead rows as autovacuum would leave them after a bulk write."""
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            connection.ensure_connection()
            autocommit = connection.connection.autocommit
            connection.connection.autocommit = True
            cur.execute(f"VACUUM ANALYZE {table}")
            connection.connection.autocommit = autocommit
        else:
            cur.execute("ANALYZE")


def insert_vetoes(vetoes: list[tuple[int, str]]) -> None:
    from django.db import transaction

    from wuxing.rules.models import VetoEvent

    with transaction.atomic():
        VetoEvent.objects.bulk_create(
            [
                VetoEvent(
                    org_id=pk, year=YEAR, veto_code=code, occurred_on=dt.date(YEAR, 6, 1), description="基准"
                )
                for pk, code in vetoes
            ],
            batch_size=5000,
        )


# --------------------------------------------------------------------------- measurements


def floor_same_shape() -> None:
    """GROUP BY organisation and star over the covering index, every row fetched: what rate() asks the
    database for, without the engine."""
    from django.db import connection

    from wuxing.rules.models import RulebookVersion

    with connection.cursor() as cur:
        for pk in RulebookVersion.objects.filter(year=YEAR, is_active=True).values_list("pk", flat=True):
            cur.execute(
                "SELECT org_id, star_index, SUM(cents), SUM(bit), SUM(met_bit) FROM starrules_score"
                " WHERE scored_with_id = %s GROUP BY org_id, star_index",
                [pk],
            )
            while cur.fetchmany(10_000):
                pass


def floor_value_sums() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT org_id, COUNT(*), SUM(value) FROM starrules_score WHERE year = %s GROUP BY org_id", [YEAR]
        )
        assert cur.fetchall()


def rating() -> None:
    from wuxing.core.management.base import system_user
    from wuxing.rules import queries

    assert queries.rate(system_user(), YEAR)


def rating_with_gaps() -> None:
    from wuxing.core.management.base import system_user
    from wuxing.rules import queries

    rows = queries.rate(system_user(), YEAR)
    queries.explain(rows)  # what the exports do (kept.iter_rows)
    assert sum(len(r.gaps) for r in rows) > 0


def cli(fmt: str, path: Path) -> None:
    from django.core.management import call_command

    call_command("rate", "--year", str(YEAR), "--format", fmt, "--output", str(path), stderr=io.StringIO())


def excel_rows() -> list[list[Any]]:
    """The rows the Excel export writes, built once outside the clock (for the floor)."""
    from wuxing.core.management.base import system_user
    from wuxing.rules import exports, kept

    versions = kept.export_versions(system_user(), YEAR)
    rows: list[list[Any]] = []
    for sheet in exports.ratings_sheets(
        YEAR, versions, lambda k: kept.iter_rows(system_user(), YEAR, kind=k)
    ):
        rows.extend(sheet.rows)
    return rows


def excel_floor(rows: list[list[Any]], path: Path) -> None:
    """The same rows through a bare write-only openpyxl workbook: no escaping, no styles."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("floor")
    for row in rows:
        ws.append(row)
    wb.save(path)


def get(client: Any, url: str) -> None:
    response = client.get(url, HTTP_HOST="127.0.0.1")
    assert response.status_code == 200, (url, response.status_code)


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM; unlike ru_maxrss it is not inherited across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_main(what: str) -> None:
    """In a fresh process: one `rate --format <what>` to a file, then time and peak RSS as JSON."""
    before = peak_rss_mb()
    t0 = time.perf_counter()
    cli(what, OUT / f"child.{what}")
    print(json.dumps({"seconds": time.perf_counter() - t0, "peak_mb": peak_rss_mb(), "baseline_mb": before}))


def in_child(what: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.rating", "--child", what],
        capture_output=True,
        text=True,
        env={**os.environ},
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def timed(fn: Callable[[], Any]) -> float:
    gc.collect()
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
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    setup_django(os.environ.get("DATABASE_URL"))
    if args.child:
        child_main(args.child)
        return
    from django.db import connection
    from django.test import Client

    from wuxing.accounts.models import User
    from wuxing.core.management.base import system_user
    from wuxing.orgs.models import OrgUnit
    from wuxing.rules import kept, services
    from wuxing.rules.models import Rating, Score
    from wuxing.rules.stale import invalidate

    if not args.reuse:
        generate(args.orgs)
    n_orgs = OrgUnit.objects.filter(level="branch").count()
    client = Client()
    client.force_login(User.objects.get(username="bench_admin"))
    branches = OrgUnit.objects.filter(level="branch")

    # once: the first read after every kept rating went stale (as after a province-wide rescore)
    Rating.objects.all().delete()
    cold_missing = timed(lambda: kept.refresh(branches, YEAR))
    invalidate(YEAR)  # what a province-wide rescore does
    cold_stale = timed(lambda: kept.refresh(branches, YEAR))
    middle = max(1, n_orgs // 50 // 2)
    api_page = f"/api/v1/ratings?year={YEAR}&page={middle}"
    page = f"/stars/ratings/?page={middle}"
    level_page = f"/stars/ratings/?sort=level&page={middle}"
    street = (
        OrgUnit.objects.filter(level="street")
        .order_by("code")[n_orgs // 50 // 2 : n_orgs // 50 // 2 + 1]
        .get()
    )
    org_list = f"/orgs/?page={middle}"
    org_list_stars = f"/orgs/?sort=stars&page={middle}"
    tree = "/orgs/tree/"
    tree_street = f"/orgs/tree/streets/{street.pk}/"
    street_profile = f"/orgs/{street.pk}/"
    for url in (api_page, page, level_page, org_list, tree, "/"):
        get(client, url)  # warm
    rows = excel_rows()
    measures: dict[str, Callable[[], Any]] = {
        "floor (same shape)": floor_same_shape,
        "floor (value sums)": floor_value_sums,
        "rating": rating,
        "rating + gap lists": rating_with_gaps,
        "JSON export": lambda: cli("json", OUT / "rate.json"),
        "JSON lines export": lambda: cli("jsonl", OUT / "rate.jsonl"),
        "Excel export": lambda: cli("xlsx", OUT / "rate.xlsx"),
        "Excel floor (bare write-only)": lambda: excel_floor(rows, OUT / "floor.xlsx"),
        f"API page {middle}": lambda: get(client, api_page),
        f"ratings page {middle}": lambda: get(client, page),
        f"ratings page {middle}, by level": lambda: get(client, level_page),
        f"organisation list page {middle}": lambda: get(client, org_list),
        f"organisation list page {middle}, by stars": lambda: get(client, org_list_stars),
        "tree (streets only)": lambda: get(client, tree),
        "tree: one street opened": lambda: get(client, tree_street),
        "street profile": lambda: get(client, street_profile),
        "district first page": lambda: get(client, "/"),
    }
    times: dict[str, list[float]] = {name: [] for name in measures}
    for _round in range(args.rounds):
        for name, fn in measures.items():
            times[name].append(timed(fn))
    # once: a value saved, then a page (one organisation decided again)
    org = branches.order_by("pk").first()
    assert org is not None
    score = Score.objects.filter(org=org, year=YEAR).first()
    assert score is not None

    def after_a_write() -> None:
        services.save_scores(system_user(), org, YEAR, {score.indicator_code: ""})
        get(client, page)

    write_then_page = timed(after_a_write)
    all_pages = timed(
        lambda: [
            get(client, f"/api/v1/ratings?year={YEAR}&page={p}&page_size=100")
            for p in range(1, n_orgs // 100 + 2)
        ]
    )
    json_child = in_child("json")
    xlsx_child = in_child("xlsx")

    floor = statistics.median(times["floor (same shape)"])
    print(f"database {connection.vendor}, {n_orgs} organisations, {args.rounds} rounds interleaved")
    print(f"{'':34} {'min':>8} {'median':>8}  median ÷ floor (same shape)")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"{name:34} {min(values):8.3f} {med:8.3f}  {med / floor:6.2f}×")
    excel_ratio = statistics.median(times["Excel export"]) / statistics.median(
        times["Excel floor (bare write-only)"]
    )
    gaps_ratio = statistics.median(times["rating + gap lists"]) / statistics.median(times["rating"])
    print(f"Excel export ÷ bare write-only floor: {excel_ratio:.2f}×")
    print(f"rating + gap lists ÷ rating: {gaps_ratio:.2f}×")
    print(f"first read, no kept ratings:       {cold_missing:.3f} s")
    print(f"first read, every rating stale:    {cold_stale:.3f} s")
    print(f"one value saved, then a page:      {write_then_page:.3f} s")
    print(f"every API page (page_size 100):    {all_pages:.1f} s")
    for what, child in (("json", json_child), ("xlsx", xlsx_child)):
        print(
            f"rate --format {what} in a fresh process: {child['seconds']:.1f} s, peak {child['peak_mb']:.0f} MB"
            f" (process baseline {child['baseline_mb']:.0f} MB)"
        )


if __name__ == "__main__":
    main()
