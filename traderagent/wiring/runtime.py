"""Assemble a runnable engine from a config: venue, clock, feed, journal, strategies, bots.

This is the one place that knows every concrete part; the engine itself sees only protocols.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from storage import BotLease, Database, LeaseError, SqlJournal, StorageError
from storage.fleet import TTL_S as FLEET_TTL_S
from storage.fleet_member import FleetMember
from storage.journal import SNAPSHOTS_KEPT, wall_clock_ms
from storage.urls import resolve_url, shown
from strategies.base import Strategy
from traderagent.bus import EventBus
from traderagent.config import AppConfig
from traderagent.domain import Instrument
from traderagent.engine.allocator import CapitalAllocator
from traderagent.engine.bot import BotRuntime
from traderagent.engine.journal import TradeJournal
from traderagent.engine.orchestrator import Engine
from traderagent.engine.risk.account_state import RiskStateError
from traderagent.exchanges.bybit import BybitConfig
from traderagent.exchanges.ccxt.config import CcxtConfig
from traderagent.exchanges.ports import market_of
from traderagent.paths import default_database_path
from traderagent.wiring.assembly import (
    ConfigBots,
    attach_risk,
    bot_strategy,
    capital_allocator,
    regime_classifiers,
    route_labels,
    router_binding,
)
from traderagent.wiring.live_venues import bybit_venue, ccxt_venue
from traderagent.wiring.venues import (
    StartupError,
    Venue,
    keep_paper_book,
    load_feed,
    paper_venue,
)

if TYPE_CHECKING:
    from traderagent.wiring.paper_store import DatabaseBookStore

__all__ = [
    "Built",
    "FleetOptions",
    "LeaseRefused",
    "StartupError",
    "build_engine",
    "build_strategy",
    "database_target",
    "load_feed",
]


@dataclass(frozen=True, slots=True)
class FleetOptions:
    """A daemon of a fleet (`run --headless --fleet`): its bots' leases are rows that
    expire (`storage.fleet`), so that another daemon takes them over when this one dies."""

    holder: str
    """This daemon's name in the fleet (`storage.fleet.member_id`)."""
    ttl_s: float = FLEET_TTL_S


class LeaseRefused(StartupError):
    """A bot's lease is held elsewhere (a fleet daemon stands by and tries again)."""


class LeasedJournal(SqlJournal):
    """The engine's journal, holding each bot's lease (one bot runs in one place) until it
    closes. In a fleet (`member`) the leases are the member's, bot by bot: a lost one stops
    its bot only (`lease_lost` stays '': the engine trades its other bots on)."""

    def __init__(
        self,
        database: Database,
        *,
        clock_ms: Callable[[], int] = wall_clock_ms,
        snapshots_kept: int = SNAPSHOTS_KEPT,
        member: FleetMember | None = None,
    ) -> None:
        # the live path: write-ahead rows on their own connection, the rest queued behind
        super().__init__(database, clock_ms=clock_ms, snapshots_kept=snapshots_kept, fast_path=True)
        self.leases: list[BotLease] = []
        self.member = member

    async def hold(self, bots: Iterable[str]) -> None:
        """Take every bot's lease, or LeaseRefused naming the process that runs one already."""
        for bot in bots:
            try:
                self.leases.append(await self.acquire_lease(bot))
            except LeaseError as err:
                raise LeaseRefused(f"{err} (the lease is held through the database)") from None

    @property
    def lease_lost(self) -> str:
        """Why a lease is lost, as its keep-alive last saw ('' while every one is held)."""
        return next((lease.lost_reason for lease in self.leases if lease.lost_reason), "")

    @property
    def per_bot(self) -> bool:
        return self.member is not None

    async def check_lease(self, bot: str) -> str:
        """Ask now: '' while `bot`'s lease is held (and no other was seen lost), else why not
        (the engine's `LeaseGuard`, before every order)."""
        if self.member is not None:
            lease = self.member.leases.get(bot)
            if lease is None:
                return f"bot {bot} is not this daemon's (its fleet lease is held elsewhere)"
            return "" if await lease.is_held() else lease.lost_reason
        for held in self.leases:
            if held.bot == bot and not await held.is_held():
                return held.lost_reason or f"lost the lease of bot {bot}"
        return self.lease_lost

    async def close(self) -> None:
        leases, self.leases = self.leases, []
        for lease in leases:
            await lease.release()
        if self.member is not None:
            await self.member.close()
        await super().close()


class _VenueTime:
    """The journal's clock: the paper venue's, which may be rebuilt once the database says
    where a replay had got to."""

    def __init__(self, venue: Venue) -> None:
        self.venue = venue

    def now_ms(self) -> int:
        return self.venue.clock.now_ms()


@dataclass(frozen=True, slots=True)
class Built:
    engine: Engine
    journal: SqlJournal
    database: str
    member: FleetMember | None = None
    """A fleet daemon's side of the fleet (its leases and share)."""
    book: DatabaseBookStore | None = None
    """A fleet daemon's paper book (a take-over adopts a bot's orders from it)."""
    allocator: CapitalAllocator | None = None
    """The bots' shared capital allocator (a bot taken over joins it)."""


def database_target(config: AppConfig, db_override: str | Path | None) -> str | Path:
    if db_override:
        if isinstance(db_override, str) and "://" in db_override:
            return db_override  # a URL (`--db` refuses one carrying a password)
        return Path(db_override).expanduser()
    if config.storage.database_url:
        return config.storage.database_url
    return default_database_path()


def build_strategy(config: AppConfig, index: int, instrument: Instrument) -> Strategy:
    """Bot `index`'s strategy (grid, DCA or trend), behind the SMC filter when `smc` is set."""
    return bot_strategy(config.bots[index], index, instrument)


async def build_engine(
    config: AppConfig, db_override: str | Path | None = None, fleet: FleetOptions | None = None
) -> Built:
    """The engine for `config`, every bot's lease held; with `fleet`, only the bots this
    daemon's fair share took (maybe none: the rest run in other daemons)."""
    paper = config.exchange.venue == "paper"
    venue = paper_venue(config) if paper else None  # config errors before any I/O
    venue_time = _VenueTime(venue) if venue is not None else None
    target = database_target(config, db_override)
    try:
        database = await Database.open(target)
        member = _member(database, config, fleet)
        journal = (
            LeasedJournal(database, clock_ms=venue_time.now_ms, member=member)
            if venue_time is not None
            else LeasedJournal(database, member=member)  # a live venue's clock starts with it
        )
    except StorageError as err:
        raise StartupError(f"database: {err}") from None
    book = None
    try:
        names = [bot.name for bot in config.bots]
        if member is not None:
            await member.join()
            names, _ = await member.step(limit=await member.share())
        else:
            await journal.hold(names)
        if venue is not None and venue_time is not None:
            tag = member.tag if member is not None else ""
            venue, book = await keep_paper_book(
                config, venue, journal.database, fleet_tag=tag, bots=names
            )
            venue_time.venue = venue
            book = book if member is not None else None
        if venue is None and isinstance(config.exchange, CcxtConfig):
            venue = await ccxt_venue(config, config.exchange, journal.database)
        if venue is None:
            assert isinstance(config.exchange, BybitConfig)  # noqa: S101 - narrowed above
            venue = await bybit_venue(config, config.exchange, journal.database)
        label = database_label(target)
        allocator = capital_allocator(config.bots, venue.fee_reserve)
        engine = await assemble_engine(config, venue, journal, label, names, allocator)
        engine.use_config(config)
        engine.account_risk.account = account_name(config)
        try:  # the peak, the day's start, halts and PnL baseline of the previous session
            await engine.account_risk.restore(engine)
        except RiskStateError as err:
            raise StartupError(f"database: {err}") from None
    except BaseException:
        if venue is not None:
            await venue.exchange.close()
        await journal.close()
        raise
    return Built(engine, journal, label, member, book, allocator)


def _member(
    database: Database, config: AppConfig, fleet: FleetOptions | None
) -> FleetMember | None:
    if fleet is None:
        return None
    names = [bot.name for bot in config.bots]
    return FleetMember(database, names, fleet.holder, ttl_s=fleet.ttl_s)


def account_name(config: AppConfig) -> str:
    """The venue account whose risk state the engine keeps: the paper account, or a Bybit
    environment, product line and key pair."""
    exchange = config.exchange
    if isinstance(exchange, CcxtConfig):
        where = f"{exchange.exchange}{'-sandbox' if exchange.sandbox else ''}"
        return f"ccxt-{where}-{exchange.market}-{exchange.credentials or ''}"[:64]
    if not isinstance(exchange, BybitConfig):
        return "paper"
    return f"bybit-{exchange.env}-{exchange.category}-{exchange.credentials or ''}"[:64]


def database_label(target: str | Path) -> str:
    """The database as it may be shown: a URL's password hidden."""
    if isinstance(target, Path) or "://" not in target:
        return str(target)
    try:
        return shown(resolve_url(target))
    except StorageError:
        return "(unparseable database URL)"


async def assemble_engine(
    config: AppConfig,
    venue: Venue,
    journal: TradeJournal,
    target: str,
    only: Collection[str] | None = None,
    allocator: CapitalAllocator | None = None,
) -> Engine:
    """The engine for `config` on `venue`, writing to `journal` (a database or memory); with
    `only`, just those of the config's bots (a fleet daemon's share)."""
    parts = []
    for index, bot_config in enumerate(config.bots):
        if only is not None and bot_config.name not in only:
            continue
        instrument = venue.instruments[bot_config.symbol]
        parts.append(
            (
                bot_config,
                instrument,
                build_strategy(config, index, instrument),
                router_binding(bot_config, index, instrument),
            )
        )
    allocator = allocator or capital_allocator(config.bots, venue.fee_reserve)
    bus = EventBus()
    bots = []
    for bot_config, instrument, strategy, router in parts:
        await journal.register_bot(
            bot_config.name,
            bot_config.symbol,
            strategy.kind,
            bot_config.model_dump(mode="json"),
            market=market_of(venue.exchange),
        )
        bots.append(
            BotRuntime(
                bot_config.name,
                strategy,
                instrument,
                venue.exchange,
                journal,
                bus,
                venue.clock,
                close_positions_on_halt=config.halt.close_positions,
                allocator=allocator,
                router=router,
            )
        )
    engine_bots = {bot.name for bot in bots}
    engine = Engine(
        mode=venue.mode,
        clock=venue.clock,
        exchange=venue.exchange,
        journal=journal,
        bus=bus,
        bots=bots,
        feed=venue.feed,
        feed_length=venue.feed_length,
        quote_asset=venue.instruments[config.bots[0].symbol].quote,
        equity_interval_ms=config.equity_interval_minutes * 60_000,
        data_label=venue.label,
        database_label=target,
        autostart=[b.name for b in config.bots if b.autostart and b.name in engine_bots],
        classifiers=regime_classifiers(config),
        routes=route_labels(config),
        outage=venue.outage,
    )
    engine.bot_factory = ConfigBots(venue.fee_reserve)
    for bot in bots:
        bot.funds = engine
    attach_risk(engine, config)
    engine.warm_up(venue.warmup)
    return engine
