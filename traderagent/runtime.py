"""Assemble a runnable engine from a config: clock, feed, venue, journal, strategies, bots.

This is the one place that knows every concrete part; the engine itself sees only protocols.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from storage import SqlJournal, StorageError
from strategies.base import Strategy
from traderagent.assembly import (
    bot_strategy,
    capital_allocator,
    regime_classifiers,
    route_labels,
    router_binding,
)
from traderagent.bus import EventBus
from traderagent.clock import ReplayClock
from traderagent.config import AppConfig, ConfigError
from traderagent.domain import Instrument, TradingMode
from traderagent.engine.bot import BotRuntime
from traderagent.engine.orchestrator import Engine
from traderagent.exchanges.paper.exchange import PaperExchange
from traderagent.exchanges.paper.instruments import DEFAULT_INSTRUMENTS
from traderagent.marketdata import (
    BUNDLED_SAMPLE,
    CandleSeries,
    MarketDataError,
    load_bundled,
    load_candles,
)
from traderagent.paths import default_database_path

PAPER_STALE_REASON = "paper session ended (the simulated account does not survive a restart)"


class StartupError(Exception):
    """The engine cannot start as configured; the message says what to change."""


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


WARMUP_MS = 3 * 86_400_000
"""History before the replay's start fed to classifiers and strategies (no trading)."""


def load_feed(config: AppConfig) -> tuple[CandleSeries, CandleSeries, str]:
    """The candles to replay, the history before them (for warm-up), and a label."""
    replay = config.replay
    try:
        if replay.data == "bundled":
            series, label = load_bundled(), f"bundled {BUNDLED_SAMPLE}"
        else:
            series, label = load_candles(replay.data, symbol=replay.symbol), Path(replay.data).name
    except MarketDataError as err:
        raise StartupError(f"replay.data: {err}") from None
    start = _ms(replay.start)
    history = (
        series.between(start - WARMUP_MS, start) if start is not None else series.between(0, 0)
    )
    series = series.between(start, _ms(replay.end))
    if len(series) == 0:
        raise StartupError("replay: no candles between replay.start and replay.end")
    return series, history, label


def build_strategy(config: AppConfig, index: int, instrument: Instrument) -> Strategy:
    """Bot `index`'s strategy (grid, DCA or trend), behind the SMC filter when `smc` is set."""
    return bot_strategy(config.bots[index], index, instrument)


async def build_engine(config: AppConfig, db_override: str | Path | None = None) -> Built:
    series, warmup, label = load_feed(config)
    clock = ReplayClock(start_ms=int(series.ts[0]), speed=config.replay.speed_factor)
    exchange = PaperExchange(
        DEFAULT_INSTRUMENTS,
        config.paper.balances,
        config.paper.maker_fee,
        config.paper.taker_fee,
        config.paper.fill_model,
        now_ms=clock.now_ms,
    )
    target = database_target(config, db_override)
    strategies = []
    for index, bot_config in enumerate(config.bots):
        if bot_config.symbol != config.replay.symbol:
            raise ConfigError(
                f"bots[{index}].symbol: {bot_config.symbol} has no data: the replay feeds "
                f"{config.replay.symbol}"
            )
        instrument = DEFAULT_INSTRUMENTS.get(bot_config.symbol)
        if instrument is None:
            known = ", ".join(sorted(DEFAULT_INSTRUMENTS))
            raise ConfigError(f"bots[{index}].symbol: unknown instrument (known: {known})")
        strategies.append(
            (
                bot_config,
                instrument,
                build_strategy(config, index, instrument),
                router_binding(bot_config, index, instrument),
            )
        )
    allocator = capital_allocator(config.bots)
    try:
        journal = await SqlJournal.open(target, clock_ms=clock.now_ms)
    except StorageError as err:
        raise StartupError(f"database: {err}") from None
    bus = EventBus()
    bots = []
    for bot_config, instrument, strategy, router in strategies:
        await journal.register_bot(
            bot_config.name,
            bot_config.symbol,
            strategy.kind,
            bot_config.model_dump(mode="json"),
        )
        bots.append(
            BotRuntime(
                bot_config.name,
                strategy,
                instrument,
                exchange,
                journal,
                bus,
                clock,
                close_positions_on_halt=config.halt.close_positions,
                stale_orders_reason=PAPER_STALE_REASON,
                allocator=allocator,
                router=router,
            )
        )
    engine = Engine(
        mode=TradingMode.PAPER,
        clock=clock,
        exchange=exchange,
        journal=journal,
        bus=bus,
        bots=bots,
        feed=series,
        feed_length=len(series),
        quote_asset=bots[0].instrument.quote,
        equity_interval_ms=config.equity_interval_minutes * 60_000,
        data_label=label,
        database_label=str(target),
        autostart=[b.name for b in config.bots if b.autostart],
        classifiers=regime_classifiers(config),
        routes=route_labels(config),
    )
    for bot in bots:
        bot.funds = engine
    engine.warm_up(warmup)
    return Built(engine, journal, str(target))


def _ms(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)
