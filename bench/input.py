"""What bounded input costs: the engine's validate_value against a bare Decimal(text).

Every value typed into the score form or an Excel cell, and every stored value during a rescore, goes
through ``wuxing.rules.engine.validate_value``, which now checks the text's form and size before
converting it (``wuxing.core.numbers``). This measures, interleaved in the same run:

  floor     Decimal(text) for the same typical inputs (the least any conversion does)
  text      validate_value on typed text: counts ("12", "１２次"), thresholds ("26.5万元", "85%")
  stored    validate_value on stored Decimals (what a rescore of a year feeds it)
  hostile   validate_value on "1e1000000", 5,000 nines and 100 nines: each must be refused in < 50 ms

and prints min and median per round (each round validates the inputs ``--repeat`` times) and the ratio
to the floor. Pure Python, no database:

  python -m bench.input
  python -m bench.input --rounds 9 --repeat 20000
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from wuxing.rules.engine import validate_value
from wuxing.rules.schema import load_rulebook_file

RULEBOOK = Path(__file__).resolve().parent.parent / "wuxing" / "rules" / "rulebooks" / "2023-rural.yaml"

TYPED = [
    ("zbgy.org_life", "12"),
    ("zbgy.org_life", "１２次"),
    ("cyxw.income", "26.5万元"),
    ("stjy.toilets", "85%"),
]
FLOOR_TEXT = ["12", "12", "26.5", "85"]  # what Decimal() is given once the unit is off
STORED = [("zbgy.org_life", 12), ("cyxw.income", Decimal("26.5")), ("stjy.toilets", Decimal(85))]
HOSTILE = ["1e1000000", "9" * 5000, "9" * 100]


def timed(work: Callable[[], None]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=10000, help="validations of each input per round")
    args = parser.parse_args()

    book = load_rulebook_file(RULEBOOK)
    typed = [(book.indicator(code), raw) for code, raw in TYPED]
    stored = [(book.indicator(code), value) for code, value in STORED]
    count = book.indicator("zbgy.org_life")
    money = book.indicator("cyxw.income")
    n = args.repeat

    def floor() -> None:
        for _ in range(n):
            for text in FLOOR_TEXT:
                Decimal(text)

    def text() -> None:
        for _ in range(n):
            for ind, raw in typed:
                validate_value(ind, raw)

    def from_storage() -> None:
        for _ in range(n):
            for ind, value in stored:
                validate_value(ind, value)

    results: dict[str, list[float]] = {"floor": [], "text": [], "stored": []}
    worst_hostile = 0.0
    for _ in range(args.rounds):  # interleaved: every round measures everything once
        results["floor"].append(timed(floor))
        results["text"].append(timed(text))
        results["stored"].append(timed(from_storage))
        for raw in HOSTILE:
            for ind in (count, money):
                start = time.perf_counter()
                try:
                    validate_value(ind, raw)
                except ValueError:
                    pass
                else:
                    raise SystemExit(f"{raw[:12]}… was accepted")
                worst_hostile = max(worst_hostile, time.perf_counter() - start)

    per_value = {"floor": len(FLOOR_TEXT) * n, "text": len(typed) * n, "stored": len(stored) * n}
    floor_median = statistics.median(results["floor"]) / per_value["floor"]
    print(f"{args.rounds} rounds × {n} repeats; times per value")
    for name, times in results.items():
        each = [t / per_value[name] for t in times]
        median = statistics.median(each)
        print(
            f"  {name:7} min {min(each) * 1e6:6.2f} µs  median {median * 1e6:6.2f} µs"
            f"  ratio to floor {median / floor_median:5.1f}×"
        )
    print(
        f"  hostile (1e1000000, 5,000 and 100 nines; count and threshold): worst {worst_hostile * 1e3:.3f} ms"
    )


if __name__ == "__main__":
    main()
