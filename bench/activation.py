"""Province-scale rulebook activation (docs/decisions.md §40): what the admin waits for, what the job
takes, and the first ratings page after it, beside a floor measured in the same loop.

Generates the province of bench/rating.py (50,000 organisations, two thirds rural, ~1.86 million values)
into a throw-away database, adds a second rural version (村集体经济收入 ≥ 21 万元 instead of 20), then in
each of ≥ 3 rounds activates the other rural version and measures, the floor's place alternating:

  request              POST /stars/rulebooks/<pk>/activate/ as the district admin (Django's test client):
                       records the request and queues the job (its process is not spawned here)
  job: 重新计分         the job's first phase, run in this process exactly as `wuxing run_job` runs it:
                       version switched and every rural value rescored, one transaction
  job: 更新评定         the second phase: the kept ratings decided again (kept.refresh, whole district)
  first page           GET /stars/ratings/?page=<middle> right after the job (should be the warm path)
  floor                read every rural score row and write the same engine columns back
                       (services._write_cells): the least IO any rescore needs

  python -m bench.activation                         # SQLite file bench/out/activation.sqlite3
  python -m bench.activation --orgs 10000
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/wx_activation python -m bench.activation
  python -m bench.activation --reuse                 # keep the data generated last time
  python -m bench.activation --orgs 2000 --threshold 0   # a quick check of the mechanism
  python -m bench.activation --reuse --request-only --rounds 5   # the request alone, beside a page read
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any

from bench.rating import OUT, YEAR, generate, get, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orgs", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="不重新生成数据（沿用上次生成的）")
    parser.add_argument("--threshold", type=int, help="WUXING_RESCORE_JOB_SCORES (default: the setting)")
    parser.add_argument(
        "--request-only",
        action="store_true",
        help="只测请求：每轮发起启用后删除排队的任务（不运行），与一次评定页读取交替",
    )
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    setup_django(os.environ.get("DATABASE_URL") or f"sqlite:///{OUT / 'activation.sqlite3'}")
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from wuxing.accounts.models import User
    from wuxing.core import jobs
    from wuxing.core.models import Job
    from wuxing.orgs.models import OrgUnit
    from wuxing.rules import services
    from wuxing.rules.models import RulebookVersion, Score

    if not args.reuse:
        from django.core.management import call_command

        from wuxing.core.models import DecisionLog

        call_command("migrate", verbosity=0)
        DecisionLog.objects.all().delete()  # a throw-away database: the last run's activations
        Job.objects.all().delete()
        generate(args.orgs)
    settings.WUXING_JOBS_INLINE = False
    if args.threshold is not None:
        settings.WUXING_RESCORE_JOB_SCORES = args.threshold
    queued: list[int] = []
    jobs._spawn = queued.append  # the job is run below, in this process, to time its phases
    phases: dict[str, float] = {}
    real_set_phase = jobs.set_phase

    def set_phase(job: Any, phase: str, total: int = 0) -> None:
        phases[phase] = time.perf_counter()
        real_set_phase(job, phase, total)

    jobs.set_phase = set_phase  # type: ignore[assignment]

    admin = User.objects.get(username="bench_admin")
    client = Client()
    client.force_login(admin)
    v1 = RulebookVersion.objects.get(year=YEAR, kind="rural", version=1)
    other = RulebookVersion.objects.filter(year=YEAR, kind="rural", version=2).first()
    if other is None:
        text = v1.content.replace("target: 20\n", "target: 21\n", 1)
        other = services.create_version(admin, text, note="基准：门槛 21 万元", based_on=v1, activate=False)
    rural = Score.objects.filter(year=YEAR, org__area_kind="rural")
    n_orgs = OrgUnit.objects.filter(level="branch").count()
    n_rural = rural.count()
    page = f"/stars/ratings/?page={max(1, n_orgs // 50 // 2)}"
    print(
        f"database {connection.vendor}; {n_orgs} organisations, {n_rural} rural values "
        f"(job above {settings.WUXING_RESCORE_JOB_SCORES})"
    )

    def floor() -> dict[str, float]:
        t0 = time.perf_counter()
        rows = list(
            rural.order_by("pk").values_list(
                "pk", "scored_with_id", "star_index", "cents", "bit", "met_bit", "required"
            )
        )
        for start in range(0, len(rows), 2000):
            services._write_cells(rows[start : start + 2000])
        return {"floor": time.perf_counter() - t0}

    def activation() -> dict[str, float]:
        target = RulebookVersion.objects.filter(year=YEAR, kind="rural", is_active=False).get()
        t0 = time.perf_counter()
        response = client.post(f"/stars/rulebooks/{target.pk}/activate/", {"note": ""}, HTTP_HOST="127.0.0.1")
        request = time.perf_counter() - t0
        assert response.status_code == 302 and response["Location"].startswith("/jobs/"), response
        pk = queued.pop()
        jobs.run(pk)
        end = time.perf_counter()
        job = Job.objects.get(pk=pk)
        assert job.status == "done" and job.phase == "ratings", (job.status, job.error)
        assert RulebookVersion.objects.get(year=YEAR, kind="rural", is_active=True) == target
        t1 = time.perf_counter()
        get(client, page)
        first = time.perf_counter() - t1
        return {
            "request": request,
            "job: 重新计分": phases["ratings"] - phases["rescore"],
            "job: 更新评定": end - phases["ratings"],
            "job (whole)": end - phases["rescore"],
            "first page": first,
        }

    def request_only() -> dict[str, float]:
        target = RulebookVersion.objects.filter(year=YEAR, kind="rural", is_active=False).get()
        t0 = time.perf_counter()
        response = client.post(f"/stars/rulebooks/{target.pk}/activate/", {"note": ""}, HTTP_HOST="127.0.0.1")
        request = time.perf_counter() - t0
        assert response.status_code == 302 and response["Location"].startswith("/jobs/"), response
        Job.objects.filter(pk=queued.pop()).delete()  # not run: nothing changes but the decision log
        return {"request": request}

    def page_read() -> dict[str, float]:
        t0 = time.perf_counter()
        get(client, page)
        return {"ratings page": time.perf_counter() - t0}

    get(client, page)  # warm imports and the kept ratings
    times: dict[str, list[float]] = {}
    if args.request_only:
        floor, activation = page_read, request_only  # type: ignore[assignment]
    for n in range(args.rounds):
        order = [floor, activation] if n % 2 == 0 else [activation, floor]
        for fn in order:
            for name, seconds in fn().items():
                times.setdefault(name, []).append(seconds)
        print(f"round {n + 1}: " + ", ".join(f"{k} {v[-1]:.3f} s" for k, v in times.items()), flush=True)
    for name, values in times.items():
        print(f"{name:<16} min {min(values):8.3f} s   median {statistics.median(values):8.3f} s")
    if args.request_only:
        return
    print(
        "job (whole) / floor: "
        f"{min(times['job (whole)']) / min(times['floor']):.1f}× (min), "
        f"{statistics.median(times['job (whole)']) / statistics.median(times['floor']):.1f}× (median)"
    )


if __name__ == "__main__":
    main()
