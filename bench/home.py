"""Server time of each role's first page on the Beiguan demo (112 organisations), beside a floor.

  python -m bench.home [--rounds 5]            # a throw-away SQLite database under bench/out/
  DATABASE_URL=postgres://… python -m bench.home

Floor: the password-change page requested by the district admin's client (a trivial logged-in page
through the same middleware, session, menu and base template). Each round requests the floor and every first page once, in an
order that alternates between rounds; min and median over the rounds. DEBUG off, Django's test client
(the time from request to complete response inside the server process, no network). Target: each first
page under 100 ms.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.demo import load_demo

ROLES = {
    "district admin (admin)": "admin",
    "leader (leader)": "leader",
    "street staff, 28 orgs (jd_bz)": "jd_bz",
    "secretary (sj_bz001)": "sj_bz001",
    "dispatched unit (dw_u01)": "dw_u01",
}
FLOOR = "/accounts/password/"  # a trivial logged-in page: form, menu, base template


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    load_demo("home")
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from wuxing.accounts.models import User

    clients = {}
    for label, username in ROLES.items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        clients[label] = client
    floor_client = clients["district admin (admin)"]

    def timed(client: Client, url: str) -> float:
        t0 = time.perf_counter()
        response = client.get(url, HTTP_HOST="127.0.0.1")
        elapsed = time.perf_counter() - t0
        assert response.status_code == 200, (url, response.status_code)
        return elapsed

    # warm up (templates, rulebook compilation, content types) and count queries once
    queries = {}
    timed(floor_client, FLOOR)
    for label, client in clients.items():
        timed(client, "/")
        with CaptureQueriesContext(connection) as ctx:
            timed(client, "/")
        queries[label] = len(ctx)

    times: dict[str, list[float]] = {"floor": [], **{label: [] for label in clients}}
    order = ["floor", *clients]
    for round_no in range(args.rounds):
        for name in order if round_no % 2 == 0 else reversed(order):
            if name == "floor":
                times["floor"].append(timed(floor_client, FLOOR))
            else:
                times[name].append(timed(clients[name], "/"))

    print(f"database {connection.vendor}, {args.rounds} rounds")
    floor_min, floor_med = min(times["floor"]), statistics.median(times["floor"])
    print(f"{'floor ' + FLOOR:<34} {floor_min * 1000:6.1f} / {floor_med * 1000:6.1f} ms")
    for label in clients:
        lo, med = min(times[label]), statistics.median(times[label])
        flag = "" if med < 0.1 else "  OVER 100 ms"
        print(
            f"{label:<34} {lo * 1000:6.1f} / {med * 1000:6.1f} ms"
            f"  ({lo / floor_min:4.1f}× / {med / floor_med:4.1f}× floor, {queries[label]} queries){flag}"
        )


if __name__ == "__main__":
    main()
