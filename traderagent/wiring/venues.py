"""The venue an engine trades on, with its clock and candle feed: the paper exchange on
replayed candles (here), or a live account (`live_venues`: Bybit V5, any ccxt exchange)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from storage import Database, SqlJournal, StorageError
from traderagent.clock import Clock, ReplayClock
from traderagent.config import AppConfig, ConfigError
from traderagent.config.instruments import paper_listing
from traderagent.domain import Candle, Instrument, TradingMode
from traderagent.engine.outage import Outage
from traderagent.exchanges.paper.exchange import PaperExchange
from traderagent.exchanges.paper.fees import FeeSchedule
from traderagent.exchanges.paper.instruments import paper_instrument
from traderagent.exchanges.paper.linear.exchange import PaperLinearExchange
from traderagent.exchanges.paper.linear.stored import book_category
from traderagent.exchanges.ports import Exchange, ExchangeError
from traderagent.marketdata import (
    BUNDLED_SAMPLE,
    CandleSeries,
    MarketDataError,
    load_bundled,
    load_candles,
)
from traderagent.marketdata.warmup import WARMUP_MS
from traderagent.wiring.linear_data import funding_rates, mark_series
from traderagent.wiring.paper_store import DatabaseBookStore

if TYPE_CHECKING:  # its client (httpx) is imported when a Bybit venue is built
    pass

log = logging.getLogger(__name__)


class StartupError(Exception):
    """The engine cannot start as configured; the message says what to change."""


@dataclass(slots=True)
class Venue:
    exchange: Exchange
    clock: Clock
    feed: Iterable[Candle] | AsyncIterable[Candle]
    mode: TradingMode
    label: str
    instruments: dict[str, Instrument]
    warmup: Iterable[Candle] = ()
    feed_length: int | None = None
    fee_reserve: Decimal = Decimal(0)
    """Fee rate a buy must leave room for (the venue locks it with the buy): the allocator
    and the strategies' sizing reserve it."""
    outage: Outage | None = None
    """Where a live feed notes the venue's failures (the engine shows and waits them out)."""


def paper_fee_reserve(config: AppConfig) -> Decimal:
    """What the paper venue locks with a buy on top of its notional (`FeeSchedule.lock_rate`)."""
    return paper_fees(config).lock_rate


def paper_fees(config: AppConfig) -> FeeSchedule:
    """The paper venue's fee rules: spot's (`paper.*_fee`), or linear's (`paper.linear`)."""
    paper = config.paper
    if paper.category == "linear":
        return FeeSchedule(paper.linear.maker_fee, paper.linear.taker_fee, "linear")
    return FeeSchedule(paper.maker_fee, paper.taker_fee)


def paper_exchange(
    config: AppConfig, listed: dict[str, Instrument], now_ms: Callable[[], int]
) -> PaperExchange | PaperLinearExchange:
    """The paper venue of `config.paper.category`: spot, or linear perpetuals."""
    paper = config.paper
    if paper.category == "spot":
        return PaperExchange(
            listed, paper.balances, paper.maker_fee, paper.taker_fee, paper.fill_model,
            now_ms=now_ms,
        )  # fmt: skip
    linear, symbols = paper.linear, list(listed)
    return PaperLinearExchange(
        listed, paper.balances, paper_fees(config), paper.fill_model, now_ms=now_ms,
        leverage=linear.leverage_of(symbols), mmr=linear.mmr_of(symbols),
        margin_mode=linear.margin_mode, funding=funding_rates(config),
        marks=mark_series(config, listed),
        long_only=linear.long_only,
    )  # fmt: skip


def symbols_of(config: AppConfig) -> list[str]:
    return list(dict.fromkeys(bot.symbol for bot in config.bots))


# -- paper ---------------------------------------------------------------------------------


def paper_venue(config: AppConfig, resume_ms: int | None = None) -> Venue:
    """The paper exchange on the replay; `resume_ms` continues a replay a stored paper book
    had reached (the candle opening then is the first one fed)."""
    data, label = _replay_data(config)
    series, history = _replay_window(config, data, resume_ms)
    for index, bot in enumerate(config.bots):
        if bot.symbol != config.replay.symbol:
            raise ConfigError(
                f"bots[{index}].symbol: {bot.symbol} has no data: the replay feeds "
                f"{config.replay.symbol}"
            )
    # the configured range's first close, as a backtest of it; a resumed replay keeps it
    traded = data.between(_ms(config.replay.start), _ms(config.replay.end))
    listed, instruments = paper_instruments(config, first_close(traded))
    start_ms = int(series.ts[0]) if len(series) else (resume_ms or 0)
    clock = ReplayClock(start_ms=start_ms, speed=config.replay.speed_factor)
    exchange = paper_exchange(config, listed, clock.now_ms)
    return Venue(
        exchange=exchange,
        clock=clock,
        feed=series,
        mode=TradingMode.PAPER,
        label=label,
        instruments=instruments,
        warmup=history,
        feed_length=len(series),
        fee_reserve=paper_fee_reserve(config),
    )


async def keep_paper_book(
    config: AppConfig,
    venue: Venue,
    database: Database,
    *,
    fleet_tag: str = "",
    bots: Collection[str] | None = None,
) -> tuple[Venue, DatabaseBookStore | None]:
    """Restore the paper venue's book from the database and keep it there from now on. A
    book that got somewhere continues the replay from the candle after its last one (a new
    venue, clock and feed from there); a new database starts the replay as configured.
    `fleet_tag`: this daemon shares the account with others (ids carry the tag; the balances
    are added to, not replaced) and restores only the orders and fills of `bots`. The linear
    paper venue keeps its positions too; it does not share an account (no fleet of its bots)."""
    linear = isinstance(venue.exchange, PaperLinearExchange)
    if linear and fleet_tag:
        raise StartupError(
            "paper.category linear: fleet daemons share one paper account, which the linear "
            "paper venue's positions cannot be split across: run its bots in one daemon"
        )
    store = DatabaseBookStore(database, shared=bool(fleet_tag))
    try:
        book = await store.load(bots if fleet_tag else None)
    except StorageError as err:
        raise StartupError(f"database: cannot read the paper book: {err}") from None
    kept, category = book_category(book), config.paper.category
    if kept and kept != category:
        raise StartupError(
            f"paper.category {category}: this database keeps a {kept} paper account: reset "
            "the paper account (`traderagent paper reset`) or use a new --db"
        )
    if linear and book is None:
        await _fresh_for_linear(config, database)
    cursor = book.mark.cursor_ms if book is not None and book.mark is not None else 0
    if cursor:
        venue = paper_venue(config, resume_ms=cursor)
    exchange = venue.exchange
    if isinstance(exchange, PaperLinearExchange):
        try:
            exchange.attach_store(store, book)
        except ValueError as err:
            raise StartupError(f"paper.linear: {err}") from None
        return venue, store
    assert isinstance(exchange, PaperExchange)  # noqa: S101 - built by paper_venue
    if fleet_tag:
        exchange.use_id_tag(fleet_tag)
        if book is None:
            store.opening(exchange.balances_sync())
    exchange.attach_store(store, book)
    return venue, store


async def _fresh_for_linear(config: AppConfig, database: Database) -> None:
    """StartupError if the bots traded in this database but it keeps no paper book (written
    before the linear venue kept one): the venue would start afresh, so their journalled
    positions would not be the venue's (fail closed)."""
    journal = SqlJournal(database)
    try:
        traded = [bot.name for bot in config.bots if await journal.fills_of(bot.name)]
    except StorageError as err:
        raise StartupError(f"database: cannot read the bots' fills: {err}") from None
    if traded:
        raise StartupError(
            f"paper.category linear: {', '.join(traded)} traded in this database, which keeps "
            "no paper book of theirs (its positions would not be the bots'): reset the paper "
            "account (`traderagent paper reset`) or use a new --db"
        )


def paper_instruments(
    config: AppConfig, price_level: float | None
) -> tuple[dict[str, Instrument], dict[str, Instrument]]:
    """What the paper venue lists (the known and configured rules, and the bots' symbols) and
    each bot's instrument: `paper.instruments`, else the known rules, else rules derived from
    `price_level` (the first close of the candles traded). ConfigError naming the bot if its
    symbol cannot be traded."""
    listed = paper_listing(config.paper.instruments)
    instruments = {}
    for index, bot in enumerate(config.bots):
        try:
            instruments[bot.symbol] = paper_instrument(bot.symbol, price_level, listed)
        except ExchangeError as err:
            raise ConfigError(f"bots[{index}].symbol: {err}") from None
    return {**listed, **instruments}, instruments


def first_close(series: CandleSeries) -> float | None:
    """The price level trading rules are derived from: the first close (None: no candles)."""
    return float(series.close[0]) if len(series) else None


def load_feed(
    config: AppConfig, resume_ms: int | None = None
) -> tuple[CandleSeries, CandleSeries, str]:
    """The candles to replay, the history before them (for warm-up), and a label. From
    `resume_ms` on if given (a restart: then none left is no error, the replay is done)."""
    data, label = _replay_data(config)
    series, history = _replay_window(config, data, resume_ms)
    return series, history, label


def _replay_data(config: AppConfig) -> tuple[CandleSeries, str]:
    replay = config.replay
    try:
        if replay.data == "bundled":
            return load_bundled(), f"bundled {BUNDLED_SAMPLE}"
        series = load_candles(replay.data, symbol=replay.symbol)
        label = replay.data if replay.data.startswith("store:") else Path(replay.data).name
        return series, label
    except MarketDataError as err:
        raise StartupError(f"replay.data: {err}") from None


def _replay_window(
    config: AppConfig, series: CandleSeries, resume_ms: int | None
) -> tuple[CandleSeries, CandleSeries]:
    replay = config.replay
    start = _ms(replay.start)
    if resume_ms is not None:
        start = max(start or resume_ms, resume_ms)
    history = series.between(start - WARMUP_MS, start) if start is not None else series.head(0)
    series = series.between(start, _ms(replay.end))
    if len(series) == 0 and resume_ms is None:
        raise StartupError("replay: no candles between replay.start and replay.end")
    return series, history


def _ms(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)
