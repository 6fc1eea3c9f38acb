"""The same strategy on candle paths perturbed within each candle's range.

`perturbed` keeps every candle's time, high, low and volume and draws a new close uniformly in
[low, high]; each open is the previous perturbed close, held inside its own candle's range
(the first open is kept). So every path is one the candles allow, and a result that needed
the exact closes shows as a wide spread. `perturbation_runs` backtests `runs` such paths
(seeded) and summarises their return and max drawdown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from traderagent.marketdata import CandleSeries

DEFAULT_SEED = 11


def perturbed(candles: CandleSeries, rng: np.random.Generator) -> CandleSeries:
    """A copy of `candles` whose closes (and so opens) are redrawn within each range."""
    low, high = candles.low, candles.high
    close = low + (high - low) * rng.random(len(candles))
    opens = candles.open.copy()
    if len(candles) > 1:
        opens[1:] = np.clip(close[:-1], low[1:], high[1:])
    return CandleSeries(
        symbol=candles.symbol,
        interval_ms=candles.interval_ms,
        ts=candles.ts.copy(),
        open=opens,
        high=high.copy(),
        low=low.copy(),
        close=close,
        volume=candles.volume.copy(),
    )


@dataclass(frozen=True, slots=True)
class Perturbation:
    """The backtests on perturbed paths: each run's return and max drawdown, in percent."""

    seed: int
    returns_pct: tuple[float, ...]
    drawdowns_pct: tuple[float, ...]

    @property
    def profitable(self) -> int:
        return sum(1 for r in self.returns_pct if r > 0)

    def line(self) -> str:
        """`5 runs: return -1.20 .. +3.40 % (median +2.10 %), max drawdown 8.10 .. 12.30 %,
        4 of 5 profitable`."""
        r, d = self.returns_pct, self.drawdowns_pct
        if not r:
            return "no run"
        return (
            f"{len(r)} runs: return {min(r):+.2f} .. {max(r):+.2f} % (median"
            f" {float(np.median(r)):+.2f} %), max drawdown {min(d):.2f} .. {max(d):.2f} %,"
            f" {self.profitable} of {len(r)} profitable"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "runs": len(self.returns_pct),
            "return_pct": list(self.returns_pct),
            "max_drawdown_pct": list(self.drawdowns_pct),
            "profitable": self.profitable,
        }


def perturbation_runs(
    candles: CandleSeries,
    backtest: Callable[[CandleSeries], tuple[float, float]],
    runs: int,
    seed: int = DEFAULT_SEED,
    cancelled: Callable[[], bool] | None = None,
) -> Perturbation:
    """`backtest` (candles -> return %, max drawdown %) on `runs` perturbed copies; once
    `cancelled` returns True no further run starts (the result holds the runs done)."""
    rng = np.random.default_rng(seed)
    figures = []
    for _ in range(runs):
        if cancelled is not None and cancelled():
            break
        figures.append(backtest(perturbed(candles, rng)))
    return Perturbation(seed, tuple(r for r, _ in figures), tuple(d for _, d in figures))
