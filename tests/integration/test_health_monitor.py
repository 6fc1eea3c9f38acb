"""The health monitor (issue 17, item 4): a bot whose handling crashes is reported and started
again after a backoff of engine time; the third crash within the window halts it in
EMERGENCY with HEALTH_CRITICAL; a live feed that goes quiet for three intervals holds the
bots' openings until candles return. Engine time is the replay's clock (or a fake one)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

from kit.waits import wait_until

from strategies.base import StrategyContext
from traderagent.backtest.inputs import backtest_config, replay_window
from traderagent.backtest.memory_journal import MemoryJournal
from traderagent.backtest.venue import backtest_venue
from traderagent.bus import EventBus
from traderagent.config import parse_config
from traderagent.domain import BotState, Candle, Fill, Order, PlaceOrder, Purpose, Side, TradingMode
from traderagent.domain.events import (
    BotStateChanged,
    BotTaskCrashed,
    Event,
    HaltTriggered,
    HealthCritical,
    LogRecord,
    MarketDataStale,
)
from traderagent.engine.health import HealthMonitor, opens_position
from traderagent.engine.orchestrator import Engine
from traderagent.marketdata import load_bundled
from traderagent.wiring.runtime import assemble_engine

GRID = """\
replay: {data: bundled, speed: max}
bots:
  - name: grid-btc
    symbol: BTCUSDT
    strategy: {kind: grid, lower: "19000", upper: "25000", levels: 41, amount_per_level: "100"}
"""
MIN = 60_000


async def _engine(candles: int) -> tuple[Engine, list[Event]]:
    config = backtest_config(parse_config(GRID, "test", {}), bot=None)
    sample = load_bundled().head(candles)
    venue = backtest_venue(config, replay_window(config, sample, "test"))
    journal = MemoryJournal(clock_ms=venue.clock.now_ms)
    engine = await assemble_engine(config, venue, journal, "memory")
    seen: list[Event] = []
    for kind in (BotTaskCrashed, HealthCritical, HaltTriggered, BotStateChanged, LogRecord):
        engine.bus.subscribe(kind, seen.append)
    return engine, seen


def _crash_on_candles(engine: Engine, at: set[int]) -> list[int]:
    """Make the grid's on_candle raise on the engine's candles numbered in `at`."""
    bot = engine.bots["grid-btc"]
    original = bot.strategy.on_candle
    raised: list[int] = []

    def on_candle(candle: Candle, ctx: StrategyContext) -> list[Any]:
        if engine.candles in at and engine.candles not in raised:
            raised.append(engine.candles)
            raise ValueError(f"bad level at candle {engine.candles}")
        return original(candle, ctx)

    bot.strategy.on_candle = on_candle  # type: ignore[method-assign]
    # it may act on any candle now: it says so (a replay's quiet candles step it too)
    bot.strategy.wake = lambda: None  # type: ignore[attr-defined]
    return raised


def test_a_crashing_bot_is_reported_and_started_again_after_its_backoff() -> None:
    async def run() -> tuple[Engine, list[Event]]:
        engine, seen = await _engine(400)
        _crash_on_candles(engine, {100})
        await engine.run()  # the crash does not take the engine down
        return engine, seen

    engine, seen = asyncio.run(run())
    crashes = [e for e in seen if isinstance(e, BotTaskCrashed)]
    assert len(crashes) == 1
    crash = crashes[0]
    assert crash.failures == 1 and crash.retry_in_ms == 5_000
    assert crash.error.startswith("ValueError: bad level at candle 100 (at test_health_monitor.py:")
    moves = [(e.old, e.new) for e in seen if isinstance(e, BotStateChanged) and e.ts >= crash.ts]
    assert moves[:4] == [
        (BotState.RUNNING, BotState.STOPPING),
        (BotState.STOPPING, BotState.STOPPED),
        (BotState.STOPPED, BotState.STARTING),  # on the next candle: its backoff has passed
        (BotState.STARTING, BotState.RUNNING),
    ]
    started = next(
        e
        for e in seen
        if isinstance(e, BotStateChanged) and e.new is BotState.STARTING and e.ts > crash.ts
    )
    assert started.ts - crash.ts == MIN  # the first candle after 5 s of engine time
    assert engine.bots["grid-btc"].state is BotState.FINISHED  # it traded on to the end
    assert engine.snapshot().bots[0].crashes == 1
    assert not [e for e in seen if isinstance(e, HealthCritical)]


def test_the_third_crash_within_the_hour_halts_the_bot_with_health_critical() -> None:
    async def run() -> tuple[Engine, list[Event], list[int]]:
        engine, seen = await _engine(400)
        raised = _crash_on_candles(engine, {100, 110, 150})
        await engine.run()
        return engine, seen, raised

    engine, seen, raised = asyncio.run(run())
    assert raised == [100, 110, 150]
    crashes = [e for e in seen if isinstance(e, BotTaskCrashed)]
    assert [(c.failures, c.retry_in_ms) for c in crashes] == [(1, 5_000), (2, 30_000), (3, 0)]
    critical = [e for e in seen if isinstance(e, HealthCritical)]
    assert len(critical) == 1 and critical[0].bot == "grid-btc"
    assert critical[0].reason.startswith("HEALTH_CRITICAL: bot grid-btc crashed 3 times")
    halts = [e for e in seen if isinstance(e, HaltTriggered)]
    assert [h.reason for h in halts] == [critical[0].reason]  # the banner and Telegram
    bot = engine.bots["grid-btc"]
    assert bot.state is BotState.EMERGENCY and not bot.orders  # halted: its orders cancelled
    assert engine.snapshot().bots[0].crashes == 3


def test_a_crash_in_a_fill_handler_is_caught_too() -> None:
    async def run() -> tuple[Engine, list[Event]]:
        engine, seen = await _engine(1_500)
        bot = engine.bots["grid-btc"]
        original = bot.strategy.on_fill
        calls: list[int] = []

        def on_fill(fill: Fill, order: Order, ctx: StrategyContext) -> list[Any]:
            calls.append(1)
            if len(calls) == 2:
                raise KeyError("slot")
            return original(fill, order, ctx)

        bot.strategy.on_fill = on_fill  # type: ignore[method-assign]
        await engine.run()
        return engine, seen

    engine, seen = asyncio.run(run())
    crashes = [e for e in seen if isinstance(e, BotTaskCrashed)]
    assert len(crashes) == 1 and crashes[0].error.startswith("KeyError: 'slot'")
    assert engine.bots["grid-btc"].state is BotState.FINISHED


class FakeClock:
    """Engine time the test moves by hand."""

    def __init__(self, now_ms: int) -> None:
        self.now = now_ms

    def now_ms(self) -> int:
        return self.now

    async def advance_to(self, ts_ms: int) -> None:
        self.now = max(self.now, ts_ms)


class QuietVenue:
    name = "bybit"
    status_line = ""

    def set_listener(self, listener: object) -> None:
        self.listener = listener

    async def balances(self) -> dict[str, Any]:
        return {}


BASE = 1_677_628_800_000


def candle(k: int) -> Candle:
    return Candle("BTCUSDT", BASE + k * MIN, 100.0, 101.0, 99.0, 100.0, 1.0)


async def test_a_live_feed_quiet_for_three_intervals_is_stale_until_a_candle_comes() -> None:
    clock = FakeClock(BASE)
    arrivals: asyncio.Queue[Candle] = asyncio.Queue()

    async def feed() -> AsyncIterator[Candle]:
        while True:
            yield await arrivals.get()

    bus = EventBus()
    events: list[MarketDataStale] = []
    bus.subscribe(MarketDataStale, events.append)
    engine = Engine(
        mode=TradingMode.DEMO,
        clock=clock,
        exchange=QuietVenue(),  # type: ignore[arg-type]
        journal=MemoryJournal(),
        bus=bus,
        bots=[],
        feed=feed(),
    )
    engine.data_watch_s = 0.01
    running = asyncio.create_task(engine.run())
    try:
        arrivals.put_nowait(candle(0))
        await wait_until(lambda: engine.candles == 1, 10, "the first candle")
        clock.now = candle(0).close_time + 3 * MIN - 1  # not yet three intervals
        await asyncio.sleep(0.1)
        assert not events and engine.snapshot().stale_symbols == ()
        clock.now = candle(0).close_time + 3 * MIN
        await wait_until(lambda: events, 10, "the stale event")
        assert events[0].stale and events[0].symbol == "BTCUSDT" and events[0].silent_ms == 3 * MIN
        assert engine.snapshot().stale_symbols == ("BTCUSDT",)
        await asyncio.sleep(0.1)
        assert len(events) == 1  # said once, not at every look
        arrivals.put_nowait(candle(4))
        await wait_until(lambda: len(events) == 2, 10, "the data-is-back event")
        assert not events[1].stale and engine.snapshot().stale_symbols == ()
    finally:
        await engine.shutdown()
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


def test_a_stale_symbol_holds_openings_not_exits_and_the_strategy_resyncs_once_data_is_back() -> (
    None
):
    async def run() -> tuple[Engine, list[Event], int, int]:
        engine, seen = await _engine(300)
        bot = engine.bots["grid-btc"]
        bot.data_hold = "no BTCUSDT candle for 180 s: opening nothing until data returns"
        held: list[int] = []

        def release(event: Event) -> None:
            if engine.candles == 20 and bot.data_hold:
                held.extend([bot.orders_held, len(bot.orders)])
                bot.data_hold = ""

        from traderagent.domain.events import CandleClosed

        engine.bus.subscribe(CandleClosed, release)
        await engine.run()
        return engine, seen, held[0], held[1]

    engine, seen, held, resting = asyncio.run(run())
    bot = engine.bots["grid-btc"]
    assert held > 0 and resting == 0  # nothing opened while data was stale
    assert bot.orders_held == held
    warnings = [e.message for e in seen if isinstance(e, LogRecord) and "not placed" in e.message]
    assert len(warnings) == held  # each held order said so
    assert bot.orders_placed > 0  # once data was back, the strategy placed its orders


def test_only_opening_orders_are_held() -> None:
    qty = Decimal("0.01")
    assert opens_position(PlaceOrder("b1", Side.BUY, qty, Decimal(1), purpose=Purpose.ENTRY))
    assert opens_position(PlaceOrder("b1", Side.BUY, qty, Decimal(1), purpose=Purpose.COUNTER))
    assert not opens_position(PlaceOrder("s1", Side.SELL, qty, Decimal(1), purpose=Purpose.COUNTER))
    for purpose in (Purpose.EXIT, Purpose.STOP, Purpose.TAKE_PROFIT):
        assert not opens_position(PlaceOrder("x", Side.SELL, qty, Decimal(1), purpose=purpose))


def test_crashes_older_than_the_window_do_not_count() -> None:
    async def run() -> list[Event]:
        engine, seen = await _engine(10)
        clock = FakeClock(0)
        monitor = HealthMonitor(engine.bus, clock, limit=2, window_ms=10 * MIN, backoff_ms=(1_000,))
        bot = engine.bots["grid-btc"]
        await monitor.crashed(bot, RuntimeError("one"))  # the bot is STOPPED: nothing to move
        clock.now = 11 * MIN
        await monitor.crashed(bot, RuntimeError("two"))  # the first is out of the window
        return seen

    seen = asyncio.run(run())
    crashes = [e for e in seen if isinstance(e, BotTaskCrashed)]
    assert [c.failures for c in crashes] == [1, 1]
    assert not [e for e in seen if isinstance(e, HealthCritical)]
