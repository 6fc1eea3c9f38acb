"""Live venues: a Bybit V5 account (demo, testnet, mainnet or the emulator) or any ccxt
exchange, with the bots' instruments as the exchange lists them, the warm-up candles and a
candle feed that lasts through outages."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from storage import Database
from traderagent.clock import VenueClock
from traderagent.config import AppConfig, ConfigError
from traderagent.domain import MINUTE_MS, Candle, Instrument, TradingMode
from traderagent.engine.outage import Outage, resilient_candles
from traderagent.exchanges.bybit import BybitConfig
from traderagent.exchanges.bybit.credentials import ApiCredentials
from traderagent.exchanges.ccxt.config import CcxtConfig
from traderagent.exchanges.fee_rules import LINEAR_FEES, SPOT_FEES
from traderagent.exchanges.ports import Exchange, ExchangeError
from traderagent.marketdata.warmup import WARMUP_MS
from traderagent.wiring.credentials import (
    CredentialsNotFound,
    passphrase_env_name,
    resolve_credentials,
)
from traderagent.wiring.venues import StartupError, Venue, symbols_of

if TYPE_CHECKING:  # its client (httpx) is imported when a Bybit venue is built
    from traderagent.exchanges.bybit import BybitExchange

BYBIT_FEE_RESERVE = {"spot": SPOT_FEES.lock_rate, "linear": LINEAR_FEES.lock_rate}
"""Fee rate the allocator reserves in quote with a buy on Bybit, as Bybit locks it: none on
spot (a buy's fee comes out of the base it receives), the taker rate on linear."""


async def _named_credentials(name: str | None, database: Database) -> ApiCredentials:
    """The key pair the venue's config names (ConfigError if it names none, StartupError if
    neither the environment nor the key store holds it)."""
    if name is None:
        raise ConfigError("exchange.credentials: name the API key pair to trade with")
    try:
        return await resolve_credentials(name, database)
    except CredentialsNotFound as err:
        raise StartupError(str(err)) from None


# -- Bybit ---------------------------------------------------------------------------------


async def bybit_venue(config: AppConfig, settings: BybitConfig, database: Database) -> Venue:
    credentials = await _named_credentials(settings.credentials, database)
    from traderagent.exchanges.bybit import BybitExchange, BybitLinearExchange

    linear = settings.category == "linear"
    exchange = (BybitLinearExchange if linear else BybitExchange)(settings, credentials)
    where = settings.hosts.rest
    try:
        await exchange.connect()
        instruments = await _listed(exchange, config)
        if isinstance(exchange, BybitLinearExchange):
            await exchange.use_leverage(list(instruments), settings.leverage)
        warmup = await _recent_history(exchange, list(instruments))
    except ExchangeError as err:
        await exchange.close()
        raise StartupError(f"cannot reach Bybit at {where}: {err}") from None
    except ConfigError:
        await exchange.close()
        raise
    start = warmup[-1].close_time if warmup else None
    mode = TradingMode.LIVE if settings.env == "mainnet" else TradingMode.DEMO
    outage = Outage()
    return Venue(
        exchange=exchange,
        clock=VenueClock(start),
        feed=merged_candles(
            [_lasting_feed(exchange, s, outage, _last_of(warmup, s)) for s in instruments]
        ),
        outage=outage,
        mode=mode,
        label=f"bybit {settings.env} {settings.category} ({where})",
        instruments=instruments,
        warmup=warmup,
        fee_reserve=BYBIT_FEE_RESERVE.get(settings.category, LINEAR_FEES.lock_rate),
    )


async def _recent_history(exchange: BybitExchange, symbols: list[str]) -> list[Candle]:
    """The last days of closed 1m candles, up to the venue's own market time."""
    candles: list[Candle] = []
    for symbol in symbols:
        latest = await exchange.endpoints.latest_kline_ms(symbol, MINUTE_MS)
        if latest is not None:
            candles.extend(await exchange.history(symbol, latest - WARMUP_MS, latest))
    return sorted(candles, key=lambda c: c.ts)


def _last_of(candles: list[Candle], symbol: str) -> Candle | None:
    """The newest of `symbol`'s candles (the live feed goes on after it), or None."""
    return max((c for c in candles if c.symbol == symbol), key=lambda c: c.ts, default=None)


def _lasting_feed(
    exchange: BybitExchange, symbol: str, outage: Outage, after: Candle | None
) -> AsyncIterator[Candle]:
    """The symbol's closed candles after `after` (the warm-up's last) through outages: a
    failed feed is noted in `outage` and reopened from the last candle it gave."""
    return resilient_candles(
        lambda last: exchange.candles(symbol, after=last), outage, exchange.rest.now_ms, after
    )


async def merged_candles(feeds: list[AsyncIterator[Candle]]) -> AsyncIterator[Candle]:
    """Closed candles of several symbols, as they arrive."""
    if len(feeds) == 1:
        async for candle in feeds[0]:
            yield candle
        return
    queue: asyncio.Queue[Candle] = asyncio.Queue()

    async def pump(feed: AsyncIterator[Candle]) -> None:
        async for candle in feed:
            await queue.put(candle)

    tasks = [asyncio.create_task(pump(feed)) for feed in feeds]
    try:
        while True:
            yield await queue.get()
    finally:
        for task in tasks:
            task.cancel()


# -- ccxt ----------------------------------------------------------------------------------


async def ccxt_venue(config: AppConfig, settings: CcxtConfig, database: Database) -> Venue:
    """A live account on any ccxt exchange: its markets, the bots' instruments, the warm-up
    candles and a polled candle feed. Import errors and unknown ids are one line."""
    from traderagent.exchanges.ccxt.client import CredentialsIncomplete  # noqa: PLC0415
    from traderagent.exchanges.ccxt.exchange import CcxtExchange  # noqa: PLC0415 - optional

    name = settings.credentials
    credentials = await _named_credentials(name, database)
    assert name is not None  # noqa: S101 - _named_credentials refused a config naming none
    where = f"{settings.exchange}{' sandbox' if settings.sandbox else ''}"
    try:
        exchange = CcxtExchange(settings, credentials)
    except CredentialsIncomplete as err:
        how = (
            f": store it with `traderagent keys add {name} --api-key KEY --passphrase` or "
            f"set {passphrase_env_name(name)}"
            if err.passphrase
            else ""
        )
        raise ConfigError(f"exchange.credentials {name!r}: {err}{how}") from None
    except ExchangeError as err:
        raise ConfigError(f"exchange: {err}") from None
    try:
        await exchange.connect()
        instruments = await _listed(exchange, config)
        warmup = []
        for symbol in instruments:
            latest = await exchange.latest_candle_ms(symbol)
            if latest is not None:
                warmup += await exchange.history(symbol, latest - WARMUP_MS, latest + MINUTE_MS)
        warmup.sort(key=lambda c: c.ts)
    except ExchangeError as err:
        await exchange.close()
        raise StartupError(f"cannot reach {where} through ccxt: {err}") from None
    except ConfigError:
        await exchange.close()
        raise
    outage = Outage()
    feeds = [
        resilient_candles(
            lambda last, s=symbol: exchange.candles(s, after=last),  # type: ignore[misc]
            outage,
            exchange.now_ms,
            _last_of(warmup, symbol),
        )
        for symbol in instruments
    ]
    return Venue(
        exchange=exchange,
        clock=VenueClock(warmup[-1].close_time if warmup else None),
        feed=merged_candles(feeds),
        outage=outage,
        mode=TradingMode.DEMO if settings.sandbox or settings.url else TradingMode.LIVE,
        label=f"ccxt {where} {settings.market}",
        instruments=instruments,
        warmup=warmup,
        fee_reserve=exchange.fee_reserve(),
    )


async def _listed(exchange: Exchange, config: AppConfig) -> dict[str, Instrument]:
    """Each bot's symbol's trading rules as the exchange lists them (ConfigError naming the
    bot whose symbol it does not trade)."""
    instruments = {}
    for index, symbol in enumerate(symbols_of(config)):
        try:
            instruments[symbol] = await exchange.instrument(symbol)
        except ExchangeError as err:
            raise ConfigError(f"bots[{index}].symbol: {err}") from None
    return instruments
