"""Province-size funds benchmark: the district budget and the year's entitlements beside a bare-SQL floor.

Generates 50,000 organisations (1,000 streets × 50; every third a community), each with a secretary and
two more “两委” members in post since 2020, imported official levels for 2021–2024 (about 4 % of them with
a removed star) and, for 5 % of the organisations, an approved creation spending claim of 2024. Then, for
each of ≥ 3 rounds, runs every measurement once in turn (interleaved) and prints min and median:

  floor              bare SQL reading the same rows the budget reads: the organisations with their
                     street, the imported levels of 2021–2024, the posts in force, the approved claims
                     summed per organisation (every row fetched; nothing computed)
  entitlements       funds.queries.entitlements(district admin, 2024): every line with its explanation
  entitlement sums   the same with explain=False: the same amounts kept as sums per street and item, no
                     line texts (what the budget computes per year)
  budget             funds.queries.budget(district admin, 2024): 2024 by street and item, and 2023
                     computed for the comparison (no approved 2023 ledger) — two runs without explanations
  budget page        GET /funds/budget/?year=2024 (test client, DEBUG off)
  budget Excel       GET /funds/budget/?year=2024&format=xlsx
  street budget      GET /funds/budget/?year=2024 as one street's staff (50 organisations)

  python -m bench.funds                        # SQLite file under bench/out/
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/wuxing_bench python -m bench.funds
  python -m bench.funds --orgs 5000            # a quicker, smaller run
  python -m bench.funds --reuse                # keep the data generated last time
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"
YEAR = 2024
YEARS = (2021, 2022, 2023, 2024)


def setup_django(db_url: str | None) -> None:
    OUT.mkdir(exist_ok=True)
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["DATABASE_URL"] = db_url or f"sqlite:///{OUT / 'funds.sqlite3'}"
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "wuxing.settings"
    import django

    django.setup()


def generate(n_orgs: int, per_street: int = 50, seed: int = 11) -> None:
    from django.core.management import call_command
    from django.db import transaction

    from wuxing.accounts.models import Role, User
    from wuxing.funds.models import ClaimState, CreationClaim, FundParameters, HistoricLevel, PayoutLedger
    from wuxing.funds.parameters import DEFAULTS
    from wuxing.orgs.models import OrgUnit, Person, Post, PostRole

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    with transaction.atomic():
        for model in (CreationClaim, HistoricLevel, PayoutLedger, FundParameters, Post, Person):
            model.objects.all().delete()
        User.objects.all().delete()
        OrgUnit.objects.all().delete()
        root = OrgUnit(level="district", code="P", name="全省", path=OrgUnit._get_path(None, 1, 1), depth=1)
        rows = [root]
        n_streets = (n_orgs + per_street - 1) // per_street
        made = 0
        for s in range(1, n_streets + 1):
            spath = OrgUnit._get_path(root.path, 2, s)
            count = min(per_street, n_orgs - made)
            rows.append(
                OrgUnit(
                    level="street", code=f"S{s:05d}", name=f"街道{s}", street_kind="street", path=spath,
                    depth=2, numchild=count,
                )
            )  # fmt: skip
            for b in range(1, count + 1):
                made += 1
                rows.append(
                    OrgUnit(
                        level="branch", code=f"B{made:06d}", name=f"组织{made}",
                        area_kind="rural" if made % 3 else "community", branch_type="branch", member_count=40,
                        path=OrgUnit._get_path(spath, 3, b), depth=3,
                    )
                )  # fmt: skip
        root.numchild = n_streets
        OrgUnit.objects.bulk_create(rows, batch_size=5000)
        branches = list(OrgUnit.objects.filter(level="branch").values_list("pk", flat=True))
        people = [Person(name=f"人员{i}", home_org_id=pk) for pk in branches for i in range(3)]
        Person.objects.bulk_create(people, batch_size=5000)
        start = dt.date(2020, 3, 1)
        roles = [PostRole.SECRETARY, PostRole.DEPUTY_SECRETARY, PostRole.PARTY_COMMITTEE]
        posts = [
            Post(person=p, org_id=p.home_org_id, role=roles[i % 3], start_date=start,
                 on_street_leadership=(i % 3 == 0 and rng.random() < 0.03))
            for i, p in enumerate(people)
        ]  # fmt: skip
        Post.objects.bulk_create(posts, batch_size=5000)
        levels = []
        for pk in branches:
            base = rng.choice([1, 2, 3, 3, 4, 4, 5])
            for year in YEARS:
                level = max(0, min(5, base + rng.choice([0, 0, 0, -1, 1])))
                levels.append(
                    HistoricLevel(org_id=pk, year=year, level=level, star_removed=rng.random() < 0.01)
                )
        HistoricLevel.objects.bulk_create(levels, batch_size=5000)
        claims = [
            CreationClaim(
                org_id=pk, year=YEAR, amount=Decimal(rng.randint(100000, 9000000)) / 100, description="阵地建设",
                receipt="evidence/claims/bench.pdf", receipt_name="bench.pdf", state=ClaimState.APPROVED,
            )
            for pk in branches
            if rng.random() < 0.05
        ]  # fmt: skip
        CreationClaim.objects.bulk_create(claims, batch_size=5000)
        for year in (2023, 2024):
            FundParameters.objects.create(
                year=year, **{**DEFAULTS, "base_allowance": Decimal("24000"), "zhengke_salary": Decimal("96000"),
                              "fuke_salary": Decimal("84000")}, lock_version=1,
            )  # fmt: skip
        User.objects.create_user("bench_admin", password="bench-pw-1", role=Role.DISTRICT_ADMIN)
        street = OrgUnit.objects.filter(level="street").order_by("code")[n_streets // 2]
        User.objects.create_user(
            "bench_street", password="bench-pw-1", role=Role.STREET_STAFF, scope_org=street
        )


def floor() -> int:
    """The rows the budget reads, straight from the tables (every row fetched, nothing computed)."""
    from django.db import connection

    n = 0
    with connection.cursor() as cur:
        cur.execute(
            "SELECT b.id, b.code, b.name, b.area_kind, s.code, s.name FROM orgs_orgunit b "
            "JOIN orgs_orgunit s ON s.path = substr(b.path, 1, 8) WHERE b.level = 'branch'"
        )
        n += len(cur.fetchall())
        cur.execute(
            "SELECT org_id, year, level, star_removed, secretary, secretary_on_street_leadership "
            "FROM funds_historiclevel WHERE year BETWEEN %s AND %s",
            [YEARS[0], YEAR],
        )
        n += len(cur.fetchall())
        cur.execute(
            "SELECT p.org_id, p.person_id, x.name, p.role, p.start_date, p.end_date, p.on_street_leadership "
            "FROM orgs_post p JOIN orgs_person x ON x.id = p.person_id WHERE p.start_date <= %s "
            "AND (p.end_date IS NULL OR p.end_date >= %s)",
            [dt.date(YEAR, 12, 31), dt.date(YEARS[0], 12, 31)],
        )
        n += len(cur.fetchall())
        cur.execute(
            "SELECT org_id, SUM(amount), COUNT(*) FROM funds_creationclaim WHERE year = %s AND state = %s "
            "GROUP BY org_id",
            [YEAR, "approved"],
        )
        n += len(cur.fetchall())
    return n


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orgs", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="不重新生成数据（沿用上次生成的）")
    args = parser.parse_args()
    setup_django(os.environ.get("DATABASE_URL"))
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from wuxing.accounts.models import User
    from wuxing.funds import queries
    from wuxing.orgs.models import OrgUnit

    if not args.reuse:
        t0 = time.perf_counter()
        generate(args.orgs)
        print(f"generated in {time.perf_counter() - t0:.0f} s")
    admin = User.objects.get(username="bench_admin")
    n_orgs = OrgUnit.objects.filter(level="branch").count()
    client, street_client = Client(), Client()
    client.force_login(admin)
    street_client.force_login(User.objects.get(username="bench_street"))

    def get(c: Client, url: str) -> None:
        response = c.get(url, HTTP_HOST="127.0.0.1")
        assert response.status_code == 200, (url, response.status_code)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)

    # the budget's sums (no explanations) equal the sums of the explained lines, street by street
    full, b = queries.entitlements(admin, YEAR), queries.budget(admin, YEAR)
    assert sum(r.total for r in b.rows) == b.total == full.total == sum(x.amount for x in full.lines)
    assert {(r.code, r.total) for r in b.rows if r.total} == {(c, t) for c, _n, t in full.street_totals()}
    lines = len(full.lines)
    del full
    page = f"/funds/budget/?year={YEAR}"
    measures: dict[str, Callable[[], Any]] = {
        "floor (bare SQL, same rows)": floor,
        "entitlements (2024)": lambda: queries.entitlements(admin, YEAR),
        "entitlement sums (2024, no texts)": lambda: queries.entitlements(admin, YEAR, explain=False),
        "budget (2024 and 2023 computed)": lambda: queries.budget(admin, YEAR),
        "budget page": lambda: get(client, page),
        "budget Excel": lambda: get(client, page + "&format=xlsx"),
        "street budget page (50 orgs)": lambda: get(street_client, page),
    }
    counts = {}
    for name, fn in measures.items():
        with CaptureQueriesContext(connection) as ctx:
            fn()  # warm, and count the queries once
        counts[name] = len(ctx)
    times: dict[str, list[float]] = {name: [] for name in measures}
    order = list(measures)
    for round_no in range(args.rounds):
        for name in order if round_no % 2 == 0 else reversed(order):
            t0 = time.perf_counter()
            measures[name]()
            times[name].append(time.perf_counter() - t0)
    floor_med = statistics.median(times[order[0]])
    print(
        f"database {connection.vendor}, {n_orgs} organisations, {lines} lines in 2024, {args.rounds} rounds"
    )
    for name in order:
        lo, med = min(times[name]), statistics.median(times[name])
        print(
            f"{name:<34} {lo:7.3f} s  {med:7.3f} s  ({med / floor_med:4.1f}× floor, {counts[name]} queries)"
        )


if __name__ == "__main__":
    main()
