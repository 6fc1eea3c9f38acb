"""A backtest's metrics, computed once, here, from the fill list and the equity curve.

The CLI, the TUI, the optimizer and the API all read the same `Metrics`. Conventions:

- money (`fees`, `net_pnl`, `final_equity`) is exact Decimal in the quote asset; in JSON it is
  a string (`"10012.345"`), so nothing is rounded through a float;
- `net_pnl` = final equity - starting equity (the account valued at the first close, before
  any trade); `return_pct` = net_pnl / starting equity x 100;
- `max_drawdown_pct`: the largest fall from a running peak of the curve (starting equity
  first, then one point per candle), in percent of that peak, >= 0;
- `sharpe` and `sortino`: from the simple return of every candle (equity after the candle over
  equity before it, minus 1), risk-free rate 0, annualised by sqrt(candles per 365-day year):
  sqrt(525,600) for 1m candles. Sharpe divides the mean return by the sample standard deviation
  (ddof 1); Sortino by the downside deviation sqrt(mean(min(r, 0)^2)) over all returns;
- `trades`: round trips (`trades.round_trips`: each sell fill that closes bought quantity, at
  average cost, net of all fees); `win_rate` is the share of them with PnL > 0, in 0..1;
  `profit_factor` = gross profit / gross loss of those trades;
- a ratio that is undefined (no trades; no losing trade; fewer than two returns; a deviation
  of zero, within float noise) is None, `null` in JSON, never a division by zero or infinity;
- `grid_cycles` is None when no bot runs a grid (or a router that may run one);
- `elapsed_s`: wall-clock seconds of the replay (building the engine and running it; for a
  fast kernel, its run without the one-off compile or cache load);
- `halted`: the account's emergency halt (`halts.Halt`: its engine time and the breach as the
  engine words it), None when the risk limits never fired. After a halt the bots trade no
  more but keep their holdings, so the later figures are the market's; in JSON it is `null`
  or `{"ts": epoch ms, "reason": "..."}`;
- `rejected_orders`: the orders the venue refused (`rejections.Rejections`), in JSON
  `{"count": n, "by_reason": {kind: n}, "orders": [{ts, bot, tag, side, qty, price, reason}]}`
  (`orders` is `null` from a fast kernel, which counts them by kind only);
- `allocator_refused`: the buys the capital allocator refused (no capital left for them, the
  free cash less what the buys approved before them in the same batch lock): never sent, so
  not venue refusals; each reason is in the log.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

import numpy as np

from traderagent.backtest.equity import EquityCurve
from traderagent.backtest.halts import Halt
from traderagent.backtest.rejections import Rejections
from traderagent.backtest.trades import round_trips
from traderagent.domain import ZERO, Fill

YEAR_MS = 365 * 86_400_000
FLAT = 1e-12
"""A deviation of per-candle returns at or below this is zero (float noise, not risk)."""


@dataclass(frozen=True, slots=True)
class Metrics:
    """What one backtest achieved. `as_json()` gives exactly these fields as JSON values."""

    candles: int
    orders: int
    fills: int
    trades: int
    fees: Decimal
    net_pnl: Decimal
    return_pct: float
    max_drawdown_pct: float
    sharpe: float | None
    sortino: float | None
    win_rate: float | None
    profit_factor: float | None
    final_equity: Decimal
    grid_cycles: int | None
    elapsed_s: float
    halted: Halt | None = None
    rejected_orders: Rejections = field(default_factory=Rejections)
    allocator_refused: int = 0

    def as_json(self) -> dict[str, Any]:
        """The fields in order: Decimals as exact strings, undefined ratios as None, the halt
        as `{ts, reason}`."""
        return {f.name: _json_value(getattr(self, f.name)) for f in fields(self)}


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Halt | Rejections):
        return value.as_json()
    return value


def compute_metrics(
    fills: Sequence[Fill],
    equity: EquityCurve,
    *,
    orders: int,
    grid_cycles: int | None,
    elapsed_s: float,
    interval_ms: int = 60_000,
    halted: Halt | None = None,
    rejected: Rejections | None = None,
    allocator_refused: int = 0,
) -> Metrics:
    """The metrics of a run that placed `orders`, made `fills` (oldest first) and left
    `equity` (one point per candle of `interval_ms`); `halted` if the risk limits fired;
    `rejected`: the orders the venue refused; `allocator_refused`: the buys never sent."""
    trips = round_trips(fills)
    wins = [t.pnl for t in trips if t.pnl > 0]
    losses = [-t.pnl for t in trips if t.pnl < 0]
    gross_loss = sum(losses, ZERO)
    net = equity.final - equity.starting
    curve = np.concatenate(([float(equity.starting)], equity.values))
    returns = _returns(curve)
    per_year = math.sqrt(YEAR_MS / interval_ms)
    return Metrics(
        candles=len(equity),
        orders=orders,
        fills=len(fills),
        trades=len(trips),
        fees=sum((f.fee_value for f in fills), ZERO),
        net_pnl=net,
        return_pct=float(net / equity.starting * 100) if equity.starting else 0.0,
        max_drawdown_pct=max_drawdown_pct(curve),
        sharpe=_ratio(float(returns.mean()), _std(returns), per_year) if returns.size else None,
        sortino=(
            _ratio(float(returns.mean()), _downside(returns), per_year) if returns.size else None
        ),
        win_rate=len(wins) / len(trips) if trips else None,
        profit_factor=float(sum(wins, ZERO) / gross_loss) if gross_loss > 0 else None,
        final_equity=equity.final,
        grid_cycles=grid_cycles,
        elapsed_s=elapsed_s,
        halted=halted,
        rejected_orders=rejected if rejected is not None else Rejections(),
        allocator_refused=allocator_refused,
    )


def max_drawdown_pct(curve: np.ndarray[Any, np.dtype[np.float64]]) -> float:
    """The largest fall from a running peak, in percent of the peak (0 for a rising curve)."""
    if curve.size == 0:
        return 0.0
    peaks = np.maximum.accumulate(curve)
    safe = np.where(peaks > 0, peaks, 1.0)
    falls = np.where(peaks > 0, (peaks - curve) / safe, 0.0)
    return float(falls.max() * 100)


def _returns(curve: np.ndarray[Any, np.dtype[np.float64]]) -> np.ndarray[Any, np.dtype[np.float64]]:
    before, after = curve[:-1], curve[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        returns = np.where(before != 0, after / np.where(before != 0, before, 1.0) - 1.0, 0.0)
    return returns.astype(np.float64)


def _std(returns: np.ndarray[Any, np.dtype[np.float64]]) -> float | None:
    return float(returns.std(ddof=1)) if returns.size >= 2 else None


def _downside(returns: np.ndarray[Any, np.dtype[np.float64]]) -> float | None:
    if returns.size < 2:
        return None
    return math.sqrt(float(np.mean(np.minimum(returns, 0.0) ** 2)))


def _ratio(mean: float, deviation: float | None, per_year: float) -> float | None:
    if deviation is None or not math.isfinite(deviation) or deviation <= FLAT:
        return None
    return mean / deviation * per_year
