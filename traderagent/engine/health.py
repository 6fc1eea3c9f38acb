"""The engine's health monitor: bots whose handling crashes, and market data gone quiet.

A bot's handling of a candle or an exchange update that raises does not take the engine
down: the monitor catches it, reports it (`BotTaskCrashed`, a log line naming the error and
where it was raised), sets the bot aside (STOPPED, its orders left resting) and starts it
again after a backoff of engine time (a start reconciles with the exchange, then the strategy
re-syncs with `on_resume`). The `limit`-th crash within `window_ms` halts the bot in
EMERGENCY instead (its orders cancelled, `HaltTriggered` for the banner and Telegram) with a
`HealthCritical` event; the operator acknowledges it as any other halt.

A live feed's symbol that has had no candle for `STALE_INTERVALS` intervals is stale: a
`MarketDataStale` event and a warning, and its bots open nothing (entries and buying
counter-orders are held, each one logged and counted; exits, stops and take-profits still go)
until a candle arrives again. Everything is measured on the engine's clock, so tests drive it
with a fake one.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from traderagent.bus import EventBus
from traderagent.clock import Clock
from traderagent.domain import BotState, PlaceOrder, Purpose, Side
from traderagent.domain.events import BotTaskCrashed, HealthCritical, LogRecord, MarketDataStale
from traderagent.engine.lease_guard import LeaseLost
from traderagent.engine.lifecycle import Lifecycle
from traderagent.engine.protocols import BotCore, HaltableBot


class HeldBot(BotCore, Protocol):
    """What holding a bot's opening orders on stale data needs of it."""

    data_hold: str
    """Why the bot opens nothing now ('' when it may)."""
    orders_held: int
    resync_due: bool


class WatchedBot(HeldBot, HaltableBot, Protocol):
    """What the monitor needs of a bot (`WatchedBot` is one): set aside, start again, halt."""

    pause_after_start: str

    @property
    def lifecycle(self) -> Lifecycle: ...

    async def start(self) -> None: ...

    async def set_aside(self, reason: str) -> None: ...


CRASH_LIMIT = 3
"""Crashes within `CRASH_WINDOW_MS` that halt a bot in EMERGENCY (HEALTH_CRITICAL)."""
CRASH_WINDOW_MS = 60 * 60_000
"""A crash older than this (engine time) no longer counts towards the limit."""
BACKOFF_MS = (5_000, 30_000, 120_000)
"""Engine time before a crashed bot starts again: after its first, second, later crash."""
STALE_INTERVALS = 3
"""A symbol without a candle for this many of its intervals is stale."""
WATCH_EVERY_S = 5.0
"""How often the data watchdog of a live feed looks at the clock."""
RESTARTABLE = (BotState.RUNNING, BotState.PAUSED, BotState.STARTING)


@dataclass
class DataWatch:
    """When each symbol's last candle closed, its interval, and which symbols are stale."""

    last_ms: dict[str, int] = field(default_factory=dict)
    interval_ms: dict[str, int] = field(default_factory=dict)
    stale_since: dict[str, int] = field(default_factory=dict)


class HealthMonitor:
    """Catches bot crashes (restart with backoff, EMERGENCY after `limit`) and watches the
    market data of a live feed."""

    def __init__(
        self,
        bus: EventBus,
        clock: Clock,
        *,
        limit: int = CRASH_LIMIT,
        window_ms: int = CRASH_WINDOW_MS,
        backoff_ms: tuple[int, ...] = BACKOFF_MS,
        stale_intervals: int = STALE_INTERVALS,
    ) -> None:
        self.bus = bus
        self.clock = clock
        self.limit = max(limit, 1)
        self.window_ms = window_ms
        self.backoff_ms = backoff_ms or (0,)
        self.stale_intervals = stale_intervals
        self.crashes: dict[str, int] = {}
        """Every crash of each bot since the engine started (the metric)."""
        self._recent: dict[str, list[int]] = {}  # crash times within the window, per bot
        self._restart_at: dict[str, int] = {}
        self._paused: set[str] = set()  # set aside while paused: paused again once started
        self.data = DataWatch()

    # -- bot crashes -------------------------------------------------------------------------

    @property
    def restarts_pending(self) -> bool:
        return bool(self._restart_at)

    async def crashed(self, bot: WatchedBot, error: BaseException) -> None:
        """`bot`'s handling raised `error`: report it, then set it aside to start again after
        its backoff, or halt it in EMERGENCY once it crashed `limit` times in the window."""
        now = self.clock.now_ms()
        name = bot.name
        recent = [t for t in self._recent.get(name, ()) if now - t < self.window_ms]
        recent.append(now)
        self._recent[name] = recent
        self.crashes[name] = self.crashes.get(name, 0) + 1
        text = describe(error)
        if len(recent) >= self.limit:
            self._restart_at.pop(name, None)
            self._paused.discard(name)
            reason = (
                f"HEALTH_CRITICAL: bot {name} crashed {len(recent)} times within "
                f"{self.window_ms // 60_000} min, the last: {text}"
            )
            self.bus.publish(BotTaskCrashed(now, name, text, len(recent), 0))
            self.bus.publish(HealthCritical(now, name, reason))
            if bot.lifecycle.can(BotState.EMERGENCY):
                try:
                    await bot.halt(reason)
                except LeaseLost:
                    raise
                except Exception as failed:  # EMERGENCY already: its orders may still rest
                    self._log("critical", f"halt incomplete: {describe(failed)}", name)
            else:  # set aside already (it crashed while stopped): it stays stopped
                self._log("critical", f"{reason}; it stays {bot.state}", name)
            return
        delay = self.backoff_ms[min(len(recent), len(self.backoff_ms)) - 1]
        self.bus.publish(BotTaskCrashed(now, name, text, len(recent), delay))
        self._log(
            "error",
            f"bot task crashed ({len(recent)} of {self.limit}): {text}; "
            f"starting it again in {delay / 1000:g} s",
            name,
        )
        if bot.state in RESTARTABLE:
            if bot.state is BotState.PAUSED:
                self._paused.add(name)
            await bot.set_aside(f"crashed, starting again in {delay / 1000:g} s: {text}")
        if bot.state is BotState.STOPPED:
            self._restart_at[name] = now + delay

    async def restart_due(self, bots: Mapping[str, WatchedBot]) -> None:
        """Start again every bot set aside whose backoff has passed (engine time)."""
        now = self.clock.now_ms()
        for name, at in list(self._restart_at.items()):
            if now < at:
                continue
            del self._restart_at[name]
            bot = bots.get(name)
            if bot is None or bot.state is not BotState.STOPPED:
                continue  # the operator moved it meanwhile: theirs to decide
            self._log("info", "starting again after a crash", name)
            if name in self._paused:
                self._paused.discard(name)
                bot.pause_after_start = "paused before it crashed"
            try:
                await bot.start()
            except LeaseLost:
                raise
            except Exception as failed:  # the start itself crashed: counted as one more
                await self.crashed(bot, failed)

    def forget(self, name: str) -> None:
        """The operator started or stopped the bot: no restart of the monitor's is pending."""
        self._restart_at.pop(name, None)
        self._paused.discard(name)

    # -- market data -------------------------------------------------------------------------

    def saw_candle(
        self, symbol: str, close_ms: int, interval_ms: int, bots: Iterable[WatchedBot]
    ) -> None:
        """A live candle arrived: the symbol is fresh (its bots open again if it was stale)."""
        data = self.data
        data.last_ms[symbol] = close_ms
        data.interval_ms[symbol] = interval_ms
        if symbol in data.stale_since:
            since = data.stale_since.pop(symbol)
            now = self.clock.now_ms()
            self.bus.publish(MarketDataStale(now, symbol, now - since, stale=False))
            self._log("info", f"{symbol} market data is back: bots may open positions again")
            for bot in bots:
                if bot.symbol == symbol:
                    bot.data_hold = ""

    def check_data(self, bots: Iterable[WatchedBot]) -> list[str]:
        """Mark stale every symbol whose last candle is `stale_intervals` intervals old; the
        symbols that went stale now."""
        now = self.clock.now_ms()
        data, gone = self.data, []
        bots = list(bots)
        for symbol, last in data.last_ms.items():
            silent = now - last
            if (
                symbol in data.stale_since
                or silent < self.stale_intervals * data.interval_ms[symbol]
            ):
                continue
            data.stale_since[symbol] = now
            gone.append(symbol)
            reason = (
                f"no {symbol} candle for {silent // 1000} s: opening nothing until data returns"
            )
            self.bus.publish(MarketDataStale(now, symbol, silent))
            self._log("warning", f"market data stale: {reason}")
            for bot in bots:
                if bot.symbol == symbol:
                    bot.data_hold = reason
        return gone

    # -- internals ---------------------------------------------------------------------------

    def _log(self, level: str, message: str, bot: str = "") -> None:
        self.bus.publish(LogRecord(self.clock.now_ms(), level, message, bot))


def opens_position(intent: PlaceOrder) -> bool:
    """An order that opens or adds to a (long) position: held while data is stale."""
    return intent.purpose is Purpose.ENTRY or (
        intent.purpose is Purpose.COUNTER and intent.side is Side.BUY
    )


def hold_opening(bot: HeldBot, intent: PlaceOrder) -> bool:
    """`bot`'s market data is stale (`bot.data_hold`): an opening order is held (logged,
    counted, and the strategy re-syncs once data is back); True if `intent` was held."""
    if not opens_position(intent):
        return False
    bot.orders_held += 1
    bot.resync_due = True
    message = f"{intent.tag} not placed: {bot.data_hold}"
    bot.bus.publish(LogRecord(bot.clock.now_ms(), "warning", message, bot.name))
    return True


def describe(error: BaseException) -> str:
    """`ValueError: bad level (at strategy.py:123)`: one line, the innermost frame."""
    frames = traceback.extract_tb(error.__traceback__) if error.__traceback__ else []
    where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    message = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {message}"[:300] + where


async def watch_data(
    monitor: HealthMonitor,
    bots: Mapping[str, WatchedBot],
    lock: asyncio.Lock,
    every_s: float = WATCH_EVERY_S,
) -> None:
    """The watchdog of a live feed: look at each symbol's last candle every `every_s`."""
    while True:
        await asyncio.sleep(every_s)
        async with lock:
            monitor.check_data(bots.values())
