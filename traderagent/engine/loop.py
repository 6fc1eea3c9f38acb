"""The engine's loop: candles in, exchange updates routed, the state kept on disk.

Per candle (`step`): the clock advances to the candle's close, a simulated venue matches
resting orders against it (the updates of each fill routed to their bots at that point of the
candle's path, so a cancel a bot decides there applies from there on), then every bot of the
candle's symbol decides; equity points, the account's limits and the bots' snapshots follow.
Between candles (`pump`) the updates a live venue pushes are routed the same way (`drain`).
Both hold the engine's lock, as operator commands do, so a halt never races an order in flight.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from decimal import Decimal

from traderagent.domain import Candle, FundingFee, Order, RegimeReading
from traderagent.domain.events import (
    CandleClosed,
    EquityUpdated,
    LogRecord,
    RegimeChanged,
    RegimeUpdated,
)
from traderagent.engine import candle_feed
from traderagent.engine.adoption import autostart
from traderagent.engine.health import watch_data
from traderagent.engine.lease_guard import LeaseLost, check_lease
from traderagent.engine.lifecycle import FINISHABLE
from traderagent.engine.outage import (
    FAILURES,
    guarded,
    note_failure,
    refresh_balances,
    settle_all,
)
from traderagent.engine.state import EngineState
from traderagent.exchanges.ports import (
    CandleMatched,
    DeliversInline,
    Exchange,
    ExchangeUpdate,
    FundingSource,
    PersistedBook,
    ReportsStatus,
)

STATUS_EVERY_S = 1.0
"""How often the venue's status line is looked at between candles."""


class EngineLoop:
    """Steps candles and routes exchange updates for one engine (`host`)."""

    def __init__(self, host: EngineState, exchange: Exchange) -> None:
        self.host = host
        self.updates: deque[ExchangeUpdate] = deque()
        self.funding_fees: deque[FundingFee] = deque()
        self.update_waiting = asyncio.Event()
        # resolved once: isinstance on a runtime-checkable Protocol is slow per candle
        self.matcher = exchange if isinstance(exchange, CandleMatched) else None
        self.reporter = exchange if isinstance(exchange, ReportsStatus) else None
        self.book = exchange if isinstance(exchange, PersistedBook) else None
        exchange.set_listener(self.on_update)
        if isinstance(exchange, DeliversInline):
            exchange.set_deliverer(self.deliver)
        if isinstance(exchange, FundingSource):
            exchange.set_funding_listener(self.on_funding)

    @property
    def has_pending_updates(self) -> bool:
        """Exchange updates are queued that no bot has seen yet."""
        return bool(self.updates or self.funding_fees)

    def on_update(self, update: ExchangeUpdate) -> None:
        self.updates.append(update)
        self.update_waiting.set()

    def on_funding(self, fee: FundingFee) -> None:
        self.funding_fees.append(fee)
        self.update_waiting.set()

    # -- the run -----------------------------------------------------------------------------

    async def run(self, feed: AsyncIterator[Candle] | None = None) -> None:
        """Step every candle of `feed` (default: the engine's own feed) until it ends or a
        shutdown is asked for; the last equity point and checkpoint are written at the end."""
        e = self.host
        e.running = True
        await refresh_balances(e)
        pump = asyncio.create_task(self.pump(), name="engine-update-pump")
        watchdog = None
        if not e.replay and isinstance(e.feed, AsyncIterable):  # a live feed can go quiet
            watchdog = asyncio.create_task(
                watch_data(e.health, e.bots, e.lock, e.data_watch_s),
                name="engine-data-watchdog",
            )
        lock = e.lock
        try:
            async with lock:
                for name in e.autostart:  # not a bot the operator stopped before
                    await autostart(e.bots[name])
                await e.account_risk.hold_halts(e)  # unacknowledged halts outlive restarts
            # a driver's own stream directly: one async generator per candle, not two
            candles = feed if feed is not None else self.candles()
            async for candle in candles:
                await e.clock.advance_to(candle.close_time)
                async with lock:
                    try:
                        check_lease(e.guard)
                        await self.step(candle)
                    except LeaseLost as lost:
                        await e.lose_lease(lost)
                        if e.lease_lost:
                            break
                    await self.checkpoint()
            if not e.finish_reason:
                e.finish_reason = "end of replay data"
                if e.replay:
                    e.replay_ended = True
                    await self.finish_bots()
        finally:
            e.balance_sync.cancel()
            try:
                # the pump and the watchdog are stopped between two of their turns, never in
                # one: a bot placing an order on a fill the pump routed finishes it (sent and
                # journalled), where a cancel left its journal row `New` for an order never sent
                await lock.acquire()
            finally:  # (and stopped all the same if this wait is cancelled)
                pump.cancel()
                if watchdog is not None:
                    watchdog.cancel()
                e.running = False
                e.finished = True
            try:
                if e.balance_sync.pending:  # the last equity point on the venue's answer
                    e.balance_sync.cancel()
                    await refresh_balances(e)
                await self.record_equity(force=True)
                await self.checkpoint(force=True)
            finally:
                lock.release()
        self._log("info", f"engine finished: {e.finish_reason}")

    async def finish_bots(self) -> None:
        """The replay has ended: every bot still trading says FINISHED."""
        async with self.host.lock:
            await self.drain()
            for bot in self.host.bots.values():
                if bot.state in FINISHABLE:
                    await bot.finish()

    def candles(self) -> AsyncIterator[Candle]:
        """The engine's own feed, until it ends or a shutdown is asked for (`candle_feed`)."""
        return candle_feed.feed_candles(self.host, self._log)

    def refresh_venue_status(self) -> None:
        """Tell the operator, once per change, what the venue connection is going through
        (an outage the engine is waiting out first)."""
        e = self.host
        if self.reporter is None and not e.venue_status and not e.outage.reason:
            return  # nothing to report, nothing reported (a simulated venue's every candle)
        reported = self.reporter.status_line if self.reporter is not None else ""
        line = "; ".join(part for part in (e.outage.line(), reported) if part)
        if line != e.venue_status:
            self._log("warning" if line else "info", line or "venue connection healthy again")
            e.venue_status = line

    async def pump(self) -> None:
        """Route updates a live venue pushes between candles (fills on its private stream);
        look at the venue's status at least every second (no candle comes in an outage)."""
        e = self.host
        waiting, loop = self.update_waiting, asyncio.get_running_loop()
        while True:
            if not waiting.is_set():  # a timer, not wait_for: a frame wakes it in one hop
                timer = loop.call_later(STATUS_EVERY_S, waiting.set)
                await waiting.wait()
                timer.cancel()
            waiting.clear()
            if self.updates or self.funding_fees:
                async with e.lock:
                    try:
                        await self.drain()
                    except LeaseLost as lost:
                        await e.lose_lease(lost)
            if not e.lease_lost and any(bot.unsure.since for bot in e.bots.values()):
                async with e.lock:  # ask now, not only at the next candle
                    try:
                        await settle_all(e)
                    except LeaseLost as lost:
                        await e.lose_lease(lost)
            self.refresh_venue_status()

    async def deliver(self) -> None:
        """A stream frame's updates were queued (the pump woken): if the engine is idle
        (running, nobody holding its lock), give the loop one turn so the pump routes them
        before the reader decodes its next frame (B5: a fill's counter-order does not wait
        behind the order report that follows it). The routing stays the pump's: it is never
        cut short by what may cancel a stream's reader (a subscription's timeout, a close),
        and a stop waits for it under the lock."""
        e = self.host
        if self.updates and e.running and not e.lock.locked():
            await asyncio.sleep(0)

    async def step(self, candle: Candle) -> None:
        e = self.host
        if e.outage.active:  # a candle came: the venue may answer again (then bots re-sync)
            await refresh_balances(e)
        if e.candles == 0 and not e.balances:
            await refresh_balances(e)  # stepped without run(): tests
        e.candles += 1
        if e.started_ms == 0:
            e.started_ms = candle.ts
        price = e.prices[candle.symbol] = Decimal(repr(candle.close))
        if self.matcher is not None:  # the bots react to each fill where it happened
            for _ in self.matcher.walk(candle):
                if self.updates:
                    await self.drain()
        if self.updates or self.funding_fees:  # most candles bring none: no coroutine for them
            await self.drain()
        if e.starting_equity is None:
            e.starting_equity = e.equity  # valued at the first price, before any trade
        bus = e.bus
        if bus.wants(CandleClosed):
            bus.publish(CandleClosed(candle.close_time, candle))
        if self.reporter is not None or e.venue_status or e.outage.reason:
            self.refresh_venue_status()  # (its own first test, inlined: a simulated venue's)
        reading = self.classify(candle)
        health = e.health
        if health.restarts_pending:
            await health.restart_due(e.bots)
        for bot in e.bots.values():
            if bot.symbol == candle.symbol:
                try:
                    if reading is not None:
                        await guarded(e, bot.on_regime(reading), f"{bot.name}'s regime switch")
                    try:  # `guarded`, inlined: awaited for every bot at every candle
                        await bot.on_candle(candle, price)
                    except FAILURES as err:
                        note_failure(e, f"{bot.name}'s candle", err)
                except LeaseLost:
                    raise
                except Exception as crash:  # reported, restarted with backoff (`health`)
                    await health.crashed(bot, crash)
        if self.updates or self.funding_fees:
            await self.drain()
        if e.clock.now_ms() >= e.next_equity_ms:  # `record_equity` decides the rest
            await self.record_equity()
        # the account's limits: checked without a coroutine, awaited only on a breach
        breach = e.account_risk.breach(e, candle)
        if breach is not None and await e.account_risk.halt_every_bot(e, breach):
            await self.drain()  # a breach halts every bot that trades: route the cancels

    def warm_up(self, candles: Iterable[Candle]) -> int:
        """History for the classifiers and the bots' candle memory, no trading (`candle_feed`)."""
        return candle_feed.warm_up(self.host, candles)

    def classify(self, candle: Candle) -> RegimeReading | None:
        e = self.host
        classifier = e.classifiers.get(candle.symbol)
        if classifier is None:
            return None
        reading = classifier.update(candle)
        if reading is None:
            return None
        previous = e.regimes.get(candle.symbol)
        e.regimes[candle.symbol] = reading
        e.bus.publish(RegimeUpdated(reading.ts, reading))
        old = previous.regime if previous is not None else None
        if reading.regime is not None and reading.regime != old:
            e.bus.publish(RegimeChanged(reading.ts, candle.symbol, old, reading.regime, reading))
            self._log("info", f"{candle.symbol} regime {old or 'unknown'} -> {reading.regime}")
        return reading

    async def drain(self) -> None:
        """Route every queued exchange update to its bot, until none are left."""
        e = self.host
        touched = False
        updates, book = self.updates, self.book
        while updates:
            update = updates.popleft()
            touched = True
            if book is not None and book.unsaved(update):
                await book.persist()  # the venue's book first: never behind the journal
            bot = e.bots.get(update.client_order_id.rsplit("-", 1)[0])
            if bot is None:
                self._log(
                    "warning", f"update for an order of no known bot: {update.client_order_id}"
                )
            else:
                try:
                    if isinstance(update, Order):
                        await bot.on_order(update)
                    else:
                        e.recent_fills.append(update)
                        await bot.on_fill(update)
                except LeaseLost:
                    raise
                except FAILURES as err:  # the venue did not answer: an outage, not a crash
                    note_failure(e, f"{bot.name}'s exchange update", err)
                except Exception as crash:  # reported, restarted with backoff (`health`)
                    await e.health.crashed(bot, crash)
        if self.funding_fees and book is not None:
            await book.persist(force=True)  # its settlement first: never behind the journal
        while self.funding_fees:
            touched = True
            fee = self.funding_fees.popleft()
            for share in await e.funding.book(fee, list(e.bots.values())):
                self._log(
                    "info",
                    f"{share.bot}: funding {-share.amount} {share.asset} on {share.symbol} "
                    f"(rate {share.rate}, position {share.position_qty})",
                )
        if touched:
            await e.balance_sync.after_updates()

    # -- what is kept ------------------------------------------------------------------------

    async def checkpoint(self, force: bool = False) -> None:
        """Write the bots' snapshots that are due (every 30 s of engine time, or at once after
        a pause, stop or halt); `force` ignores the interval and also writes the venue's mark."""
        e = self.host
        if e.lease_lost:
            return  # another process may own the database's state now
        now = e.clock.now_ms()
        snapshots = e.snapshots
        due = snapshots.due(e.bots.values(), now, force)
        if due:  # most candles write none: no coroutine for them
            await snapshots.write(due, now)
        if e.account_risk.store is not None:  # a backtest keeps none: no await per candle
            await e.account_risk.save_due(e, now, force)
        if self.book is not None:
            await self.book.persist(force)

    async def record_equity(self, force: bool = False) -> None:
        e = self.host
        now = e.clock.now_ms()
        if e.lease_lost or e.starting_equity is None or (now < e.next_equity_ms and not force):
            return
        await self.record_equity_at(now, e.equity)

    async def record_equity_at(self, now: int, equity: Decimal) -> None:
        """Record `equity` as of `now` and schedule the next point one interval on."""
        e = self.host
        assert e.starting_equity is not None  # noqa: S101 - callers check
        e.next_equity_ms = now - now % e.equity_interval_ms + e.equity_interval_ms
        await e.journal.record_equity(now, equity)
        if e.bus.wants(EquityUpdated):
            e.bus.publish(EquityUpdated(now, equity, equity - e.starting_equity))
            # a turn of the loop for the consumers (API, TUI): the journal's queued writes
            # no longer give one, and a replay at full speed would coalesce their points
            await asyncio.sleep(0)

    def _log(self, level: str, message: str) -> None:
        self.host.bus.publish(LogRecord(self.host.clock.now_ms(), level, message))
