"""The competition's rules at their boundaries: dense ranks and the tie-break, robust observation means,
weights, the bottom band and the policy's K−1 / K / K+1 periods."""

from __future__ import annotations

from decimal import Decimal as D

from wuxing.competition import engine


def test_dense_rank_shares_a_rank_and_breaks_ties_by_code() -> None:
    ranked = engine.dense_rank([("c", "ZB003", D("90")), ("a", "ZB001", D("95")), ("b", "BZ002", D("90")),
                                ("d", "ZB004", D("80")), ("e", "AA001", D("95"))])  # fmt: skip
    assert [(r.code, r.rank) for r in ranked] == [
        ("AA001", 1), ("ZB001", 1), ("BZ002", 2), ("ZB003", 2), ("ZB004", 3)
    ]  # fmt: skip


def test_dense_rank_is_stable_whatever_the_input_order() -> None:
    entries = [(i, f"C{i:03d}", D(i % 3)) for i in range(30)]
    assert engine.dense_rank(entries) == engine.dense_rank(list(reversed(entries)))


def test_robust_mean_drops_one_highest_and_one_lowest_from_five_observers() -> None:
    assert engine.robust_mean([D(90), D(91), D(89), D(10), D(100)], 5) == (D("90.00"), 3)
    # the same outliers with four observers all count
    assert engine.robust_mean([D(90), D(91), D(10), D(100)], 5) == (D("72.75"), 4)


def test_robust_mean_with_few_observers_and_none() -> None:
    assert engine.robust_mean([D(88)], 5) == (D("88.00"), 1)
    assert engine.robust_mean([], 5) == (None, 0)
    # tied extremes: only one of each is dropped
    assert engine.robust_mean([D(80), D(80), D(90), D(90), D(85)], 5) == (D("85.00"), 3)
    # the threshold is a parameter
    assert engine.robust_mean([D(0), D(50), D(100)], 3) == (D("50.00"), 1)


def test_combine_weights_and_missing_parts() -> None:
    assert engine.combine(D(80), D(90), D("0.6"), D("0.4")) == D("84.00")
    assert engine.combine(D(80), None, D("0.6"), D("0.4")) == D("80.00")
    assert engine.combine(None, D(90), D("0.6"), D("0.4")) == D("90.00")
    assert engine.combine(D(80), D(90), D("1"), D("0")) == D("80.00")
    assert engine.combine(None, None, D("0.6"), D("0.4")) is None


def _ranked(scores: dict[str, int]) -> list[engine.Ranked[str]]:
    return engine.dense_rank([(c, c, D(s)) for c, s in scores.items()])


def test_bottom_last_place_includes_ties_and_never_everybody() -> None:
    assert engine.bottom(_ranked({"A": 90, "B": 80, "C": 70}), "bottom_n", 1) == {"C"}
    assert engine.bottom(_ranked({"A": 90, "B": 70, "C": 70}), "bottom_n", 1) == {"B", "C"}
    assert engine.bottom(_ranked({"A": 90}), "bottom_n", 1) == set()
    assert engine.bottom(_ranked({"A": 90, "B": 80}), "bottom_n", 5) == {"B"}


def test_bottom_percent_rounds_up() -> None:
    scores = {f"O{i:02d}": 100 - i for i in range(20)}
    assert engine.bottom(_ranked(scores), "bottom_percent", 10) == {"O18", "O19"}
    assert engine.bottom(_ranked(scores), "bottom_percent", 1) == {"O19"}  # ceil(0.2) = 1


def test_streaks_at_k_minus_one_k_and_k_plus_one() -> None:
    k = 3
    at_bottom = {1: {"A"}, 2: {"A"}}
    assert engine.streaks(at_bottom, k) == []  # K−1 periods: nothing
    at_bottom[3] = {"A"}
    found = engine.streaks(at_bottom, k)
    assert [(s.key, s.kind, s.period, s.periods) for s in found] == [("A", "warning", 3, (1, 2, 3))]
    at_bottom[4] = {"A"}
    found = engine.streaks(at_bottom, k)
    assert [(s.kind, s.period) for s in found] == [("warning", 3), ("proposal", 4)]
    at_bottom[5] = {"A"}  # K+2: nothing new
    assert len(engine.streaks(at_bottom, k)) == 2


def test_a_period_off_the_bottom_breaks_the_run() -> None:
    found = engine.streaks({1: {"A"}, 2: {"A"}, 3: {"B"}, 4: {"A"}, 5: {"A"}}, 2)
    assert [(s.key, s.period) for s in found] == [("A", 2), ("A", 5)]
