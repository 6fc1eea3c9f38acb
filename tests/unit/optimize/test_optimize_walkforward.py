"""Walk-forward windows: test follows train, never overlaps it, rolls by the step."""

from __future__ import annotations

import pytest
from unit.optimize.synthetic import metrics

from traderagent.optimize.grid_search import SearchError
from traderagent.optimize.walkforward import DAY_MS, Window, efficiency, return_ratio, windows

START = 1_677_628_800_000  # 2023-03-01 00:00 UTC


def test_windows_roll_by_the_step_with_the_test_right_after_the_train() -> None:
    found = windows(START, START + 21 * DAY_MS, 7 * DAY_MS, 2 * DAY_MS, 2 * DAY_MS)
    assert len(found) == 7
    for i, w in enumerate(found):
        assert w.index == i
        assert w.train_start == START + i * 2 * DAY_MS
        assert w.train_end - w.train_start == 7 * DAY_MS
        assert w.test_start == w.train_end  # follows at once: no gap, no overlap
        assert w.test_end - w.test_start == 2 * DAY_MS
        assert w.test_end <= START + 21 * DAY_MS
    tests = [(w.test_start, w.test_end) for w in found]
    assert all(a[1] == b[0] for a, b in zip(tests, tests[1:], strict=False))  # step = test: tiled


def test_a_step_longer_than_the_test_leaves_gaps_never_overlaps() -> None:
    found = windows(START, START + 10 * DAY_MS, 3 * DAY_MS, 1 * DAY_MS, 3 * DAY_MS)
    assert [w.train_start for w in found] == [START, START + 3 * DAY_MS, START + 6 * DAY_MS]
    assert all(w.test_start >= w.train_end for w in found)


def test_data_shorter_than_one_window_is_an_error() -> None:
    with pytest.raises(SearchError, match="covers 5.0 days; one train \\+ test window needs 9.0"):
        windows(START, START + 5 * DAY_MS, 7 * DAY_MS, 2 * DAY_MS, 2 * DAY_MS)
    with pytest.raises(SearchError, match="must be positive"):
        windows(START, START + 5 * DAY_MS, 0, DAY_MS, DAY_MS)


def test_efficiency_compares_returns_per_day() -> None:
    train, test = 7 * DAY_MS, 2 * DAY_MS
    assert efficiency([(metrics(7.0), metrics(2.0))], train, test) == pytest.approx(1.0)
    assert efficiency([(metrics(7.0), metrics(1.0))], train, test) == pytest.approx(0.5)
    assert efficiency([(metrics(-1.0), metrics(1.0))], train, test) is None  # IS not positive
    both = [(metrics(7.0), metrics(2.0)), (metrics(7.0), metrics(0.0)), (None, None)]
    assert efficiency(both, train, test) == pytest.approx(0.5)
    assert return_ratio(both) == pytest.approx(1 / 7)  # mean OOS 1 % over mean IS 7 %
    assert Window(0, 0, 5, 9).test_start == 5
