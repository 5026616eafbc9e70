"""Running several writers at the same moment, each on its own database connection.

On PostgreSQL every callable runs in its own thread (its own connection) and they start together behind a
barrier, so the database sees real concurrent transactions. SQLite lets one writing transaction run at a
time (the project opens them with BEGIN IMMEDIATE), so there the callables run one after another — the
order concurrent writers get on SQLite anyway — and the same assertions hold.

Tests using this need committed data: mark them ``@pytest.mark.django_db(transaction=True)``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, connections


class Outcome:
    def __init__(self, value: Any = None, error: BaseException | None = None) -> None:
        self.value = value
        self.error = error

    @property
    def ok(self) -> bool:
        return self.error is None

    def __repr__(self) -> str:
        return "Outcome(ok)" if self.ok else f"Outcome({type(self.error).__name__}: {self.error})"


def run_together(calls: Sequence[Callable[[], Any]]) -> list[Outcome]:
    if connection.vendor != "postgresql":
        outcomes = []
        for call in calls:
            try:
                outcomes.append(Outcome(call()))
            except Exception as exc:
                outcomes.append(Outcome(error=exc))
        return outcomes
    results: list[Outcome | None] = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def worker(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = Outcome(call())
        except Exception as exc:
            results[index] = Outcome(error=exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(r is not None for r in results), "a writer did not finish"
    return [r for r in results if r is not None]
