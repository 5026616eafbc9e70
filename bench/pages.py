"""Time the main pages on the Beiguan demo (112 organisations) and count their queries.

  python -m bench.pages                # a throw-away SQLite database under bench/out/
  DATABASE_URL=postgres://… python -m bench.pages

Best of 5 per page, DEBUG off, logged in as the demo district admin.
"""

from __future__ import annotations

import time

from bench.demo import load_demo

PAGES = [
    "/stars/ratings/",
    "/stars/ratings/?format=xlsx",
    "/stars/orgs/{org}/",
    "/api/v1/ratings?year=2023",
    "/orgs/",
    "/orgs/tree/",
    "/orgs/?format=xlsx",
    "/funds/?year=2023",
    "/funds/?year=2023&format=xlsx",
    "/funds/?year=2023&format=pdf",
    "/api/v1/entitlements?year=2023",
    "/funds/budget/?year=2024",
    "/funds/budget/?year=2024&format=xlsx",
    "/funds/ledgers/2023/v1/",
    "/api/v1/claims",
    "/boards/",
    "/boards/?format=xlsx",
    "/boards/units/",
    "/boards/trainings/compliance/",
    "/boards/groups/?year=2023",
    "/boards/groups/?year=2023&format=xlsx",
]


def main() -> None:
    load_demo("pages")
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from wuxing.accounts.models import User
    from wuxing.orgs.models import OrgUnit

    org = OrgUnit.objects.get(code="BZ002").pk
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    print(f"database {connection.vendor}")
    for template in PAGES:
        url = template.format(org=org)
        client.get(url, HTTP_HOST="127.0.0.1")
        best = float("inf")
        for _ in range(5):
            with CaptureQueriesContext(connection) as queries:
                t0 = time.perf_counter()
                response = client.get(url, HTTP_HOST="127.0.0.1")
                best = min(best, time.perf_counter() - t0)
        assert response.status_code == 200, (url, response.status_code)
        print(f"{url:<32} {best * 1000:6.0f} ms {len(queries.captured_queries):4d} queries")


if __name__ == "__main__":
    main()
