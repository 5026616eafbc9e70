"""发展党员 at district-plus scale: the register page, its Excel export, the first-page reminders and the
structure statistics, beside a floor measured in the same loop.

Loads the Beiguan demo into a throw-away database (bench/demo.py), then adds N invented people (default
5,000) spread over the demo's organisations, each with the first k steps recorded (k cycling 1–25, bulk
inserted: about 13 events a person) and a pre-review request for those past step 12. Each round runs every
measurement once, in an order that alternates between rounds; min and median per row:

  floor                    bare SQL reading every person and every event (the rows the pages read)
  register page            GET /members/?page=50 as the district admin (50 rows)
  register Excel           GET /members/?format=xlsx (every person, masked)
  Excel floor              the same rows written by a bare openpyxl write-only workbook
  reminders                queries.due_for(district admin): every person's file judged
  structure                GET /members/structure/?year=Y

  .venv/bin/python -m bench.members [--people 5000] [--rounds 5]
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/wx_members_bench .venv/bin/python -m bench.members
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench.demo import load_demo


def populate(n: int) -> int:
    from wuxing.members import idcard
    from wuxing.members.models import Applicant, Document, StepEvent
    from wuxing.orgs.models import Level, OrgUnit

    orgs = list(OrgUnit.objects.filter(level=Level.BRANCH).order_by("code"))
    start = dt.date(2020, 1, 6)
    people = [
        Applicant(
            org=orgs[i % len(orgs)],
            name=f"测试{i:05d}",
            id_number=idcard.make("130104", dt.date(1970, 1, 1) + dt.timedelta(days=i * 3), i, "MF"[i % 2]),
            sex="MF"[i % 2],
            birth_date=dt.date(1970, 1, 1) + dt.timedelta(days=i * 3),
            education=["basic", "secondary", "college", "bachelor", "graduate"][i % 5],
            front_line=i % 3 == 0,
            wealth_leader=i % 7 == 0,
            is_demo=True,
        )
        for i in range(n)
    ]
    Applicant.objects.bulk_create(people, batch_size=1000)
    people = list(Applicant.objects.filter(name__startswith="测试").order_by("pk"))
    events, docs = [], []
    for i, a in enumerate(people):
        last = i % 25 + 1
        for step in range(1, last + 1):
            events.append(
                StepEvent(applicant=a, step=step, done_on=start + dt.timedelta(days=40 * step + i % 300))
            )
        if last >= 12:
            docs.append(Document(applicant=a, kind="r2", dated=start + dt.timedelta(days=40 * 12 + i % 300)))
    StepEvent.objects.bulk_create(events, batch_size=5000)
    Document.objects.bulk_create(docs, batch_size=5000)
    return len(events)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    load_demo("members")
    from django.db import connection
    from django.test import Client

    from wuxing.accounts.models import User
    from wuxing.members import queries

    events = populate(args.people)
    admin = User.objects.get(username="admin")
    client = Client()
    client.force_login(admin)
    year = (dt.date(2020, 1, 6) + dt.timedelta(days=40 * 15 + 150)).year

    def floor() -> None:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT id, org_id, name, id_number, sex, birth_date, education FROM members_applicant"
            )
            cur.fetchall()
            cur.execute("SELECT applicant_id, step, kind, done_on FROM members_stepevent")
            cur.fetchall()
            cur.execute("SELECT applicant_id, kind, dated, ends_on FROM members_document")
            cur.fetchall()

    from wuxing.members import register

    exported = list(register.export_rows(queries.files_of(queries.register(admin)), full_ids=False))

    def excel_floor() -> None:
        import io

        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(register.SHEET)
        ws.append([c.header for c in register.COLUMNS])
        for row in exported:
            ws.append(row)
        wb.save(io.BytesIO())

    def get(url: str) -> Callable[[], None]:
        def run() -> None:
            response = client.get(url, HTTP_HOST="127.0.0.1")
            assert response.status_code == 200, (url, response.status_code)
            if response.streaming:
                b"".join(response.streaming_content)  # type: ignore[attr-defined]

        return run

    cases: dict[str, Callable[[], Any]] = {
        "floor (bare SQL, every row)": floor,
        "register page (50 rows)": get("/members/?page=50"),
        "register Excel (every person)": get("/members/?format=xlsx"),
        "Excel floor (bare openpyxl, same rows)": excel_floor,
        "reminders (district admin)": lambda: queries.due_for(admin),
        f"structure {year}": get(f"/members/structure/?year={year}"),
    }
    for run in cases.values():
        run()  # warm up
    times: dict[str, list[float]] = {name: [] for name in cases}
    order = list(cases)
    for round_no in range(args.rounds):
        for name in order if round_no % 2 == 0 else reversed(order):
            t0 = time.perf_counter()
            cases[name]()
            times[name].append(time.perf_counter() - t0)
    print(
        f"database {connection.vendor}, {args.people} people, {events} events, {args.rounds} rounds (min / median)"
    )
    floor_med = statistics.median(times["floor (bare SQL, every row)"])
    for name, values in times.items():
        med = statistics.median(values)
        print(f"{name:<40} {min(values) * 1000:8.1f} / {med * 1000:8.1f} ms   ×{med / floor_med:6.1f} floor")


if __name__ == "__main__":
    main()
