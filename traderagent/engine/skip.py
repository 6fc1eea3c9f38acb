"""Passing over a quiet span of a replay: the engine as if each of its candles had been stepped.

The caller has made sure (see `quiet`) that no candle in the span fills an order, wakes a
strategy or the classifier of a routed bot, trips a stop loss or an account limit, or brings
a snapshot due. What stepping them would still have done is done here in bulk: the candle
count, last prices and the clock move to the span's last candle, the venue records its close,
the bots' candle memories take the span as an index range, indicators that follow every
candle are fed, equity points fall due at their interval, and the account's daily-loss day
and drawdown peak move as `EquityWatch.observe` would have moved them. No `CandleClosed` is
published for a skipped candle.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Protocol

import numpy as np
import numpy.typing as npt

from traderagent.engine.checkpoints import CheckpointedBot
from traderagent.engine.history import span_candles
from traderagent.engine.quiet import QuietAccount, QuietSpec, QuietVenue
from traderagent.engine.quiet_span import QuietPart, QuietSpan
from traderagent.engine.risk.equity_watch import DAY_MS
from traderagent.marketdata.series import CandleSeries


class SkippedBot(CheckpointedBot, QuietPart, Protocol):
    """A bot a quiet span is passed over (`BotRuntime` is one)."""

    @property
    def symbol(self) -> str: ...


class SkippingEngine(QuietPart, QuietAccount, Protocol):
    """What passing over a quiet span needs of the engine (`Engine` is one)."""

    @property
    def lock(self) -> asyncio.Lock: ...

    @property
    def next_equity_ms(self) -> int: ...

    @property
    def bots(self) -> Mapping[str, SkippedBot]: ...

    async def record_equity_at(self, now: int, equity: Decimal) -> None: ...

    def base_asset(self, symbol: str) -> str | None: ...

    def value_at(self, prices: Mapping[str, Decimal]) -> Decimal: ...


class SpanRegime(Protocol):
    """A regime classifier shown every candle of a quiet span, as stepping them would show it
    (the engine's own stepped replay, `quiet_steps`; a fast-forward leaves the classifier of a
    symbol no routed bot trades unfed). Indices are the series'."""

    def next_event(self, k: int) -> int:
        """The first candle at or after `k` that may finish a classifier bar."""
        ...

    def absorb(self, lo: int, hi: int) -> None:
        """Candles [lo, hi), none of which finishes a bar."""
        ...

    def classify(self, k: int) -> None:
        """Candle `k`, which may finish a bar, classified as the engine's step does it."""
        ...


_Value = Callable[[int], Decimal]
"""The account's equity at the close of candle i of the span."""


async def skip_quiet(  # noqa: PLR0913
    engine: SkippingEngine,
    venue: QuietVenue,
    series: CandleSeries,
    lo: int,
    hi: int,
    spec: QuietSpec,
    spacing_ms: int,
    regime: SpanRegime | None = None,
) -> None:
    """Bring `engine` past candles [lo, hi) of `series`, none of which can change anything;
    `spacing_ms` is the least time between two of the series' candles. `regime`: a classifier
    fed each candle, its readings and the equity points published in the candles' order."""
    if hi <= lo:
        return
    symbol, candle_ms = series.symbol, series.interval_ms
    opens = series.ts[lo:hi]  # views: a span allocates nothing per candle
    closes = series.close[lo:hi]
    if spec.absorbers:
        for candle in span_candles(series, lo, hi):
            for absorb in spec.absorbers:
                absorb(candle)
    last_close = float(closes[-1])
    last_open = int(opens[-1])
    last_close_time = last_open + candle_ms
    async with engine.lock:
        value, rising = (
            _valuer(engine, symbol, closes) if engine.starting_equity is not None else (None, 0)
        )
        if regime is not None:
            await _span_events(engine, series, lo, hi, value, regime)
        elif value is not None and engine.next_equity_ms <= last_close_time:
            await _equity_points(engine, opens, candle_ms, value)
        if value is not None:
            _watch_equity(engine, opens, closes, value, rising, last_open)
        span = QuietSpan(series, lo, hi, Decimal(repr(last_close)))
        parts: list[QuietPart] = [engine]
        parts += [bot for bot in engine.bots.values() if bot.symbol == symbol]
        for part in parts:
            part.pass_quiet(span)
        venue.skip_quiet(symbol, last_close, last_close_time)
        engine.snapshots.pass_quietly(engine.bots.values(), opens, candle_ms, spacing_ms)
    await engine.clock.advance_to(last_close_time)


async def _equity_points(
    engine: SkippingEngine, opens: npt.NDArray[np.int64], candle_ms: int, value: _Value
) -> None:
    """The equity points `Engine._record_equity` would have written on these candles."""
    find, n = opens.searchsorted, len(opens)
    k = int(find(engine.next_equity_ms - candle_ms))
    while k < n:
        await engine.record_equity_at(int(opens[k]) + candle_ms, value(k))
        k = int(find(engine.next_equity_ms - candle_ms))


async def _span_events(  # noqa: PLR0913
    engine: SkippingEngine,
    series: CandleSeries,
    lo: int,
    hi: int,
    value: _Value | None,
    regime: SpanRegime,
) -> None:
    """The classifier fed candles [lo, hi) and the equity points due on them, candle by candle
    in the order `EngineLoop.step` makes them: a reading (at its candle's close) before that
    candle's equity point."""
    opens, candle_ms = series.ts[lo:hi], series.interval_ms
    find = opens.searchsorted
    due = lo + int(find(engine.next_equity_ms - candle_ms)) if value is not None else hi
    k = lo
    while k < hi:
        bar = regime.next_event(k)
        m = min(bar, due, hi)
        regime.absorb(k, m)
        if m >= hi:
            return
        close_time = int(opens[m - lo]) + candle_ms
        if m == bar:
            await engine.clock.advance_to(close_time)  # a regime change is logged at it
            regime.classify(m)
        if m == due and value is not None:  # `record_equity`, after the candle's reading
            await engine.record_equity_at(close_time, value(m - lo))
            due = lo + int(find(engine.next_equity_ms - candle_ms))
        k = m + 1


def _watch_equity(
    engine: SkippingEngine,
    opens: npt.NDArray[np.int64],
    closes: npt.NDArray[np.float64],
    value: _Value,
    rising: int,
    last_open: int,
) -> None:
    """`EquityWatch.observe` over the span: the day (and its opening equity) of its last
    candle (opening at `last_open`), and the peak at its highest equity (at the highest close
    for a long account, the lowest for a short one)."""
    watch = engine.equity_watch
    if watch is None:
        return
    last_day = last_open // DAY_MS
    best = int(closes.argmax()) if rising > 0 else int(closes.argmin()) if rising else 0
    watch.observe_quiet(
        last_day, lambda: value(int(opens.searchsorted(last_day * DAY_MS))), value(best)
    )


def _valuer(
    engine: SkippingEngine, symbol: str, closes: npt.NDArray[np.float64]
) -> tuple[_Value, int]:
    """Equity at the close of candle i of the span, as `Engine.equity` values it (balances are
    constant over a quiet span, so only the traded base's term moves with the price), and the
    sign of that base holding."""
    base = engine.base_asset(symbol)
    prices = engine.prices
    alone = len(prices) == 1 and symbol in prices  # the usual replay: one symbol
    others = {} if alone else {s: p for s, p in prices.items() if s != symbol}
    if base is None:
        return lambda i: engine.value_at({**others, symbol: Decimal(repr(float(closes[i])))}), 1
    fixed = engine.value_at(others)
    held = engine.balances.get(base)
    qty = held.total if held is not None else Decimal(0)
    if not qty:
        return lambda i: fixed, 0
    return lambda i: fixed + qty * Decimal(repr(float(closes[i]))), 1 if qty > 0 else -1
