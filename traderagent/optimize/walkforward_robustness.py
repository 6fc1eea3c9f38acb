"""A walk-forward's robustness and periods, over its stitched out-of-sample trades.

Each test window is a fresh backtest from the starting account; stitched, the windows are
what trading the walk-forward's choices would have done: the closed trades of every test
window in turn, and one equity curve made of each window's equity change added to the end of
the one before (from the first window's starting equity). The Monte Carlo
(`backtest.montecarlo`) resamples those trades; `--breakdown` splits that curve and those
trades by UTC day, ISO week or month (`backtest.periods`), the same code as `traderagent
backtest`'s. The stitched curve needs test windows that do not overlap (`--step` at least
`--test`): overlapping windows trade the same hours twice, so they get no period breakdown
(the Monte Carlo still resamples every window's trades, and says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from traderagent.backtest.analysis_text import monte_carlo_lines, period_bars, period_table
from traderagent.backtest.equity import EquityCurve
from traderagent.backtest.montecarlo import DEFAULT_RUNS, DEFAULT_SEED, MonteCarlo, monte_carlo
from traderagent.backtest.periods import PeriodRow, breakdown
from traderagent.backtest.trades import RoundTrip
from traderagent.optimize.walkforward import WalkForwardResult, WindowResult

OVER = "the stitched out-of-sample trades of every test window"
OVERLAP = "test windows overlap (--step shorter than --test): no stitched equity to split"


@dataclass(frozen=True, slots=True)
class WalkForwardRobustness:
    """The Monte Carlo over the stitched out-of-sample trades, and their periods if asked."""

    trades: int
    monte_carlo: MonteCarlo | None
    period: str | None = None
    periods: tuple[PeriodRow, ...] | None = None
    """None without `--breakdown`, or when the test windows overlap (the JSON's `note` and
    the text say so)."""
    overlapping: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "over": OVER,
            "closed_trades": self.trades,
            "overlapping_windows": self.overlapping,
            "monte_carlo": None if self.monte_carlo is None else self.monte_carlo.as_json(),
            "breakdown": (
                None
                if self.period is None
                else {
                    "period": self.period,
                    "rows": None if self.periods is None else [p.as_json() for p in self.periods],
                    "note": OVERLAP if self.periods is None else None,
                }
            ),
        }


def ran(result: WalkForwardResult) -> list[WindowResult]:
    """The windows whose out-of-sample backtest ran, in window order."""
    return [w for w in result.windows if w.equity is not None and len(w.equity) > 0]


def overlapping(windows: list[WindowResult]) -> bool:
    """Whether any test window starts before the one before it ended."""
    spans = [(w.window.test_start, w.window.test_end) for w in windows]
    return any(b[0] < a[1] for a, b in zip(spans, spans[1:], strict=False))


def stitched_trades(windows: list[WindowResult]) -> list[RoundTrip]:
    """Every test window's closed trades, window after window."""
    return [t for w in windows for t in w.trades]


def stitched_curve(windows: list[WindowResult]) -> EquityCurve | None:
    """One equity curve: window k's values less its own start, plus the first window's start
    and the changes of the windows before it (None without a window that ran)."""
    curves = [w.equity for w in windows if w.equity is not None and len(w.equity) > 0]
    if not curves:
        return None
    starting = curves[0].starting
    carried = Decimal(0)  # the exact change of the windows before, their final less start
    parts, stamps, fill_candles = [], [], []
    candles = 0
    for curve in curves:
        parts.append(curve.values - float(curve.starting) + float(starting + carried))
        stamps.append(curve.close_ts)
        fill_candles.append(curve.fill_candles + candles)
        candles += len(curve)
        carried += curve.final - curve.starting
    return EquityCurve(
        close_ts=np.concatenate(stamps),
        values=np.concatenate(parts),
        starting=starting,
        final=starting + carried,
        fill_candles=np.concatenate(fill_candles),
    )


def robustness_lines(robust: WalkForwardRobustness, windows: int) -> list[str]:
    """The Monte Carlo lines, then the period table and bar chart (as `traderagent backtest`
    prints them), under a line saying which trades they count."""
    lines = [f"Out of sample, stitched: the closed trades of {windows} test windows in turn"]
    if robust.overlapping:
        lines.append("  (the test windows overlap: some hours are traded by two windows)")
    lines.extend(monte_carlo_lines(robust.monte_carlo, robust.trades))
    if robust.period is None:
        return lines
    lines.append("")
    if robust.periods is None:
        lines.append(f"By {robust.period}: none ({OVERLAP})")
        return lines
    lines.append(
        f"By {robust.period} (UTC; trades by their exit; equity stitched window to window)"
    )
    lines.extend(period_table(robust.periods, robust.period))
    lines.append("")
    lines.append(f"Equity change by {robust.period}")
    lines.extend(period_bars(robust.periods))
    return lines


def walkforward_robustness(
    result: WalkForwardResult,
    *,
    period: str | None = None,
    runs: int = DEFAULT_RUNS,
    seed: int = DEFAULT_SEED,
    halt_pct: Decimal | None = None,
) -> WalkForwardRobustness:
    """The Monte Carlo of the stitched out-of-sample trades (`halt_pct`: the account's
    drawdown halt) and, with `period`, their breakdown by day, week or month."""
    windows = ran(result)
    trades = stitched_trades(windows)
    curve = stitched_curve(windows)
    overlap = overlapping(windows)
    mc = None
    if curve is not None:
        pnl = [t.pnl for t in trades]
        mc = monte_carlo(pnl, curve.starting, runs=runs, seed=seed, halt_pct=halt_pct)
    periods = None
    if period is not None and not overlap:
        periods = () if curve is None else tuple(breakdown(curve, trades, period))
    return WalkForwardRobustness(len(trades), mc, period, periods, overlap)
