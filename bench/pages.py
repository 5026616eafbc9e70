"""Time the main pages on the Beiguan demo (112 organisations) and count their queries.

  python -m bench.pages                # a throw-away SQLite database under bench/out/
  DATABASE_URL=postgres://… python -m bench.pages

Best of 5 per page, DEBUG off, logged in as the demo district admin.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
PAGES = [
    "/stars/ratings/",
    "/stars/ratings/?format=xlsx",
    "/stars/orgs/{org}/",
    "/api/v1/ratings?year=2023",
    "/orgs/",
    "/orgs/tree/",
    "/orgs/?format=xlsx",
]


def main() -> None:
    OUT.mkdir(exist_ok=True)
    db = OUT / "pages.sqlite3"
    if not os.environ.get("DATABASE_URL"):
        db.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["WUXING_DEMO_LOGIN_ALLOWED"] = "1"
    os.environ["DJANGO_SETTINGS_MODULE"] = "wuxing.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from wuxing.accounts.models import User
    from wuxing.orgs.models import OrgUnit

    call_command("migrate", verbosity=0)
    call_command("load_demo", "--quiet-accounts", verbosity=0)
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
