"""Which missing star an organisation is closest to, and the order of the street's list — at the
boundaries of each rule (the engine's StarResult fields, stubbed)."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from wuxing.dashboard.queries import closest_first, next_star


def star(name: str, reasons: int, short: str = "0", awarded: bool = False, waits: bool = False) -> Any:
    return SimpleNamespace(
        name=name,
        awarded=awarded,
        reasons=tuple(f"{name} 原因{i}" for i in range(reasons)),
        gap_points=Decimal(short),
        missing_stars=("x",) if waits else (),
    )


def next_name(r: Any) -> str:
    found = next_star(r)
    assert found is not None
    return found.star


def row(name: str, level: int, *stars: Any) -> Any:
    result = SimpleNamespace(star_results={s.name: s for s in stars})
    return SimpleNamespace(org_name=name, level=level, street_code="ZB", org_code=name, result=result)


def test_fewest_gap_items_then_fewest_points():
    r = row("甲", 1, star("A", 2, "1"), star("B", 1, "30"), star("C", 1, "29.99"), star("D", 0, awarded=True))
    assert next_name(r) == "C"  # one item each for B and C: fewer points short wins


def test_a_star_waiting_for_another_star_comes_after_one_that_can_be_earned_now():
    r = row("乙", 2, star("A", 1, waits=True), star("B", 2, "5"))
    assert next_name(r) == "B"  # 须先获得 A's prerequisite: one item, but not the next to work on
    only_waiting = row("丙", 2, star("A", 1, waits=True), star("B", 3, awarded=True))
    assert next_name(only_waiting) == "A"


def test_five_stars_have_no_next_star_and_the_list_is_closest_first():
    five = row("丁", 5, *(star(n, 0, awarded=True) for n in "ABCDE"))
    assert next_star(five) is None
    near = row("近", 3, star("A", 1, "0.5"))
    far = row("远", 4, star("A", 2, "0"))
    tie_low = row("平低", 1, star("A", 1, "0.5"))
    waiting = row("等", 4, star("A", 1, "0", waits=True))
    order = [n.row.org_name for n in closest_first([far, waiting, five, tie_low, near])]
    assert order == ["近", "平低", "远", "等"]  # equal gaps: the higher level first
