"""Time the PDFs on the Beiguan demo: a star card and the district ratings report (112 organisations).

  python -m bench.pdf [--rounds 3]             # a throw-away SQLite database under bench/out/

Floor: the same request's HTML page (the star card page, the district ratings page), so the figure
beside it is what WeasyPrint's layout adds. Floor and PDF alternate, which goes first alternating by
round; min and median over the rounds. DEBUG off, Django's test client, logged in as the district admin.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.demo import load_demo


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    load_demo("pdf")
    from django.test import Client

    from wuxing.accounts.models import User
    from wuxing.orgs.models import OrgUnit

    org = OrgUnit.objects.get(code="BZ002").pk
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    pairs = {
        "star card": (f"/stars/orgs/{org}/?year=2023", f"/stars/orgs/{org}/card.pdf?year=2023"),
        "district report": ("/stars/ratings/?year=2023", "/stars/ratings/report.pdf?year=2023"),
    }

    def timed(url: str) -> tuple[float, int]:
        t0 = time.perf_counter()
        response = client.get(url, HTTP_HOST="127.0.0.1")
        elapsed = time.perf_counter() - t0
        assert response.status_code == 200, (url, response.status_code)
        return elapsed, len(response.content)

    for page, pdf in pairs.values():
        timed(page), timed(pdf)  # warm up: templates, fonts, WeasyPrint's import
    for name, (page, pdf) in pairs.items():
        floor: list[float] = []
        made: list[float] = []
        size = 0
        for round_no in range(args.rounds):
            for url in (page, pdf) if round_no % 2 == 0 else (pdf, page):
                elapsed, n = timed(url)
                (made if url == pdf else floor).append(elapsed)
                size = n if url == pdf else size
        print(
            f"{name:<16} page {min(floor) * 1000:6.0f} / {statistics.median(floor) * 1000:6.0f} ms   "
            f"PDF {min(made):5.2f} / {statistics.median(made):5.2f} s   ({size // 1024} KB)"
        )


if __name__ == "__main__":
    main()
