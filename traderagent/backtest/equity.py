"""The account's equity after every candle, rebuilt from the fills and the closes.

Cash and the traded base are exact Decimals, changed fill by fill; each candle's equity is
then `cash + base * close` as of the last fill that candle's step had made, as float64 for the
curve (ratios only) and exactly for the first and last values. This is what the engine's own
`Engine.equity` says after each candle (a test checks it point by point), at O(fills) Decimal
work plus O(candles) numpy, whatever the engine skipped on quiet candles.

Which candle a fill belongs to: a market order fills at the clock of the step that sent it,
the close of its candle; a resting order fills at a point of the candle path that crossed it,
at or after that candle's open. The two meet at a candle boundary (a close is the next open),
so the order type decides there. A resting order never fills at the close point: the close
lies between both extremes, which the path visits first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from traderagent.domain import ZERO, Fill, FundingFee, Side
from traderagent.marketdata import CandleSeries

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True, eq=False)
class EquityCurve:
    """Equity in the quote asset: `values[i]` after candle i's step (closing at `close_ts[i]`)."""

    close_ts: IntArray
    values: FloatArray
    starting: Decimal
    """Valued at the first close, before any trade (the engine's starting equity)."""
    final: Decimal
    """After the last candle, exact."""
    fill_candles: IntArray
    """For each fill (in fill order), the index of the candle whose step made it."""

    def __len__(self) -> int:
        return int(self.values.shape[0])


def _price(close: float) -> Decimal:
    return Decimal(repr(close))  # how the engine turns a close into a price


def fill_candle_indices(
    candles: CandleSeries, fills: Sequence[Fill], market_orders: Mapping[str, int]
) -> IntArray:
    """The candle whose step made each fill (see the module docstring)."""
    n = len(candles)
    if not fills or n == 0:
        return np.zeros(len(fills), dtype=np.int64)
    ts = np.fromiter((f.ts for f in fills), dtype=np.int64, count=len(fills))
    market = np.fromiter(
        (f.client_order_id in market_orders for f in fills), dtype=bool, count=len(fills)
    )
    # a market order fills in the step that sent it: at that candle's close, or inside its
    # walk (at a path point, the open included: its time alone would name the candle before)
    sent = np.fromiter(
        (market_orders.get(f.client_order_id, f.ts) for f in fills),
        dtype=np.int64,
        count=len(fills),
    )
    by_close = np.searchsorted(candles.ts + candles.interval_ms, sent, side="left")
    by_open = np.searchsorted(candles.ts, ts, side="right") - 1
    index = np.where(market, by_close, by_open)
    return np.clip(index, 0, n - 1).astype(np.int64)


def equity_curve(
    candles: CandleSeries,
    fills: Sequence[Fill],
    *,
    balances: Mapping[str, Decimal],
    base: str,
    quote: str,
    market_orders: Mapping[str, int] | None = None,
    fill_candles: IntArray | None = None,
    funding: Sequence[FundingFee] = (),
) -> EquityCurve:
    """The curve over `candles` for an account starting with `balances` that made `fills`
    (oldest first) in `base`/`quote`. Each fill's candle is `fill_candles` when the caller
    knows it (a kernel does), else found from its time, `market_orders` mapping the client
    id of each market order to the engine time it was sent (its `created_ms`). `funding`
    (perpetuals: each amount paid, negative when received) leaves the cash at the candle
    closing at its settlement time."""
    cash, held = balances.get(quote, ZERO), balances.get(base, ZERO)
    closes = candles.close
    index = (
        fill_candle_indices(candles, fills, market_orders or {})
        if fill_candles is None
        else np.asarray(fill_candles, dtype=np.int64)
    )
    cash_after = np.empty(len(fills) + 1, dtype=np.float64)
    held_after = np.empty(len(fills) + 1, dtype=np.float64)
    cash_after[0], held_after[0] = float(cash), float(held)
    for k, fill in enumerate(fills, start=1):
        notional = fill.price * fill.qty
        fee_in_quote = fill.fee if fill.fee_asset == quote else ZERO
        fee_in_base = fill.fee if fill.fee_asset == base else ZERO
        if fill.side is Side.BUY:
            cash -= notional + fee_in_quote
            held += fill.qty - fee_in_base
        else:
            cash += notional - fee_in_quote
            held -= fill.qty + fee_in_base
        cash_after[k], held_after[k] = float(cash), float(held)
    n = len(candles)
    # fills made up to and including each candle's step
    made = np.searchsorted(index, np.arange(n), side="right")
    values = cash_after[made] + held_after[made] * closes
    if funding:
        closing = candles.ts + candles.interval_ms
        at = np.searchsorted(closing, [f.ts for f in funding], side="left")
        paid_by = np.zeros(n, dtype=np.float64)
        np.add.at(paid_by, np.clip(at, 0, max(n - 1, 0)), [float(f.amount) for f in funding])
        values = values - np.cumsum(paid_by)
        cash -= sum((f.amount for f in funding), ZERO)
    start_cash, start_held = balances.get(quote, ZERO), balances.get(base, ZERO)
    starting = start_cash + start_held * _price(float(closes[0])) if n else start_cash
    final = cash + held * _price(float(closes[-1])) if n else cash
    return EquityCurve(candles.ts + candles.interval_ms, values, starting, final, index)
