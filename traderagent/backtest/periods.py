"""A backtest by UTC day, ISO week or month (`traderagent backtest --breakdown day|week|month`).

Per period: the closed trades that exited in it (`trade_ledger`: count, wins, exact PnL), the
change of the account's equity over it (marked to market: the periods' changes add up to the
run's net PnL, open positions included) and its own max drawdown (the fall from the running
peak within the period, starting from the equity it opened with). Every period the candles
cover is listed, a period with no trade too. A candle belongs to the period its step ended in
(its close, less a millisecond: the candle closing at midnight is the day before's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from traderagent.backtest.equity import EquityCurve
from traderagent.backtest.metrics import max_drawdown_pct
from traderagent.backtest.trades import RoundTrip
from traderagent.domain import ZERO
from traderagent.ledger import PERIODS
from traderagent.ledger.profit import period_of

DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class PeriodRow:
    """One period of a backtest."""

    period: str
    """`2023-03-05` (day), `2023-W10` (ISO week) or `2023-03` (month), UTC."""
    start_ms: int
    trades: int
    wins: int
    pnl: Decimal
    """The closed trades' PnL, net of fees, exact."""
    equity_change: float
    """Equity at the period's last candle less equity before its first (marked to market)."""
    max_drawdown_pct: float
    """The largest fall from a running peak within the period, in percent, >= 0."""

    def as_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "start_ms": self.start_ms,
            "trades": self.trades,
            "wins": self.wins,
            "pnl": str(self.pnl),
            "equity_change": round(self.equity_change, 8),
            "max_drawdown_pct": self.max_drawdown_pct,
        }


def breakdown(curve: EquityCurve, trades: Sequence[RoundTrip], period: str) -> list[PeriodRow]:
    """The run's periods of kind `period` (day, week, month), oldest first."""
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}: use one of {', '.join(PERIODS)}")
    if len(curve) == 0:
        return []
    stamps = curve.close_ts - 1
    days, first = np.unique(stamps // DAY_MS, return_index=True)
    labels: dict[str, tuple[int, int]] = {}  # label -> (start ms, first candle index)
    for day, index in zip(days.tolist(), first.tolist(), strict=True):
        label, start = period_of(int(day) * DAY_MS, period)
        labels.setdefault(label, (start, int(index)))
    closed = _closed_by_period(trades, period)
    values = np.concatenate(([float(curve.starting)], curve.values))
    bounds = [index for _, index in labels.values()] + [len(curve)]
    rows = []
    for k, (label, (start, _)) in enumerate(labels.items()):
        a, b = bounds[k], bounds[k + 1]
        window = values[a : b + 1]  # the equity before the period's first candle, then each
        done = closed.get(label)
        rows.append(
            PeriodRow(
                period=label,
                start_ms=start,
                trades=done[1] if done else 0,
                wins=done[2] if done else 0,
                pnl=done[3] if done else ZERO,
                equity_change=float(window[-1] - window[0]),
                max_drawdown_pct=max_drawdown_pct(window),
            )
        )
    missed = sorted(set(closed) - set(labels))
    for label in missed:  # a trade outside the candles (cannot happen in a run): still shown
        done = closed[label]
        rows.append(PeriodRow(label, done[0], done[1], done[2], done[3], 0.0, 0.0))
    return sorted(rows, key=lambda row: row.start_ms)


def _closed_by_period(
    trades: Sequence[RoundTrip], period: str
) -> dict[str, tuple[int, int, int, Decimal]]:
    """Per period label: its start, the trades that exited in it, their wins and PnL."""
    sums: dict[str, tuple[int, int, int, Decimal]] = {}
    for trade in trades:
        label, start = period_of(trade.ts, period)
        _, count, wins, pnl = sums.get(label, (start, 0, 0, ZERO))
        sums[label] = (start, count + 1, wins + (trade.pnl > 0), pnl + trade.pnl)
    return sums
