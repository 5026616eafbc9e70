"""A deadline day at province size, under load (issue: proof under stress, load).

The province of bench/rating.py (50,000 organisations × 40 indicators, vetoes and blanks) in PostgreSQL,
with a 2023 review cycle open for both kinds (an assessment per organisation), and accounts: secretaries
(each submits its own self-assessment once, and otherwise looks at its first page, its assessment and its
star card), street staff (first page, their street's assessments, forwarding the submitted ones) and
leaders (the province's first page and the ratings page). The production server (gunicorn, DEBUG off)
serves; locust drives it headless (bench/locustfile.py) and writes its CSV; this script prints the 95th
percentile per request and in all, and the error count.

  make bench-load                                          # 200 users, 3 minutes after the ramp
  python -m bench.load setup [--orgs 50000] [--reuse]      # the data and accounts only
  python -m bench.load run --users 200 --minutes 3         # the server and locust only

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/wuxing_load (created if missing). The logins of
the ramp (each checks a PBKDF2 password hash, a deliberate ~0.3 s of CPU) are not counted: the statistics
are reset once every user has started (locust --reset-stats).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
DB_URL = "postgres://postgres@127.0.0.1:5432/wuxing_load"
PASSWORD = "Load-Test-2026!"
USERS_FILE = OUT / "load_users.json"
SECRETARIES, STREET_STAFF, LEADERS = 300, 60, 20


def _ensure_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    server = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup(orgs: int, reuse: bool) -> None:
    import datetime as dt

    from bench import rating

    rating.setup_django(os.environ.get("DATABASE_URL", DB_URL))
    if not reuse:
        rating.generate(orgs)
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from wuxing.accounts.models import User
    from wuxing.core.management.base import system_user
    from wuxing.orgs.models import OrgUnit
    from wuxing.reviews import services as review_services
    from wuxing.reviews.models import Assessment, ReviewCycle, Stage

    t0 = time.perf_counter()
    actor = system_user()
    if not ReviewCycle.objects.filter(year=rating.YEAR).exists():
        deadlines = {
            "self_deadline": dt.date(rating.YEAR, 12, 15),
            "street_deadline": dt.date(rating.YEAR, 12, 29),
            "district_deadline": dt.date(rating.YEAR + 1, 1, 12),
        }
        for kind in ("rural", "community"):
            review_services.open_cycle(
                actor, rating.YEAR, kind, opened_on=dt.date(rating.YEAR, 12, 1), deadlines=deadlines
            )
    existing = User.objects.filter(username__startswith="load_")
    streets = list(OrgUnit.objects.filter(level="street").order_by("path")[:STREET_STAFF])
    step = 2 * OrgUnit.steplen
    secretaries_at = []
    for street in streets:  # five secretaries in each street that has a staff account
        secretaries_at.extend(
            OrgUnit.objects.filter(level="branch", path__startswith=street.path).order_by("path")[:5]
        )
    secretaries_at = secretaries_at[:SECRETARIES]
    hashed = make_password(PASSWORD)
    users = [
        User(username=f"load_sec{i:04d}", role="secretary", scope_org=org, password=hashed)
        for i, org in enumerate(secretaries_at)
    ]
    users += [
        User(username=f"load_street{i:03d}", role="street_staff", scope_org=s, password=hashed)
        for i, s in enumerate(streets)
    ]
    users += [User(username=f"load_leader{i:02d}", role="leader", password=hashed) for i in range(LEADERS)]
    if existing.exists():  # a second set-up keeps the accounts (their decisions are logged)
        users = list(existing.order_by("username"))
        secretaries_at = [u.scope_org for u in users if u.role == "secretary"]
        streets = [u.scope_org for u in users if u.role == "street_staff"]
    with transaction.atomic():
        if not existing.exists():
            User.objects.bulk_create(users, batch_size=500)
        Assessment.objects.filter(cycle__year=rating.YEAR).update(target_level=None)
        # the secretaries of the load submit their own drafts; in their streets the rest are submitted
        # already, waiting for the street (what a street reviews on a deadline day)
        Assessment.objects.filter(cycle__year=rating.YEAR).update(state=Stage.DRAFT)
        street_paths = {s.path for s in streets}
        mine = {o.pk for o in secretaries_at}
        waiting = [
            pk
            for pk, path in Assessment.objects.filter(cycle__year=rating.YEAR, org__level="branch")
            .values_list("pk", "org__path")
            .iterator()
            if path[:step] in street_paths
        ]
        Assessment.objects.filter(pk__in=waiting).exclude(org_id__in=mine).update(state=Stage.SUBMITTED)
    assessments = dict(Assessment.objects.filter(org_id__in=mine).values_list("org_id", "pk"))
    by_street: dict[str, list[int]] = {}
    for pk, path in Assessment.objects.filter(pk__in=waiting, state=Stage.SUBMITTED).values_list(
        "pk", "org__path"
    ):
        by_street.setdefault(path[:step], []).append(pk)
    data = {
        "password": PASSWORD,
        "secretaries": [
            {"username": u.username, "org": u.scope_org_id, "assessment": assessments[u.scope_org_id]}
            for u in users
            if u.role == "secretary"
        ],
        "streets": [
            {"username": u.username, "street": u.scope_org_id, "submitted": by_street.get(s.path[:step], [])}
            for u, s in zip([u for u in users if u.role == "street_staff"], streets, strict=True)
        ],
        "leaders": [{"username": u.username} for u in users if u.role == "leader"],
        "cycles": list(ReviewCycle.objects.filter(year=rating.YEAR).values_list("pk", flat=True)),
    }
    OUT.mkdir(exist_ok=True)
    USERS_FILE.write_text(json.dumps(data, ensure_ascii=False))

    from wuxing.rules import kept

    # The kept ratings as a running installation has them (the first page of the day builds them), and
    # the tables vacuumed and the planner's statistics taken after that, as autovacuum would have (each
    # set-up rewrites the 50,000 assessments: without VACUUM their dead rows pile up run after run).
    kept.refresh_scope(User.objects.get(username="load_leader00"), rating.YEAR)
    rating.vacuum_analyze()
    print(
        f"load accounts: {len(data['secretaries'])} secretaries, {len(data['streets'])} street staff, "
        f"{len(data['leaders'])} leaders in {time.perf_counter() - t0:.1f} s → {USERS_FILE}",
        file=sys.stderr,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, seconds: float = 60) -> None:
    import urllib.request

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(url, timeout=5)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"server at {url} did not answer")


def run(users: int, minutes: float, spawn_rate: float, workers: int, threads: int = 2) -> None:
    bin_dir = Path(sys.executable).parent
    var = OUT / "load_var"
    var.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "SECRET_KEY")}
    env.update(
        DATABASE_URL=os.environ.get("DATABASE_URL", DB_URL),
        WUXING_VAR_DIR=str(var),
        DJANGO_DEBUG="0",
        SECURE_COOKIES="0",
        SECRET_KEY="bench-load-only",
        DB_CONN_MAX_AGE="60",
    )
    subprocess.run([str(bin_dir / "wuxing"), "collectstatic", "--no-input", "-v", "0"], env=env, check=True)
    port = _free_port()
    server = subprocess.Popen(
        [
            str(bin_dir / "gunicorn"),
            "wuxing.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--keep-alive",  # longer than the users' think time: an idle connection is not closed
            "10",  # just as its client sends the next request on it (a reset, not a server error)
            "--log-level",
            "warning",
        ],
        env=env,
    )
    host = f"http://127.0.0.1:{port}"
    try:
        _wait(f"{host}/accounts/login/")
        ramp = users / spawn_rate
        prefix = OUT / "load"
        locust = shutil.which("locust", path=str(bin_dir)) or "locust"
        subprocess.run(
            [
                locust,
                "-f",
                str(Path(__file__).with_name("locustfile.py")),
                "--headless",
                "--host",
                host,
                "--users",
                str(users),
                "--spawn-rate",
                str(spawn_rate),
                "--run-time",
                f"{int(ramp + minutes * 60)}s",
                "--reset-stats",
                "--csv",
                str(prefix),
                "--only-summary",
            ],
            env={**env, "WUXING_LOAD_USERS": str(USERS_FILE)},
            check=False,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    report(prefix, users, minutes, workers, threads)


def report(prefix: Path, users: int, minutes: float, workers: int, threads: int = 2) -> None:
    with open(f"{prefix}_stats.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    print(f"\n{users} users, {minutes:g} min after the ramp, gunicorn {workers} workers × {threads} threads")
    print(f"{'request':<34} {'count':>7} {'fail':>5} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for row in rows:
        print(
            f"{row['Name'][:34]:<34} {row['Request Count']:>7} {row['Failure Count']:>5} "
            f"{row['50%']:>7} {row['95%']:>7} {row['99%']:>7}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=["all", "setup", "run"], nargs="?", default="all")
    parser.add_argument("--orgs", type=int, default=50_000)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the organisations and scores generated last time"
    )
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=3)
    parser.add_argument("--spawn-rate", type=float, default=2)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    _ensure_database(os.environ.get("DATABASE_URL", DB_URL))
    if args.what in ("all", "setup"):
        setup(args.orgs, args.reuse)
    if args.what in ("all", "run"):
        run(args.users, args.minutes, args.spawn_rate, args.workers, args.threads)


if __name__ == "__main__":
    main()
