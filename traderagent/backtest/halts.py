"""The emergency halt of a backtest: when the account's risk limits stopped the bots, and why.

A halt decides a run: the bots stop trading but keep what they hold, so the figures after it
are the market's, not the strategy's. The engine path records the first `HaltTriggered` event
(`HaltRecorder`); a fast kernel reports only the engine time of its halt, and `kernel_halt`
rebuilds the reason with the engine's own `EquityWatch` from the exact equity of the few
candles that decide it (the peak, the day's first candle, the breaching one), so both paths
give the same time and the same words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np

from traderagent.backtest.equity import EquityCurve
from traderagent.clock import format_ts
from traderagent.config.risk import RiskConfig
from traderagent.domain import ZERO, Fill, Side
from traderagent.domain.events import HaltTriggered
from traderagent.marketdata import CandleSeries

if TYPE_CHECKING:  # the bus and the engine's watch (asyncio with them) only where a halt is
    from traderagent.bus import EventBus

PEAK_SLACK = 1e-9
"""Relative float error of the curve within which a candle may hold the exact peak."""


@dataclass(frozen=True, slots=True)
class Halt:
    """An emergency halt during a backtest."""

    ts: int
    """Engine time of the halt (the close of the candle whose equity breached), epoch ms."""
    reason: str
    """The breach as the engine words it: the limit, the figures, the config field."""

    def as_json(self) -> dict[str, Any]:
        return {"ts": self.ts, "reason": self.reason}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Halt:
        return cls(int(data["ts"]), str(data["reason"]))

    def describe(self) -> str:
        """`2023-03-10 14:02 UTC: drawdown 15.01% ... (max_drawdown_pct)`."""
        return f"{format_ts(self.ts)} UTC: {self.reason}"


class HaltRecorder:
    """Keeps the first `HaltTriggered` published on `bus` (every bot halts at that moment)."""

    def __init__(self, bus: EventBus) -> None:
        self.halt: Halt | None = None
        self.unsubscribe: Callable[[], None] = bus.subscribe(HaltTriggered, self._seen)

    def _seen(self, event: HaltTriggered) -> None:
        if self.halt is None:
            self.halt = Halt(event.ts, event.reason)


def kernel_halt(
    risk: RiskConfig,
    halt_ts: int,
    candles: CandleSeries,
    fills: Sequence[Fill],
    equity: EquityCurve,
    *,
    balances: Mapping[str, Decimal],
    base: str,
    quote: str,
    halt_tags: frozenset[str] = frozenset(),
) -> Halt:
    """The halt a kernel reports at `halt_ts`, worded as the engine words it. `fills` and
    `equity` are the run's (the fills with `halt_tags` made by the halt itself are left out of
    the equity the watch saw)."""
    i = int(np.searchsorted(equity.close_ts, halt_ts))
    if i >= len(equity) or int(equity.close_ts[i]) != halt_ts:
        return Halt(halt_ts, "the account's risk limits were breached")
    exact = _ExactEquity(candles, fills, equity.fill_candles, balances, base, quote)
    from traderagent.engine.risk.equity_watch import DAY_MS, EquityWatch

    watch = EquityWatch(risk, quote)
    first_of_day = int(np.searchsorted(candles.ts, candles.ts[i] // DAY_MS * DAY_MS))
    for j in sorted({*_peak_candidates(equity, exact, i), first_of_day} - {i}):
        watch.observe(int(candles.ts[j]), exact.at(j))
    counted = exact.made(i)
    while counted and equity.fill_candles[counted - 1] == i and fills[counted - 1].tag in halt_tags:
        counted -= 1  # the halt's own fills come last in its candle: after the watch looked
    breach = watch.observe(int(candles.ts[i]), exact.value(counted, i))
    reason = breach.reason if breach is not None else "the account's risk limits were breached"
    return Halt(halt_ts, reason)


def _peak_candidates(equity: EquityCurve, exact: _ExactEquity, i: int) -> list[int]:
    """Candles before `i` that may hold the exact peak: near the float curve's highest, one
    per distinct (fills made, close) pair, or per fills made while nothing is held."""
    if i == 0:
        return []
    values = equity.values[:i]
    top = float(values.max())
    near = np.flatnonzero(values >= top - PEAK_SLACK * (abs(top) + 1.0))
    chosen: dict[tuple[int, float], int] = {}
    for j in near.tolist():
        made = exact.made(j)
        held = exact.held_after(made)
        key = (made, float(exact.closes[j]) if held != 0 else 0.0)
        chosen.setdefault(key, j)
    return list(chosen.values())


class _ExactEquity:
    """`cash + held x close` after a candle's fills, in Decimal, computed only where asked."""

    def __init__(
        self,
        candles: CandleSeries,
        fills: Sequence[Fill],
        fill_candles: np.ndarray[Any, np.dtype[np.int64]],
        balances: Mapping[str, Decimal],
        base: str,
        quote: str,
    ) -> None:
        self.closes = candles.close
        self.fills, self.fill_candles = fills, fill_candles
        self.base, self.quote = base, quote
        self.cash = [balances.get(quote, ZERO)]
        self.held = [balances.get(base, ZERO)]

    def made(self, j: int) -> int:
        """Fills made up to and including candle j's step."""
        return int(np.searchsorted(self.fill_candles, j, side="right"))

    def held_after(self, made: int) -> Decimal:
        self._extend(made)
        return self.held[made]

    def at(self, j: int) -> Decimal:
        return self.value(self.made(j), j)

    def value(self, made: int, j: int) -> Decimal:
        """Equity after the first `made` fills, valued at candle j's close."""
        self._extend(made)
        return self.cash[made] + self.held[made] * Decimal(repr(float(self.closes[j])))

    def _extend(self, made: int) -> None:
        cash, held = self.cash[-1], self.held[-1]
        for fill in self.fills[len(self.cash) - 1 : made]:
            notional = fill.price * fill.qty
            fee_quote = fill.fee if fill.fee_asset == self.quote else ZERO
            fee_base = fill.fee if fill.fee_asset == self.base else ZERO
            if fill.side is Side.BUY:
                cash -= notional + fee_quote
                held += fill.qty - fee_base
            else:
                cash += notional - fee_quote
                held -= fill.qty + fee_base
            self.cash.append(cash)
            self.held.append(held)
