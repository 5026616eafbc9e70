"""Fifty people saving one organisation's values at the same moment, all from pages opened before any
of them saved: no change is lost, no value is overwritten unseen, nobody gets a server error.

On PostgreSQL these are concurrent transactions (core.tests.concurrency); they commit (transaction=True),
so this module builds its own world instead of the module-wide one.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial

import pytest
from django.core.exceptions import ValidationError

from conftest import build_world
from wuxing.core.management.base import system_user
from wuxing.core.tests.concurrency import run_together
from wuxing.rules import services
from wuxing.rules.models import Score
from wuxing.rules.tests.helpers import YEAR

pytestmark = pytest.mark.django_db(transaction=True)


def test_fifty_stale_writers_lose_nothing() -> None:
    w = build_world()
    services.load_shipped(system_user())
    book = services.active_rulebook(YEAR, "rural").rulebook  # type: ignore[union-attr]
    # the count items take any whole number, so each writer can write a value of its own
    codes = [ind.code for _s, ind in book.iter_indicators() if ind.counts][:29]
    admin = w.users["admin"]
    writers = [(codes[i % len(codes)], str(i + 1)) for i in range(50)]  # 21 items get two writers

    def write(code: str, value: str) -> dict[str, int]:
        # every page was opened while nothing was entered: it shows "" for every item
        return services.save_scores(admin, w.village_a, YEAR, {code: value}, expected={code: ""})

    outcomes = run_together([partial(write, c, v) for c, v in writers])
    errors = [o.error for o in outcomes if not o.ok]
    assert all(isinstance(e, services.ScoreConflict) for e in errors), errors
    stored = dict(Score.objects.filter(org=w.village_a, year=YEAR).values_list("indicator_code", "value"))
    saved = [(c, v) for (c, v), o in zip(writers, outcomes, strict=True) if o.ok]
    # every writer told "saved" has its value stored, and each item has exactly one such writer
    assert {c: Decimal(v) for c, v in saved} == stored
    assert len(saved) == len(codes) and len(stored) == len(codes)
    # every writer refused was told who changed its item
    assert all("已被他人修改" in str(e) for e in errors)


def test_simultaneous_first_values_of_one_item_never_collide_on_the_unique_key() -> None:
    """Without the organisation lock two writers could both see "no value yet" and both insert."""
    w = build_world()
    services.load_shipped(system_user())
    admin = w.users["admin"]
    outcomes = run_together(
        [
            partial(services.save_scores, admin, w.village_a, YEAR, {"cyxw.income": str(v)})
            for v in range(10, 20)
        ]
    )
    assert all(o.ok or isinstance(o.error, ValidationError) for o in outcomes), outcomes
    assert all(o.ok for o in outcomes), outcomes  # imports and commands replace by design: all succeed
    assert Score.objects.filter(org=w.village_a, indicator_code="cyxw.income").count() == 1
