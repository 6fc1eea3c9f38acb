"""The engine: many bots on one venue account, driven by a candle feed on one clock.

Per candle: the clock advances to the candle's close, a simulated venue matches resting orders
against it (the updates of each fill routed to their bots at that point of the candle's path, so
a cancel a bot decides there applies from there on), then every bot decides. Operator
commands take the same lock as a candle step, so a halt never races an order in flight.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from traderagent.bus import EventBus, EventStream
from traderagent.clock import Clock
from traderagent.domain import (
    ZERO,
    Balance,
    BotState,
    Candle,
    Fill,
    FundingFee,
    Order,
    RegimeReading,
    TradingMode,
)
from traderagent.domain.events import (
    CandleClosed,
    EquityUpdated,
    Event,
    LogRecord,
    RegimeChanged,
    RegimeUpdated,
)
from traderagent.engine.account_risk import HALTABLE, AccountRisk
from traderagent.engine.allocator import BatchLocks
from traderagent.engine.balance_sync import BalanceSync
from traderagent.engine.bot import BotRuntime
from traderagent.engine.checkpoints import SnapshotSchedule
from traderagent.engine.fleet import let_go
from traderagent.engine.funding import FundingBook
from traderagent.engine.health import WATCH_EVERY_S, HealthMonitor, watch_data
from traderagent.engine.journal import TradeJournal
from traderagent.engine.lease_guard import LeaseGuard, LeaseLost, check_lease, stop_trading
from traderagent.engine.lifecycle import FINISHABLE, IllegalTransition
from traderagent.engine.outage import (
    FAILURES,
    Outage,
    guarded,
    note_failure,
    refresh_balances,
    settle_all,
)
from traderagent.engine.quiet_span import QuietSpan
from traderagent.engine.risk import Breach, EquityWatch
from traderagent.engine.snapshots import engine_snapshot, run_summary, valuation
from traderagent.exchanges.ports import (
    CandleMatched,
    Exchange,
    ExchangeUpdate,
    FundingSource,
    MarginAccount,
    PersistedBook,
    ReportsStatus,
)
from traderagent.facade import CommandError, EngineSnapshot, RunSummary
from traderagent.marketdata.intake import CandleIntake

MINUTE_MS = 60_000
PAPER_RESET_HINT = "to start again, reset the paper account (`traderagent paper reset`)"
STATUS_EVERY_S = 1.0
"""How often the venue's status line is looked at between candles."""

if TYPE_CHECKING:
    from traderagent.config import AppConfig
    from traderagent.engine.reload import BotFactory
    from traderagent.facade import BotChart, ReloadReport
    from traderagent.ledger import TradeLedger


class RegimeSource(Protocol):
    """A per-symbol market regime classifier fed closed 1m candles."""

    def update(self, candle: Candle) -> RegimeReading | None: ...


class CandleDriver(Protocol):
    """Feeds a replay to the engine its own way (a fast-forward over quiet candles): it yields
    the candles to step, and brings the engine up to date for any it passes over itself."""

    def candles(self, engine: Engine) -> AsyncIterator[Candle]: ...


class Engine:
    """Implements traderagent.facade.EngineAPI for an engine running in this process."""

    config: AppConfig | None = None
    """The config this engine runs, when its builder handed it over (`use_config`); a reload
    compares the new file against it."""
    bot_factory: BotFactory | None = None
    """Builds a bot's parts from its config for a reload (the composition root passes it)."""

    def __init__(
        self,
        *,
        mode: TradingMode,
        clock: Clock,
        exchange: Exchange,
        journal: TradeJournal,
        bus: EventBus,
        bots: Iterable[BotRuntime],
        feed: Iterable[Candle] | AsyncIterable[Candle],
        feed_length: int | None = None,
        quote_asset: str = "USDT",
        equity_interval_ms: int = 60 * MINUTE_MS,
        data_label: str = "",
        database_label: str = "",
        autostart: Iterable[str] = (),
        classifiers: Mapping[str, RegimeSource] | None = None,
        routes: Mapping[str, str] | None = None,
        outage: Outage | None = None,
    ) -> None:
        self.mode = mode
        self.clock = clock
        self.exchange = exchange
        self.journal = journal
        self.bus = bus
        self.bots = {bot.name: bot for bot in bots}
        self._feed = feed
        self.intake = CandleIntake("engine")  # a live feed's candles: each open time once
        self._feed_length = feed_length
        self.quote_asset = quote_asset
        self.equity_interval_ms = equity_interval_ms
        self.data_label = data_label
        self.database_label = database_label
        self._autostart = tuple(autostart)
        self._updates: deque[ExchangeUpdate] = deque()
        self._lock = asyncio.Lock()
        self._stop = asyncio.Event()
        self.balances: dict[str, Balance] = {}
        self.prices: dict[str, Decimal] = {}
        self.batch = BatchLocks()
        """Quote the buys approved since `balances` was refreshed lock (the allocator's view)."""
        self._equity: tuple[dict[str, Balance], dict[str, Decimal], Decimal] | None = None
        self.recent_fills: deque[Fill] = deque(maxlen=50)
        self.classifiers = dict(classifiers or {})
        self.regimes: dict[str, RegimeReading] = {}
        # regime -> the route's label, for the regime pane (from the first routed bot's table)
        self.route_labels = dict(routes or {})
        self.candles = 0
        self.started_ms = 0
        self.starting_equity: Decimal | None = None
        self.running = False
        self.finished = False
        self.finish_reason = ""
        self.replay_ended = False
        """The replay's data ran out (not a stop): its bots are FINISHED, none starts again."""
        self.next_equity_ms = 0
        """Engine time from which the next equity point is due."""
        self.equity_watch: EquityWatch | None = None
        """The account's daily loss and drawdown limits (set by `assembly.attach_risk`)."""
        # resolved once: isinstance on a runtime-checkable Protocol is slow per candle
        self._matcher = exchange if isinstance(exchange, CandleMatched) else None
        self._reporter = exchange if isinstance(exchange, ReportsStatus) else None
        self._book = exchange if isinstance(exchange, PersistedBook) else None
        self._margin = exchange if isinstance(exchange, MarginAccount) else None
        self.balance_sync = BalanceSync(
            self, inline=self._matcher is not None, lease_lost=self._lose_lease
        )
        """Reads the balances after updates: at once on a simulated venue, behind on a remote
        one (off the fill's hot path)."""
        self.snapshots = SnapshotSchedule(journal)
        """The bots' state snapshots for crash recovery (every 30 s of engine time)."""
        self.account_risk = AccountRisk(journal, bus)
        """The account's limits after each candle; its peak, day, halts kept across restarts."""
        self.venue_status = ""
        self.outage = outage or Outage()
        self.outage.on_change = self.refresh_venue_status
        """Whether the venue answers: while it does not, the engine waits, degraded."""
        self.health = HealthMonitor(bus, clock)
        self.data_watch_s = WATCH_EVERY_S
        """Bot crashes (restarted with backoff, EMERGENCY after three) and stale live data."""
        self._update_waiting = asyncio.Event()
        self.driver: CandleDriver | None = None
        """Set (before `run`) to step a replay through a driver instead of candle by candle."""
        self.guard = journal if isinstance(journal, LeaseGuard) else None
        """The bots' leases: asked before every order, read every candle (`lease_guard`)."""
        self.lease_lost = ""
        """Why the engine stopped trading on a lost lease: from then on it records nothing."""
        for bot in bots:
            bot.execution.guard = self.guard
        exchange.set_listener(self._on_update)
        self.funding = FundingBook(journal)
        """Funding settlements of perpetuals, booked to the bots holding the position."""
        self._funding: deque[FundingFee] = deque()
        if isinstance(exchange, FundingSource):
            exchange.set_funding_listener(self._on_funding)

    # -- EngineAPI: queries ------------------------------------------------------------------

    def snapshot(self) -> EngineSnapshot:
        return engine_snapshot(self)

    def events(self, kinds: tuple[type[Event], ...] = (), maxsize: int = 2_000) -> EventStream:
        return self.bus.stream(kinds, maxsize)

    @property
    def equity(self) -> Decimal:
        balances, prices, cached = self.balances, self.prices, self._equity
        # read several times a step: valued again only when balances or prices changed
        if cached is not None and cached[0] is balances and cached[1] == prices:
            return cached[2]
        value = valuation(balances, prices, self.quote_asset)
        if self._margin is not None:  # perpetuals: open positions' PnL is in no balance
            value += self._margin.unrealised_pnl(prices)
        self._equity = (balances, dict(prices), value)
        return value

    @property
    def gross_exposure(self) -> Decimal:
        """Every bot's position at its last price plus its resting buys (risk's measure)."""
        return sum((bot.risk_book().exposure for bot in self.bots.values()), ZERO)

    @property
    def free_quote(self) -> Decimal:
        balance, locked = self.balances.get(self.quote_asset), self.batch.locked(self.balances)
        return (balance.free if balance is not None else ZERO) - locked

    def lock_quote(self, amount: Decimal) -> None:
        self.batch.add(self.balances, amount)

    @property
    def feed(self) -> Iterable[Candle] | AsyncIterable[Candle]:
        """The candles this engine runs on (a CandleSeries for a replay)."""
        return self._feed

    @property
    def lock(self) -> asyncio.Lock:
        """Held while the engine's state changes (a candle step, a command)."""
        return self._lock

    @property
    def stopping(self) -> bool:
        """A shutdown was asked for: no further candle is to be stepped."""
        return self._stop.is_set()

    @property
    def has_pending_updates(self) -> bool:
        """Exchange updates are queued that no bot has seen yet."""
        return bool(self._updates or self._funding)

    def base_asset(self, symbol: str) -> str | None:
        """The base asset of `symbol`, as its bots trade it (None: no bot trades it)."""
        for bot in self.bots.values():
            if bot.symbol == symbol:
                return bot.instrument.base
        return None

    def value_at(self, prices: Mapping[str, Decimal]) -> Decimal:
        """The account's balances valued at `prices` (`equity` is this at the last prices)."""
        value = valuation(self.balances, prices, self.quote_asset)
        return value + (self._margin.unrealised_pnl(prices) if self._margin is not None else ZERO)

    def pass_quiet(self, span: QuietSpan) -> None:
        """A quiet span passed over (`skip`): the candle count and the symbol's last price as
        stepping its candles would have left them."""
        self.candles += span.count
        self.prices[span.symbol] = span.price

    def drive_with(self, driver: CandleDriver, classified: AbstractSet[str] | None = None) -> None:
        """Feed the replay through `driver` (a fast-forward); `classified`: the only symbols
        whose regime classifiers stay (the others would see only the stepped candles)."""
        self.driver = driver
        if classified is not None:
            for symbol in [s for s in self.classifiers if s not in classified]:
                del self.classifiers[symbol]

    @property
    def progress(self) -> float | None:
        if not self._feed_length:
            return None
        return min(1.0, self.candles / self._feed_length)

    # -- EngineAPI: the run ------------------------------------------------------------------

    async def run(self) -> RunSummary:
        self.running = True
        await refresh_balances(self)
        pump = asyncio.create_task(self._pump(), name="engine-update-pump")
        watchdog = None
        if not self.replay and isinstance(self._feed, AsyncIterable):  # a live feed can go quiet
            watchdog = asyncio.create_task(
                watch_data(self.health, self.bots, self._lock, self.data_watch_s),
                name="engine-data-watchdog",
            )
        try:
            async with self._lock:
                for name in self._autostart:
                    await self.bots[name].start()
                await self.account_risk.hold_halts(self)  # unacknowledged halts outlive restarts
            # a driver's own stream directly: one async generator per candle, not two
            feed = self.driver.candles(self) if self.driver is not None else self._candles()
            async for candle in feed:
                await self.clock.advance_to(candle.close_time)
                async with self._lock:
                    try:
                        check_lease(self.guard)
                        await self._step(candle)
                    except LeaseLost as lost:
                        await self._lose_lease(lost)
                        if self.lease_lost:
                            break
                    await self.checkpoint()
            if not self.finish_reason:
                self.finish_reason = "end of replay data"
                if self.replay:
                    self.replay_ended = True
                    await self._finish_bots()
        finally:
            self.balance_sync.cancel()
            try:
                # the pump and the watchdog are stopped between two of their turns, never in
                # one: a bot placing an order on a fill the pump routed finishes it (sent and
                # journalled), where a cancel left its journal row `New` for an order never sent
                await self._lock.acquire()
            finally:  # (and stopped all the same if this wait is cancelled)
                pump.cancel()
                if watchdog is not None:
                    watchdog.cancel()
                self.running = False
                self.finished = True
            try:
                if self.balance_sync.pending:  # the last equity point on the venue's answer
                    self.balance_sync.cancel()
                    await refresh_balances(self)
                await self._record_equity(force=True)
                await self.checkpoint(force=True)
            finally:
                self._lock.release()
        self._log("info", f"engine finished: {self.finish_reason}")
        return run_summary(self)

    @property
    def replay(self) -> bool:
        """The feed is a finite replay (paper), not a live venue's stream."""
        return self._feed_length is not None

    async def _finish_bots(self) -> None:
        """The replay has ended: every bot still trading says FINISHED."""
        async with self._lock:
            await self._drain()
            for bot in self.bots.values():
                if bot.state in FINISHABLE:
                    await bot.finish()

    async def _candles(self) -> AsyncIterator[Candle]:
        if not isinstance(self._feed, AsyncIterable):
            for candle in self._feed:
                if self._stop.is_set():
                    return
                yield candle
            return
        # a live feed may wait minutes for its next candle: a shutdown must not wait with it
        candles = aiter(self._feed)
        stopping = asyncio.ensure_future(self._stop.wait())
        try:
            while not self._stop.is_set():
                arriving = asyncio.ensure_future(anext(candles))
                await asyncio.wait({arriving, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not arriving.done():
                    arriving.cancel()
                    return
                try:
                    candle = arriving.result()
                except StopAsyncIteration:
                    return
                if self.intake.offer(candle) is None:  # counted in intake.counts
                    self._log(
                        "warning",
                        f"dropped a {candle.symbol} candle at {candle.ts} ms: "
                        "not after the last one the engine took",
                    )
                    continue
                self.health.saw_candle(
                    candle.symbol, candle.close_time, candle.interval_ms, self.bots.values()
                )
                yield candle
        finally:
            stopping.cancel()

    def refresh_venue_status(self) -> None:
        """Tell the operator, once per change, what the venue connection is going through
        (an outage the engine is waiting out first)."""
        if self._reporter is None and not self.venue_status and not self.outage.reason:
            return  # nothing to report, nothing reported (a simulated venue's every candle)
        reported = self._reporter.status_line if self._reporter is not None else ""
        line = "; ".join(part for part in (self.outage.line(), reported) if part)
        if line != self.venue_status:
            self._log("warning" if line else "info", line or "venue connection healthy again")
            self.venue_status = line

    def _on_update(self, update: ExchangeUpdate) -> None:
        self._updates.append(update)
        self._update_waiting.set()

    def _on_funding(self, fee: FundingFee) -> None:
        self._funding.append(fee)
        self._update_waiting.set()

    async def _pump(self) -> None:
        """Route updates a live venue pushes between candles (fills on its private stream);
        look at the venue's status at least every second (no candle comes in an outage)."""
        waiting, loop = self._update_waiting, asyncio.get_running_loop()
        while True:
            if not waiting.is_set():  # a timer, not wait_for: a frame wakes it in one hop
                timer = loop.call_later(STATUS_EVERY_S, waiting.set)
                await waiting.wait()
                timer.cancel()
            waiting.clear()
            if self._updates or self._funding:
                async with self._lock:
                    try:
                        await self._drain()
                    except LeaseLost as lost:
                        await self._lose_lease(lost)
            if not self.lease_lost and any(bot.unsure.since for bot in self.bots.values()):
                async with self._lock:  # ask now, not only at the next candle
                    try:
                        await settle_all(self)
                    except LeaseLost as lost:
                        await self._lose_lease(lost)
            self.refresh_venue_status()

    async def _step(self, candle: Candle) -> None:
        if self.outage.active:  # a candle came: the venue may answer again (then bots re-sync)
            await refresh_balances(self)
        if self.candles == 0 and not self.balances:
            await refresh_balances(self)  # stepped without run(): tests
        self.candles += 1
        if self.started_ms == 0:
            self.started_ms = candle.ts
        price = self.prices[candle.symbol] = Decimal(repr(candle.close))
        if self._matcher is not None:  # the bots react to each fill where it happened
            for _ in self._matcher.walk(candle):
                if self._updates:
                    await self._drain()
        if self._updates or self._funding:  # most candles bring none: no coroutine for them
            await self._drain()
        if self.starting_equity is None:
            self.starting_equity = self.equity  # valued at the first price, before any trade
        if self.bus.wants(CandleClosed):
            self.bus.publish(CandleClosed(candle.close_time, candle))
        self.refresh_venue_status()
        reading = self._classify(candle)
        if self.health.restarts_pending:
            await self.health.restart_due(self.bots)
        for bot in self.bots.values():
            if bot.symbol == candle.symbol:
                try:
                    if reading is not None:
                        await guarded(self, bot.on_regime(reading), f"{bot.name}'s regime switch")
                    try:  # `guarded`, inlined: awaited for every bot at every candle
                        await bot.on_candle(candle, price)
                    except FAILURES as err:
                        note_failure(self, f"{bot.name}'s candle", err)
                except LeaseLost:
                    raise
                except Exception as crash:  # reported, restarted with backoff (`health`)
                    await self.health.crashed(bot, crash)
        if self._updates or self._funding:
            await self._drain()
        if self.clock.now_ms() >= self.next_equity_ms:  # `_record_equity` decides the rest
            await self._record_equity()
        # the account's limits: checked without a coroutine, awaited only on a breach
        breach = self.account_risk.breach(self, candle)
        if breach is not None:
            await self._halt_on(breach)

    async def _halt_on(self, breach: Breach) -> None:
        """A breach of the account's daily loss or drawdown halts every bot that trades."""
        if await self.account_risk.halt_every_bot(self, breach):
            await self._drain()

    def warm_up(self, candles: Iterable[Candle]) -> int:
        """Feed history to the regime classifiers and the bots' candle memory (no trading),
        so indicators need not warm up on live candles; its last close is each symbol's last
        known price until a candle comes (a restart values the account at once, and a replay
        that had already ended is valued where it ended). Returns the candles used."""
        used = 0
        for candle in candles:
            used += 1
            self.intake.seed(candle)  # the live feed goes on after these
            self.prices[candle.symbol] = Decimal(repr(candle.close))
            for bot in self.bots.values():
                if bot.symbol == candle.symbol:
                    bot.history.append(candle)
            classifier = self.classifiers.get(candle.symbol)
            if classifier is not None:
                reading = classifier.update(candle)
                if reading is not None:
                    self.regimes[candle.symbol] = reading
        return used

    def _classify(self, candle: Candle) -> RegimeReading | None:
        classifier = self.classifiers.get(candle.symbol)
        if classifier is None:
            return None
        reading = classifier.update(candle)
        if reading is None:
            return None
        previous = self.regimes.get(candle.symbol)
        self.regimes[candle.symbol] = reading
        self.bus.publish(RegimeUpdated(reading.ts, reading))
        old = previous.regime if previous is not None else None
        if reading.regime is not None and reading.regime != old:
            self.bus.publish(RegimeChanged(reading.ts, candle.symbol, old, reading.regime, reading))
            self._log("info", f"{candle.symbol} regime {old or 'unknown'} -> {reading.regime}")
        return reading

    async def _drain(self) -> None:
        """Route every queued exchange update to its bot, until none are left."""
        touched = False
        while self._updates:
            update = self._updates.popleft()
            touched = True
            if self._book is not None and self._book.unsaved(update):
                await self._book.persist()  # the venue's book first: never behind the journal
            bot = self.bots.get(update.client_order_id.rsplit("-", 1)[0])
            if bot is None:
                self._log(
                    "warning", f"update for an order of no known bot: {update.client_order_id}"
                )
            else:
                try:
                    if isinstance(update, Order):
                        await bot.on_order(update)
                    else:
                        self.recent_fills.append(update)
                        await bot.on_fill(update)
                except LeaseLost:
                    raise
                except FAILURES as err:  # the venue did not answer: an outage, not a crash
                    note_failure(self, f"{bot.name}'s exchange update", err)
                except Exception as crash:  # reported, restarted with backoff (`health`)
                    await self.health.crashed(bot, crash)
        while self._funding:
            touched = True
            fee = self._funding.popleft()
            for share in await self.funding.book(fee, list(self.bots.values())):
                self._log(
                    "info",
                    f"{share.bot}: funding {-share.amount} {share.asset} on {share.symbol} "
                    f"(rate {share.rate}, position {share.position_qty})",
                )
        if touched:
            await self.balance_sync.after_updates()

    async def checkpoint(self, force: bool = False) -> None:
        """Write the bots' snapshots that are due (every 30 s of engine time, or at once after
        a pause, stop or halt); `force` ignores the interval and also writes the venue's mark."""
        if self.lease_lost:
            return  # another process may own the database's state now
        now = self.clock.now_ms()
        await self.snapshots.save_due(self.bots.values(), now, force)
        if self.account_risk.store is not None:  # a backtest keeps none: no await per candle
            await self.account_risk.save_due(self, now, force)
        if self._book is not None:
            await self._book.persist(force)

    async def _record_equity(self, force: bool = False) -> None:
        now = self.clock.now_ms()
        if (
            self.lease_lost
            or self.starting_equity is None
            or (now < self.next_equity_ms and not force)
        ):
            return
        await self.record_equity_at(now, self.equity)

    async def record_equity_at(self, now: int, equity: Decimal) -> None:
        """Record `equity` as of `now` and schedule the next point one interval on."""
        assert self.starting_equity is not None  # noqa: S101 - callers check
        self.next_equity_ms = now - now % self.equity_interval_ms + self.equity_interval_ms
        await self.journal.record_equity(now, equity)
        if self.bus.wants(EquityUpdated):
            self.bus.publish(EquityUpdated(now, equity, equity - self.starting_equity))
            # a turn of the loop for the consumers (API, TUI): the journal's queued writes
            # no longer give one, and a replay at full speed would coalesce their points
            await asyncio.sleep(0)

    # -- EngineAPI: commands -----------------------------------------------------------------

    async def start_bot(self, name: str) -> None:
        if self.replay_ended:
            raise CommandError(f"the replay has ended: {PAPER_RESET_HINT}")
        self.health.forget(name)
        await self._command(name, BotRuntime.start)

    async def pause_bot(self, name: str) -> None:
        await self._command(name, BotRuntime.pause)

    async def resume_bot(self, name: str) -> None:
        await self._command(name, BotRuntime.resume)

    async def stop_bot(self, name: str) -> None:
        self.health.forget(name)
        await self._command(name, BotRuntime.stop)

    async def acknowledge(self, name: str) -> None:
        await self._command(name, BotRuntime.acknowledge)

    async def close_position(self, name: str, stop: bool = False) -> None:
        await self._command(name, lambda bot: bot.close_out(stop))

    async def closed_trades(self, bot: str | None = None) -> TradeLedger:
        from traderagent.engine.trade_history import ledger_of

        return await ledger_of(self.journal, [self._bot(bot)] if bot else self.bots.values())

    async def halt(self, name: str | None = None, reason: str = "operator") -> None:
        targets = [self._bot(name)] if name is not None else list(self.bots.values())
        async with self._lock:
            try:
                for bot in targets:
                    if bot.state in HALTABLE:
                        await bot.halt(reason)
                await self._drain()
            except LeaseLost as lost:
                await self._lose_lease(lost)
            await self.checkpoint()

    async def shutdown(self, cancel_orders: bool = False) -> None:
        if not self.finish_reason:
            self.finish_reason = "shutdown requested"
        self._stop.set()
        async with self._lock:
            try:  # a lease the keep-alive saw lost: cancel nothing another process may own
                check_lease(self.guard)
            except LeaseLost as lost:
                await self._lose_lease(lost)
            # the state as it stands goes to disk first: a shutdown cut short loses nothing
            await self.checkpoint(force=True)
            for bot in self.bots.values():
                if cancel_orders and bot.state in (BotState.RUNNING, BotState.PAUSED):
                    await bot.stop(cancel_orders=True)
            await self._drain()

    async def close(self) -> None:
        await self.exchange.close()
        await self.journal.close()

    async def _command(self, name: str, action: Callable[[BotRuntime], Awaitable[None]]) -> None:
        bot = self._bot(name)
        async with self._lock:
            try:
                await action(bot)
                await self._drain()
            except IllegalTransition as err:
                raise CommandError(str(err)) from None
            except LeaseLost as lost:
                await self._lose_lease(lost)
                raise CommandError(str(lost)) from None
            await self.checkpoint()

    def remove_bot(self, name: str) -> bool:
        """Take bot `name` out of this engine (a fleet daemon lets it go); whether it was in."""
        return self.bots.pop(name, None) is not None

    def _bot(self, name: str) -> BotRuntime:
        try:
            return self.bots[name]
        except KeyError:
            known = ", ".join(self.bots) or "none"
            raise CommandError(f"no bot named {name!r} (bots: {known})") from None

    def _log(self, level: str, message: str) -> None:
        self.bus.publish(LogRecord(self.clock.now_ms(), level, message))

    async def _lose_lease(self, lost: LeaseLost) -> None:
        if lost.bot:  # a fleet daemon: that bot runs elsewhere now, the others trade on
            await let_go(self, lost.bot, str(lost))
            return
        self._stop.set()  # no further candle: another process may run these bots now
        await stop_trading(self, str(lost))

    # -- EngineAPI: the console's queries and config reload ----------------------------------

    def use_config(self, config: AppConfig) -> None:
        """Remember the config this engine was built from (strategy parameters, reloads)."""
        self.config = config

    def bot_chart(self, name: str, minutes: int = 240) -> BotChart:
        from traderagent.engine.snapshots import bot_chart

        return bot_chart(self, self._bot(name), minutes)

    async def reload_config(self, config: AppConfig) -> ReloadReport:
        from traderagent.engine.reload import apply_reload

        async with self._lock:
            report = await apply_reload(self, config, self.bot_factory)
        for line in report.applied:
            self._log("info", f"config reload: {line}")
        for line in report.refused:
            self._log("warning", f"config reload refused: {line}")
        audit = getattr(self.journal, "record_audit", None)
        if audit is not None:
            outcome = "; ".join([*report.applied, *(f"refused: {r}" for r in report.refused)])
            await audit(
                ts=self.clock.now_ms(),
                actor="operator",
                source="console",
                command="reload_config",
                target="config",
                outcome=outcome or "no change",
            )
        return report
