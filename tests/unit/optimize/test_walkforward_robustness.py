"""The walk-forward's out-of-sample windows stitched into one run, on a hand-checked case: the
curve, the period breakdown and the Monte Carlo of the stitched trades."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from unit.optimize.synthetic import metrics

from traderagent.backtest.equity import EquityCurve
from traderagent.backtest.trades import RoundTrip
from traderagent.optimize.walkforward import DAY_MS, WalkForwardResult, Window, WindowResult
from traderagent.optimize.walkforward_robustness import (
    robustness_lines,
    stitched_curve,
    walkforward_robustness,
)

D = Decimal
HOUR = 3_600_000
T0 = 1_677_628_800_000  # 2023-03-01 00:00 UTC


def curve(first_close: int, values: list[float]) -> EquityCurve:
    """12h candles, the first closing at `first_close`, each window from a fresh 1000."""
    close_ts = first_close + 12 * HOUR * np.arange(len(values), dtype=np.int64)
    return EquityCurve(
        close_ts,
        np.asarray(values, dtype=np.float64),
        D(1000),
        D(repr(values[-1])),
        np.zeros(0, dtype=np.int64),
    )


def trip(ts: int, pnl: str) -> RoundTrip:
    return RoundTrip("b", ts, D(1), D(100), D(100), D(pnl))


def window(
    index: int, test_start: int, test_days: int, values: list[float], trades: list[RoundTrip]
) -> WindowResult:
    w = Window(index, test_start - 2 * DAY_MS, test_start, test_start + test_days * DAY_MS)
    equity = curve(test_start + 12 * HOUR, values)
    return WindowResult(w, None, metrics(values[-1] / 10 - 100), "", tuple(trades), equity)


# Two tiled 2-day test windows of 12h candles, each from a fresh 1000:
#   window 1 (1-2 March): 1010, 990, 1020, 1040; trades +30 (1 March), +10 (2 March)
#   window 2 (3-4 March): 980, 1000, 960, 1010; trades -30 (3 March), +40 (4 March)
# Stitched, window 2 starts where window 1 ended (1040): 1020, 1040, 1000, 1050.
FIRST = window(
    0,
    T0,
    2,
    [1010.0, 990.0, 1020.0, 1040.0],
    [trip(T0 + 10 * HOUR, "30"), trip(T0 + 44 * HOUR, "10")],
)
SECOND = window(
    1,
    T0 + 2 * DAY_MS,
    2,
    [980.0, 1000.0, 960.0, 1010.0],
    [trip(T0 + 53 * HOUR, "-30"), trip(T0 + 92 * HOUR, "40")],
)


def result(*windows: WindowResult) -> WalkForwardResult:
    return WalkForwardResult(list(windows), "synthetic", 2 * DAY_MS, 2 * DAY_MS, 0.0)


def test_the_windows_stitch_into_one_curve_from_the_first_start() -> None:
    stitched = stitched_curve([FIRST, SECOND])
    assert stitched is not None
    assert stitched.values.tolist() == [1010, 990, 1020, 1040, 1020, 1040, 1000, 1050]
    assert stitched.starting == D(1000) and stitched.final == D(1050)  # +40, then +10
    assert np.all(np.diff(stitched.close_ts) == 12 * HOUR)


def test_the_stitched_days_and_monte_carlo_are_the_hand_counted_ones() -> None:
    robust = walkforward_robustness(result(FIRST, SECOND), period="day", runs=1000, seed=3)
    assert robust.trades == 4 and not robust.overlapping
    rows = robust.periods
    assert rows is not None
    assert [r.period for r in rows] == ["2023-03-01", "2023-03-02", "2023-03-03", "2023-03-04"]
    assert [r.trades for r in rows] == [1, 1, 1, 1]
    assert [r.pnl for r in rows] == [D(30), D(10), D(-30), D(40)]
    # 1000 -> 1010 -> 990 | 990 -> 1020 -> 1040 | 1040 -> 1020 -> 1040 | 1040 -> 1000 -> 1050
    assert [r.equity_change for r in rows] == pytest.approx([-10.0, 50.0, 0.0, 10.0])
    assert [r.max_drawdown_pct for r in rows] == pytest.approx(
        [20 / 1010 * 100, 0.0, 20 / 1040 * 100, 40 / 1040 * 100]
    )
    mc = robust.monte_carlo
    assert mc is not None and mc.trades == 4
    shuffle, bootstrap = mc.distributions
    # any order of +30 +10 -30 +40 ends at +50 on 1000: +5 %
    assert shuffle.return_pct == pytest.approx((5.0, 5.0, 5.0))
    # the -30 first falls 30 / 1000 = 3 % (a quarter of the orders); last, 30 / 1080 (a quarter)
    assert shuffle.max_drawdown_pct[0] == pytest.approx(30 / 1080 * 100)
    assert shuffle.max_drawdown_pct[2] == pytest.approx(3.0)
    # bootstrapped: from four times -30 (-12 %) to four times +40 (+16 %)
    assert -12.0 <= bootstrap.return_pct[0] < bootstrap.return_pct[2] <= 16.0
    assert "only 4 closed trades" in (mc.fragility or "")
    lines = robustness_lines(robust, 2)
    assert lines[0] == "Out of sample, stitched: the closed trades of 2 test windows in turn"
    assert any(line.startswith("  2023-03-04       1  100 %") for line in lines)


def test_overlapping_test_windows_get_the_monte_carlo_but_no_periods() -> None:
    late = window(1, T0 + DAY_MS, 2, [1000.0, 1000.0, 1000.0, 1005.0], [trip(T0 + 70 * HOUR, "5")])
    robust = walkforward_robustness(result(FIRST, late), period="week")
    assert robust.overlapping and robust.periods is None and robust.trades == 3
    assert robust.monte_carlo is not None and robust.monte_carlo.trades == 3
    text = "\n".join(robustness_lines(robust, 2))
    assert "By week: none (test windows overlap" in text
    assert robust.as_json()["breakdown"]["rows"] is None


def test_windows_that_did_not_run_are_left_out() -> None:
    failed = WindowResult(Window(2, 0, T0, T0 + DAY_MS), None, None, "no trial met the constraints")
    robust = walkforward_robustness(result(FIRST, failed), period="day")
    assert robust.trades == 2 and robust.periods is not None and len(robust.periods) == 2
    nothing = walkforward_robustness(result(failed), period="day")
    assert nothing.monte_carlo is None and nothing.periods == ()
