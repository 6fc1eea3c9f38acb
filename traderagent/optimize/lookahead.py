"""The look-ahead check: does any decision depend on data that came after it?

The bot runs on the engine (paper venue, replay clock, journal in memory) over the full data,
then over copies cut at `cuts` evenly spaced candles. A decision is an order the bot placed:
(time, side, type, price, quantity, tag). The engine's time is a candle's close, so every
decision the full run made at or before a cut was made knowing only candles the cut copy
also holds: the cut copy must make exactly the same ones. Any difference (a decision only one
run made, counted as a multiset) is look-ahead bias: something read data from the future.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from traderagent.backtest.inputs import BacktestError, backtest_config, load_series, replay_window
from traderagent.backtest.memory_journal import MemoryJournal
from traderagent.backtest.venue import backtest_venue
from traderagent.config import AppConfig, ConfigError
from traderagent.marketdata import CandleSeries

DEFAULT_CUTS = 5


@dataclass(frozen=True, slots=True, order=True)
class Decision:
    """An order a bot placed, as the strategy decided it."""

    ts: int
    side: str
    type: str
    price: Decimal | None
    qty: Decimal
    tag: str


@dataclass(frozen=True, slots=True)
class CutDifference:
    """The decisions up to `cut_ms` that only one of the two runs made."""

    cut_ms: int
    only_full: tuple[Decision, ...]
    only_cut: tuple[Decision, ...]


@dataclass(frozen=True, slots=True)
class LookaheadResult:
    data_label: str
    first_ms: int
    end_ms: int
    decisions: int
    """Decisions of the full run."""
    cuts: tuple[int, ...]
    differences: tuple[CutDifference, ...]
    """One per cut whose decisions changed (empty: no look-ahead found)."""


def check_lookahead(
    config: AppConfig,
    bot: str,
    data: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    cuts: int = DEFAULT_CUTS,
    progress: Callable[[float], None] | None = None,
) -> LookaheadResult:
    """Run `bot` on the full data and on `cuts` truncated copies; compare their decisions."""
    if cuts < 1:
        raise BacktestError(f"--cuts must be at least 1, got {cuts}")
    run_config = backtest_config(config, bot=bot, start=start, end=end)
    candles, label = load_series(data, run_config.replay.symbol)
    traded = replay_window(run_config, candles, label).candles
    if len(traded) < cuts + 1:
        raise BacktestError(f"{len(traded)} candles cannot be cut {cuts} times: give more data")
    candles = candles.between(None, traded.last_ts + traded.interval_ms)
    points = sorted({int(traded.ts[len(traded) * i // (cuts + 1)]) for i in range(1, cuts + 1)})
    full = decisions(run_config, candles, label)
    differences = []
    for n, cut in enumerate(points, start=1):
        if progress is not None:
            progress(n / (len(points) + 1))
        # the last candle of the cut copy opens at cut - interval and closes at `cut`
        before = Counter(d for d in full if d.ts <= cut)
        seen = Counter(decisions(run_config, candles.between(None, cut), label))
        only_full, only_cut = before - seen, seen - before
        if only_full or only_cut:
            differences.append(
                CutDifference(
                    cut, tuple(sorted(only_full.elements())), tuple(sorted(only_cut.elements()))
                )
            )
    return LookaheadResult(
        label,
        traded.first_ts,
        traded.last_ts + traded.interval_ms,
        len(full),
        tuple(points),
        tuple(differences),
    )


def decisions(config: AppConfig, candles: CandleSeries, label: str) -> list[Decision]:
    """Every order the config's bots placed on the engine over `candles`, oldest first."""
    return asyncio.run(_decisions(config, candles, label))


async def _decisions(config: AppConfig, candles: CandleSeries, label: str) -> list[Decision]:
    from traderagent.wiring.runtime import assemble_engine

    window = replay_window(config, candles, label)
    venue = backtest_venue(config, window)
    journal = MemoryJournal(clock_ms=venue.clock.now_ms)
    try:
        engine = await assemble_engine(config, venue, journal, "memory")
    except ConfigError as err:
        raise BacktestError(str(err)) from None
    engine.use_config(config)
    try:
        await engine.run()
    finally:
        await engine.close()
    return [
        Decision(o.created_ms, o.side.value, o.type.value, o.price, o.qty, o.tag)
        for o in journal.orders.values()
    ]
