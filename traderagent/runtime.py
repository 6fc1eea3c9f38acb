"""Assemble a runnable engine from a config: venue, clock, feed, journal, strategies, bots.

This is the one place that knows every concrete part; the engine itself sees only protocols.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from storage import SqlJournal, StorageError
from strategies.base import Strategy
from traderagent.assembly import (
    attach_risk,
    bot_strategy,
    capital_allocator,
    regime_classifiers,
    route_labels,
    router_binding,
)
from traderagent.bus import EventBus
from traderagent.config import AppConfig
from traderagent.domain import Instrument
from traderagent.engine.bot import BotRuntime
from traderagent.engine.orchestrator import Engine
from traderagent.exchanges.bybit import BybitConfig
from traderagent.paths import default_database_path
from traderagent.venues import (
    PAPER_STALE_REASON,
    StartupError,
    Venue,
    bybit_venue,
    load_feed,
    paper_venue,
)

__all__ = [
    "PAPER_STALE_REASON",
    "Built",
    "StartupError",
    "build_engine",
    "build_strategy",
    "database_target",
    "load_feed",
]


@dataclass(frozen=True, slots=True)
class Built:
    engine: Engine
    journal: SqlJournal
    database: str


def database_target(config: AppConfig, db_override: str | Path | None) -> str | Path:
    if db_override:
        return Path(db_override).expanduser()
    if config.storage.database_url:
        return config.storage.database_url
    return default_database_path()


def build_strategy(config: AppConfig, index: int, instrument: Instrument) -> Strategy:
    """Bot `index`'s strategy (grid, DCA or trend), behind the SMC filter when `smc` is set."""
    return bot_strategy(config.bots[index], index, instrument)


async def build_engine(config: AppConfig, db_override: str | Path | None = None) -> Built:
    paper = not isinstance(config.exchange, BybitConfig)
    venue = paper_venue(config) if paper else None  # config errors before any I/O
    target = database_target(config, db_override)
    try:
        journal = (
            await SqlJournal.open(target, clock_ms=venue.clock.now_ms)
            if venue is not None
            else await SqlJournal.open(target)  # a live venue's clock starts with the venue
        )
    except StorageError as err:
        raise StartupError(f"database: {err}") from None
    try:
        if venue is None:
            assert isinstance(config.exchange, BybitConfig)  # noqa: S101 - narrowed above
            venue = await bybit_venue(config, config.exchange, journal.database)
        engine = await _assemble(config, venue, journal, str(target))
    except BaseException:
        if venue is not None:
            await venue.exchange.close()
        await journal.close()
        raise
    return Built(engine, journal, str(target))


async def _assemble(config: AppConfig, venue: Venue, journal: SqlJournal, target: str) -> Engine:
    parts = []
    for index, bot_config in enumerate(config.bots):
        instrument = venue.instruments[bot_config.symbol]
        parts.append(
            (
                bot_config,
                instrument,
                build_strategy(config, index, instrument),
                router_binding(bot_config, index, instrument),
            )
        )
    allocator = capital_allocator(config.bots)
    bus = EventBus()
    bots = []
    for bot_config, instrument, strategy, router in parts:
        await journal.register_bot(
            bot_config.name, bot_config.symbol, strategy.kind, bot_config.model_dump(mode="json")
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
                stale_orders_reason=venue.stale_orders_reason,
                allocator=allocator,
                router=router,
            )
        )
    engine = Engine(
        mode=venue.mode,
        clock=venue.clock,
        exchange=venue.exchange,
        journal=journal,
        bus=bus,
        bots=bots,
        feed=venue.feed,
        feed_length=venue.feed_length,
        quote_asset=bots[0].instrument.quote,
        equity_interval_ms=config.equity_interval_minutes * 60_000,
        data_label=venue.label,
        database_label=target,
        autostart=[b.name for b in config.bots if b.autostart],
        classifiers=regime_classifiers(config),
        routes=route_labels(config),
    )
    for bot in bots:
        bot.funds = engine
    attach_risk(engine, config)
    engine.warm_up(venue.warmup)
    return engine
