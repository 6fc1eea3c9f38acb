"""Per-regime (and per-route) stress metrics of a backtest: where the strategy earns and where
it bleeds.

A timeline of labels (`regime_log.Change`: the regime, or a routed bot's strategy) splits the
candles; each candle belongs to the label in effect when its step ended. Per label:

- `time_pct`: its share of the run's candles, and `duration_ms` their length;
- `trades`, `win_rate`: the closed trades (`trade_ledger`) that exited in it;
- `pnl`: the change of equity over its candles (marked to market, so the labels add up to the
  run's net PnL), and `trade_pnl` the exact PnL of its closed trades;
- `max_drawdown_pct`: the worst fall from a running peak inside any one stretch of it;
- `exposure_pct`: the average share of equity held in the base coin over its candles.

`costliest` names the label that lost the most, in one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from traderagent.backtest.equity import EquityCurve
from traderagent.backtest.metrics import max_drawdown_pct
from traderagent.backtest.regime_log import Change
from traderagent.backtest.trades import RoundTrip
from traderagent.domain import ZERO, Fill, Side

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class LabelStats:
    """What a run did while one regime (or route) held."""

    label: str
    candles: int
    duration_ms: int
    time_pct: float
    trades: int
    win_rate: float | None
    """Share of its closed trades with PnL > 0, 0..1 (None with no trade)."""
    pnl: float
    trade_pnl: Decimal
    max_drawdown_pct: float
    exposure_pct: float

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "candles": self.candles,
            "duration_ms": self.duration_ms,
            "time_pct": self.time_pct,
            "trades": self.trades,
            "win_rate": self.win_rate,
            "pnl": round(self.pnl, 8),
            "trade_pnl": str(self.trade_pnl),
            "max_drawdown_pct": self.max_drawdown_pct,
            "exposure_pct": self.exposure_pct,
        }


def held_base(
    curve: EquityCurve, fills: Sequence[Fill], start_held: Decimal, n: int
) -> npt.NDArray[np.float64]:
    """The base coin held after each candle's step (from the fills and their candles)."""
    moves = np.fromiter(
        (float(f.base_qty if f.side is Side.BUY else -f.base_qty) for f in fills),
        dtype=np.float64,
        count=len(fills),
    )
    after = np.concatenate(([float(start_held)], float(start_held) + np.cumsum(moves)))
    made = np.searchsorted(curve.fill_candles, np.arange(n), side="right")
    return after[made]


def exposure(curve: EquityCurve, held: Floats, closes: Floats) -> Floats:
    """The share of equity in the base coin after each candle, in percent."""
    values = curve.values
    safe = np.where(values > 0, values, 1.0)
    return np.where(values > 0, held * closes / safe * 100.0, 0.0)


def label_stats(
    curve: EquityCurve,
    changes: Sequence[Change],
    trades: Sequence[RoundTrip],
    exposure_pct: Floats,
    interval_ms: int,
) -> list[LabelStats]:
    """The stats of every label in `changes` (in the order each first held), over `curve`."""
    n = len(curve)
    if n == 0 or not changes:
        return []
    close_ts = curve.close_ts
    starts = np.searchsorted(close_ts, [c.ts for c in changes], side="left").tolist()
    starts[0] = 0
    ends = [*starts[1:], n]
    values = np.concatenate(([float(curve.starting)], curve.values))
    candle_of_trade = np.searchsorted(close_ts, [t.ts for t in trades], side="left")
    owner = np.empty(n, dtype=np.int64)  # the index of the change each candle belongs to
    for k, (a, b) in enumerate(zip(starts, ends, strict=True)):
        owner[a:b] = k
    names = [c.label for c in changes]
    order = list(dict.fromkeys(names))
    stats = []
    for name in order:
        stretches = [
            (a, b) for k, (a, b) in enumerate(zip(starts, ends, strict=True)) if names[k] == name
        ]
        candles = sum(b - a for a, b in stretches)
        mine = [
            t
            for t, i in zip(trades, candle_of_trade.tolist(), strict=True)
            if names[owner[min(i, n - 1)]] == name
        ]
        wins = sum(1 for t in mine if t.pnl > 0)
        pnl = sum(float(values[b] - values[a]) for a, b in stretches)
        drawdown = max(
            (max_drawdown_pct(values[a : b + 1]) for a, b in stretches if b > a), default=0.0
        )
        mask = np.zeros(n, dtype=bool)
        for a, b in stretches:
            mask[a:b] = True
        stats.append(
            LabelStats(
                label=name,
                candles=candles,
                duration_ms=candles * interval_ms,
                time_pct=candles / n * 100.0,
                trades=len(mine),
                win_rate=wins / len(mine) if mine else None,
                pnl=pnl,
                trade_pnl=sum((t.pnl for t in mine), ZERO),
                max_drawdown_pct=drawdown,
                exposure_pct=float(exposure_pct[mask].mean()) if candles else 0.0,
            )
        )
    return [s for s in stats if s.candles > 0]


def costliest(stats: Sequence[LabelStats], what: str = "regime") -> str:
    """One line naming the label that lost the most (or saying none lost)."""
    if not stats:
        return f"no {what} timeline (no candles)"
    worst = min(stats, key=lambda s: s.pnl)
    if worst.pnl >= 0:
        return f"no {what} lost money; the weakest was {worst.label} ({worst.pnl:+,.2f})"
    return (
        f"costliest {what}: {worst.label} {worst.pnl:+,.2f} ({worst.time_pct:.1f} % of the"
        f" time, max DD {worst.max_drawdown_pct:.2f} %)"
    )
