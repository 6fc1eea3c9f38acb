"""The engine: many bots on one venue account, driven by a candle feed on one clock.

Per candle: the clock advances to the candle's close, a simulated venue matches resting orders
against it (the updates of each fill routed to their bots at that point of the candle's path, so
a cancel a bot decides there applies from there on), then every bot decides. Operator
commands take the same lock as a candle step, so a halt never races an order in flight.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping
from collections.abc import Set as AbstractSet
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from traderagent.bus import EventBus, EventStream
from traderagent.clock import Clock
from traderagent.domain import ZERO, Balance, Candle, Fill, RegimeReading, TradingMode
from traderagent.domain.events import Event
from traderagent.engine.account import Account
from traderagent.engine.account_risk import AccountRisk
from traderagent.engine.allocator import BatchLocks
from traderagent.engine.balance_sync import BalanceSync
from traderagent.engine.bot import BotRuntime
from traderagent.engine.checkpoints import SnapshotSchedule
from traderagent.engine.commands import PAPER_RESET_HINT as PAPER_RESET_HINT  # re-exported
from traderagent.engine.commands import EngineCommands
from traderagent.engine.funding import FundingBook
from traderagent.engine.health import WATCH_EVERY_S, HealthMonitor
from traderagent.engine.journal import TradeJournal
from traderagent.engine.lease_guard import LeaseGuard, LeaseLost
from traderagent.engine.loop import EngineLoop
from traderagent.engine.outage import Outage
from traderagent.engine.protocols import RegimeSource
from traderagent.engine.quiet_span import QuietSpan
from traderagent.engine.quiet_steps import quiet_steps
from traderagent.engine.risk import EquityWatch
from traderagent.engine.snapshots import engine_snapshot, run_summary
from traderagent.exchanges.ports import CandleMatched, Exchange, MarginAccount
from traderagent.facade import EngineSnapshot, RunSummary
from traderagent.marketdata.intake import CandleIntake

MINUTE_MS = 60_000

if TYPE_CHECKING:
    from traderagent.config import AppConfig
    from traderagent.engine.reload import BotFactory
    from traderagent.facade import BotChart, ReloadReport
    from traderagent.ledger import TradeLedger


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
        self.equity_interval_ms = equity_interval_ms
        self.data_label = data_label
        self.database_label = database_label
        self.autostart = tuple(autostart)
        """Bots started when the run begins."""
        self._stop = asyncio.Event()
        self.commands = EngineCommands(self)
        """The operator's commands, halts, shutdown and reloads, under the engine's lock."""
        margin = exchange if isinstance(exchange, MarginAccount) else None
        self.account = Account(quote_asset, margin)
        """Balances, prices, equity."""
        # the account's own objects (never replaced), read at every candle: no property
        self.prices: dict[str, Decimal] = self.account.prices
        self.batch: BatchLocks = self.account.batch
        self.quote_asset: str = quote_asset
        self.recent_fills: deque[Fill] = deque(maxlen=50)
        self.classifiers: dict[str, RegimeSource] = dict(classifiers or {})
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
        self.balance_sync = BalanceSync(
            self, inline=isinstance(exchange, CandleMatched), lease_lost=self.lose_lease
        )
        """Reads the balances after updates: at once on a simulated venue, behind on a remote
        one (off the fill's hot path)."""
        self.snapshots = SnapshotSchedule(journal)
        """The bots' state snapshots for crash recovery (every 30 s of engine time)."""
        self.account_risk = AccountRisk(journal, bus)
        """The account's limits after each candle; its peak, day, halts kept across restarts."""
        self.venue_status = ""
        self.health = HealthMonitor(bus, clock)
        self.data_watch_s = WATCH_EVERY_S
        """Bot crashes (restarted with backoff, EMERGENCY after three) and stale live data."""
        self.driver: CandleDriver | None = None
        self.quiet_steps = True
        """A replay's quiet candles are stepped synchronously in spans (`quiet_steps`); False:
        each through `EngineLoop.step` (the reference a test compares with)."""
        """Set (before `run`) to step a replay through a driver instead of candle by candle."""
        self.guard = journal if isinstance(journal, LeaseGuard) else None
        """The bots' leases: asked before every order, read every candle (`lease_guard`)."""
        self.lease_lost = ""
        """Why the engine stopped trading on a lost lease: from then on it records nothing."""
        for bot in bots:
            bot.execution.guard = self.guard
        self.funding = FundingBook(journal)
        """Funding settlements of perpetuals, booked to the bots holding the position."""
        self.loop = EngineLoop(self, exchange)
        """Steps the candles and routes the venue's updates (the exchange's listener)."""
        self.outage = outage or Outage()
        self.outage.on_change = self.loop.refresh_venue_status
        """Whether the venue answers: while it does not, the engine waits, degraded."""

    # -- the account (`Account`) -------------------------------------------------------------

    @property
    def balances(self) -> dict[str, Balance]:
        return self.account.balances

    @balances.setter
    def balances(self, balances: dict[str, Balance]) -> None:
        self.account.balances = balances

    @property
    def equity(self) -> Decimal:
        return self.account.equity

    @property
    def free_quote(self) -> Decimal:
        return self.account.free_quote

    def lock_quote(self, amount: Decimal) -> None:
        self.account.lock_quote(amount)

    def value_at(self, prices: Mapping[str, Decimal]) -> Decimal:
        """The account's balances valued at `prices` (`equity` is this at the last prices)."""
        return self.account.value_at(prices)

    @property
    def gross_exposure(self) -> Decimal:
        """Every bot's position at its last price plus its resting buys (risk's measure)."""
        return sum((bot.risk_book().exposure for bot in self.bots.values()), ZERO)

    @property
    def gross_margin(self) -> Decimal:
        """Every bot's margin: its exposure over its symbol's leverage (risk's measure)."""
        return sum((bot.risk_book().margin for bot in self.bots.values()), ZERO)

    def base_asset(self, symbol: str) -> str | None:
        """The base asset of `symbol`, as its bots trade it (None: no bot trades it)."""
        for bot in self.bots.values():
            if bot.symbol == symbol:
                return bot.instrument.base
        return None

    # -- EngineAPI: queries (views: `snapshots`) ---------------------------------------------

    def snapshot(self) -> EngineSnapshot:
        return engine_snapshot(self)

    def events(self, kinds: tuple[type[Event], ...] = (), maxsize: int = 2_000) -> EventStream:
        return self.bus.stream(kinds, maxsize)

    @property
    def feed(self) -> Iterable[Candle] | AsyncIterable[Candle]:
        """The candles this engine runs on (a CandleSeries for a replay)."""
        return self._feed

    @property
    def lock(self) -> asyncio.Lock:
        """Held while the engine's state changes (a candle step, a command)."""
        return self.commands.lock

    @property
    def stop_signal(self) -> asyncio.Event:
        """Set when a shutdown was asked for (or a lease lost): no further candle."""
        return self._stop

    @property
    def stopping(self) -> bool:
        """A shutdown was asked for: no further candle is to be stepped."""
        return self._stop.is_set()

    @property
    def progress(self) -> float | None:
        if not self._feed_length:
            return None
        return min(1.0, self.candles / self._feed_length)

    # -- a replay's fast-forward ---------------------------------------------------------------

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

    # -- EngineAPI: the run (`EngineLoop`) ----------------------------------------------------

    async def run(self) -> RunSummary:
        # a driver's own stream directly: one async generator per candle, not two
        feed = self.driver.candles(self) if self.driver is not None else None
        if feed is None and self.quiet_steps and self.loop.reporter is None:
            steps = quiet_steps(self, self.exchange, self.loop.classify)
            feed = steps.candles() if steps is not None else None
        await self.loop.run(feed)
        return run_summary(self)

    @property
    def replay(self) -> bool:
        """The feed is a finite replay (paper), not a live venue's stream."""
        return self._feed_length is not None

    @property
    def has_pending_updates(self) -> bool:
        """Exchange updates are queued that no bot has seen yet."""
        return self.loop.has_pending_updates

    def _candles(self) -> AsyncIterator[Candle]:
        return self.loop.candles()

    async def _step(self, candle: Candle) -> None:
        await self.loop.step(candle)

    def refresh_venue_status(self) -> None:
        self.loop.refresh_venue_status()

    def warm_up(self, candles: Iterable[Candle]) -> int:
        return self.loop.warm_up(candles)

    async def checkpoint(self, force: bool = False) -> None:
        await self.loop.checkpoint(force)

    async def record_equity_at(self, now: int, equity: Decimal) -> None:
        await self.loop.record_equity_at(now, equity)

    # -- EngineAPI: commands (`EngineCommands`) ----------------------------------------------

    async def start_bot(self, name: str) -> None:
        await self.commands.start_bot(name)

    async def pause_bot(self, name: str) -> None:
        await self.commands.command(name, BotRuntime.pause)

    async def resume_bot(self, name: str) -> None:
        await self.commands.command(name, BotRuntime.resume)

    async def stop_bot(self, name: str) -> None:
        await self.commands.stop_bot(name)

    async def acknowledge(self, name: str) -> None:
        await self.commands.command(name, BotRuntime.acknowledge)

    async def close_position(self, name: str, stop: bool = False) -> None:
        await self.commands.command(name, lambda bot: bot.close_out(stop))

    async def closed_trades(self, bot: str | None = None) -> TradeLedger:
        return await self.commands.closed_trades(bot)

    async def halt(self, name: str | None = None, reason: str = "operator") -> None:
        await self.commands.halt(name, reason)

    async def shutdown(self, cancel_orders: bool = False) -> None:
        await self.commands.shutdown(cancel_orders)

    async def close(self) -> None:
        await self.commands.close()

    async def lose_lease(self, lost: LeaseLost) -> None:
        """A lease is lost: a fleet daemon lets that bot go, any other engine stops trading."""
        await self.commands.lose_lease(lost)

    def remove_bot(self, name: str) -> bool:
        """Take bot `name` out of this engine (a fleet daemon lets it go); whether it was in."""
        return self.bots.pop(name, None) is not None

    # -- EngineAPI: the console's queries and config reload ----------------------------------

    def use_config(self, config: AppConfig) -> None:
        """Remember the config this engine was built from (strategy parameters, reloads)."""
        self.config = config

    def bot_chart(self, name: str, minutes: int = 240) -> BotChart:
        return self.commands.bot_chart(name, minutes)

    async def reload_config(self, config: AppConfig) -> ReloadReport:
        return await self.commands.reload_config(config)
