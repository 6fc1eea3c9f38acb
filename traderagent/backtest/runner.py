"""Run a backtest: the live engine's own code on a ReplayClock and the paper exchange, with
the journal in memory, then its equity curve and metrics.

`run_backtest` is the one entry point for the CLI, the TUI, the optimizer and the API;
`run_backtest_sync` is the same for callers outside asyncio (worker processes). A config with
several bots runs them together on one account unless `bot` picks one.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

import numpy as np

from traderagent.backtest.equity import equity_curve
from traderagent.backtest.fastforward import enable_fast_forward
from traderagent.backtest.halts import Halt, HaltRecorder
from traderagent.backtest.inputs import (
    BacktestError,
    ReplayWindow,
    backtest_config,
    load_series,
    replay_window,
)
from traderagent.backtest.memory_journal import MemoryJournal
from traderagent.backtest.metrics import compute_metrics
from traderagent.backtest.regime_log import WAITING, RegimeLog, regime_changes
from traderagent.backtest.rejections import rejections_of
from traderagent.backtest.result import BacktestResult as BacktestResult  # re-exported
from traderagent.backtest.trades import grid_cycles
from traderagent.backtest.venue import backtest_venue
from traderagent.config import AppConfig, ConfigError
from traderagent.engine.orchestrator import Engine
from traderagent.exchanges.paper.matching import FillModel
from traderagent.facade import RunSummary
from traderagent.marketdata import CandleSeries
from traderagent.wiring.runtime import assemble_engine

PROGRESS_EVERY_S = 0.1
"""How often `progress` is called and `cancelled` asked while the replay runs."""
GRID_KINDS = frozenset({"grid", "router"})


async def run_backtest(
    config: AppConfig,
    *,
    bot: str | None = None,
    candles: CandleSeries | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    fill_model: FillModel | None = None,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> BacktestResult:
    """Backtest `config` (or only its `bot`) on `candles` (default: the config's replay data)
    over [start, end) (default: the config's replay range). `progress` gets the share replayed
    every PROGRESS_EVERY_S; `cancelled` returning True stops the replay there (the result
    covers the candles replayed). BacktestError for anything the caller must change."""
    run_config = backtest_config(config, bot=bot, start=start, end=end, fill_model=fill_model)
    if candles is None:
        candles, label = load_series(run_config.replay.data, run_config.replay.symbol)
    else:
        label = f"{candles.symbol} {len(candles):,} candles"
    window = replay_window(run_config, candles, label)
    began = time.perf_counter()
    venue = backtest_venue(run_config, window)
    journal = MemoryJournal(clock_ms=venue.clock.now_ms)
    try:
        engine = await assemble_engine(run_config, venue, journal, "memory")
    except ConfigError as err:
        raise BacktestError(str(err)) from None
    engine.use_config(run_config)
    halts = HaltRecorder(engine.bus)
    enable_fast_forward(engine)  # quiet candles are passed over in bulk: same fills, faster
    regimes = _listen_regimes(engine, window, run_config)
    watcher = None
    stopped: list[bool] = []
    if progress is not None or cancelled is not None:
        watcher = asyncio.create_task(_watch(engine, progress, cancelled, stopped))
    try:
        summary = await engine.run()
    finally:
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        await engine.close()
    elapsed = time.perf_counter() - began
    if progress is not None:
        progress(engine.progress or 1.0)
    halts.unsubscribe()
    regimes.stop()
    result = _result(
        run_config, engine, journal, window.candles, summary, elapsed, bool(stopped), halts.halt
    )
    return replace(result, regime_log=regimes)


def _listen_regimes(engine: Engine, window: ReplayWindow, config: AppConfig) -> RegimeLog:
    """Record the regime (as warmed up on the history, then each change) and the routed
    bots' strategies from the first candle on; the regime timeline is computed instead when
    the engine does not classify these candles (see `regime_log`)."""
    candles = window.candles
    reading = engine.regimes.get(candles.symbol)
    routes = {}
    for name, bot in engine.bots.items():
        if bot.router is not None:
            policy = bot.router.policy
            now = WAITING if policy.current is None else policy.current.label
            routes[name] = (now, {regime: route.label for regime, route in policy.routes.items()})
    start = int(candles.first_ts) if len(candles) else 0
    regime = reading.regime if reading is not None else None
    computed = (
        None
        if candles.symbol in engine.classifiers
        else regime_changes(candles, config.regime, window.history)
    )
    return RegimeLog.listen(engine.bus, candles.symbol, start, regime, routes, computed)


def run_backtest_sync(
    config: AppConfig,
    *,
    bot: str | None = None,
    candles: CandleSeries | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    fill_model: FillModel | None = None,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> BacktestResult:
    """`run_backtest` in a fresh event loop, for callers outside asyncio (worker processes)."""
    return asyncio.run(
        run_backtest(
            config,
            bot=bot,
            candles=candles,
            start=start,
            end=end,
            fill_model=fill_model,
            progress=progress,
            cancelled=cancelled,
        )
    )


async def _watch(
    engine: Engine,
    progress: Callable[[float], None] | None,
    cancelled: Callable[[], bool] | None,
    stopped: list[bool],
) -> None:
    """Report progress and honour a cancel while the replay runs (it yields to the loop)."""
    while True:
        await asyncio.sleep(PROGRESS_EVERY_S)
        if progress is not None:
            progress(engine.progress or 0.0)
        if cancelled is not None and cancelled():
            stopped.append(True)
            await engine.shutdown()
            return


def _result(
    config: AppConfig,
    engine: Engine,
    journal: MemoryJournal,
    window: CandleSeries,
    summary: RunSummary,
    elapsed: float,
    cancelled: bool,
    halted: Halt | None,
) -> BacktestResult:
    replayed = window.head(engine.candles)
    fills = tuple(journal.fills)
    first = next(iter(engine.bots.values()))
    # the candle whose step made each fill: the one closing when the engine journalled it (a
    # market order sent at a path point of a candle's walk fills at that point, maybe its open)
    closes = replayed.ts + replayed.interval_ms
    steps = np.searchsorted(closes, np.asarray(journal.fill_steps, dtype=np.int64), side="left")
    equity = equity_curve(
        replayed,
        fills,
        balances=config.paper.balances,
        base=first.instrument.base,
        quote=first.instrument.quote,
        fill_candles=np.clip(steps, 0, max(len(replayed) - 1, 0)),
        funding=journal.funding,
    )
    kinds = {b.kind for b in config.bots}
    sizes = {cid: order.qty for cid, order in journal.orders.items()}
    cycles = grid_cycles(fills, sizes) if kinds & GRID_KINDS else None
    metrics = compute_metrics(
        fills,
        equity,
        orders=len(journal.orders),
        grid_cycles=cycles,
        elapsed_s=elapsed,
        interval_ms=window.interval_ms,
        halted=halted,
        rejected=rejections_of(journal.orders.values()),
        allocator_refused=sum(bot.allocator_refusals for bot in engine.bots.values()),
    )
    levels = {}
    for name, bot in engine.bots.items():
        found = getattr(bot.strategy, "levels", ())
        levels[name] = tuple(found) if isinstance(found, tuple) else ()
    return BacktestResult(
        config=config,
        candles=replayed,
        fills=fills,
        equity=equity,
        metrics=metrics,
        summary=summary,
        grid_levels=levels,
        data_label=engine.data_label,
        quote_asset=first.instrument.quote,
        cancelled=cancelled,
    )
