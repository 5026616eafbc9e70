"""Re-rating the Beiguan demo after 参数调整: the whole request, and the preview.

  python -m bench.retune                      # a throw-away SQLite database under bench/out/
  python -m bench.retune --rounds 5
  DATABASE_URL=postgres://… python -m bench.retune

Loads the demo (112 organisations, 2023 scores) into a fresh database. In every round, in alternating
order:

- **floor** — the least a re-rating must do: read every 2023 rural score row and write the same engine
  columns back with one bulk statement per 2,000 rows (``services._write_cells``), no rulebook, no engine;
- **save** — the 参数调整 page's POST as the district admin (Django's test client): the form, a new
  version with its history, activation, every rural value rescored, and the organisations whose stars
  changed (村集体经济收入's threshold alternates between 20 and 21 万元, so each round really changes it);
- **preview** — the same form with "预览变化": the changed rulebook rated in memory against the active one.

Prints min and median of each and the ratio of save to floor.
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
    load_demo("retune")
    from django.db import connection
    from django.test import Client

    from wuxing.accounts.models import User
    from wuxing.rules import services
    from wuxing.rules.models import RulebookVersion, Score

    client = Client()
    client.force_login(User.objects.get(username="admin"))
    rural = Score.objects.filter(year=2023, org__area_kind="rural")
    print(f"database {connection.vendor}; {rural.count()} rural values of {Score.objects.count()}")

    def active() -> RulebookVersion:
        return RulebookVersion.objects.get(year=2023, kind="rural", is_active=True)

    def form(rb: RulebookVersion, target: str) -> dict[str, str]:
        data = {"activate": "on", "reading": "", "note": ""}
        for star in rb.rulebook.stars:
            data[f"n__{star.code}__min_points"] = str(star.award.min_points)
            for ind in star.indicators:
                for field in ("max_points", "target", "points_each", "min_count"):
                    if getattr(ind, field) is not None:
                        data[f"n__{ind.code}__{field}"] = str(getattr(ind, field))
        data["n__cyxw.income__target"] = target
        return data

    def floor() -> float:
        t0 = time.perf_counter()
        rows = list(
            rural.order_by("pk").values_list(
                "pk", "scored_with_id", "star_index", "cents", "bit", "met_bit", "required"
            )
        )
        for start in range(0, len(rows), 2000):
            services._write_cells(rows[start : start + 2000])
        return time.perf_counter() - t0

    state = {"target": 20}

    def save() -> float:
        state["target"] = 41 - state["target"]  # 21, 20, 21, …
        rb = active()
        data = form(rb, str(state["target"]))
        t0 = time.perf_counter()
        response = client.post(f"/stars/rulebooks/{rb.pk}/tune/", data, HTTP_HOST="127.0.0.1")
        elapsed = time.perf_counter() - t0
        assert response.status_code == 302, response.content[:500]
        return elapsed

    def preview() -> float:
        rb = active()
        data = {**form(rb, str(41 - state["target"])), "preview": "1"}
        t0 = time.perf_counter()
        response = client.post(f"/stars/rulebooks/{rb.pk}/tune/", data, HTTP_HOST="127.0.0.1")
        elapsed = time.perf_counter() - t0
        assert response.status_code == 200 and "预览：保存后评定结果的变化" in response.content.decode()
        return elapsed

    times: dict[str, list[float]] = {"floor": [], "save": [], "preview": []}
    runs = {"floor": floor, "save": save, "preview": preview}
    save()  # warm up (imports, caches)
    for n in range(args.rounds):
        order = ["floor", "save", "preview"] if n % 2 == 0 else ["preview", "save", "floor"]
        for name in order:
            times[name].append(runs[name]())
    for name, values in times.items():
        print(f"{name:<8} min {min(values):6.3f} s   median {statistics.median(values):6.3f} s")
    print(
        f"save / floor: {min(times['save']) / min(times['floor']):.1f}× (min), "
        f"{statistics.median(times['save']) / statistics.median(times['floor']):.1f}× (median)"
    )
    rows = services.rating_changes(User.objects.get(username="admin"), 2023, "rural", active().rulebook)
    assert rows == [], "the active version rated against itself changes nobody"


if __name__ == "__main__":
    main()
