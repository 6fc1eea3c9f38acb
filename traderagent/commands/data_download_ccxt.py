"""`traderagent data download --exchange ID`: candles of any ccxt exchange into the store,
with the same progress line, resume and one-line errors as the Bybit download."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import TYPE_CHECKING, Any

from traderagent.commands.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from traderagent.commands.data_download import ProgressLine

if TYPE_CHECKING:
    from traderagent.exchanges.ccxt.config import CcxtConfig
    from traderagent.exchanges.ccxt.download import CcxtDownloadReport
    from traderagent.marketdata.store import CandleStore, StoreKey


def run_ccxt_download(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from traderagent.exchanges.ccxt.config import CcxtConfig
    from traderagent.exchanges.ccxt.download import CcxtDownloadFailed
    from traderagent.exchanges.ccxt.market import timeframe
    from traderagent.exchanges.ports import ExchangeError
    from traderagent.marketdata import MarketDataError
    from traderagent.marketdata.store import CandleStore, StoreKey, checked_name

    end_ms = args.end if args.end is not None else int(time.time() * 1000)
    try:
        config = CcxtConfig(
            exchange=args.exchange,
            market="spot" if args.category == "spot" else "swap",
            sandbox=args.env in ("testnet", "demo"),
            url=args.base_url,
            streams=False,
        )
        if not 0 <= args.retries <= 20:
            raise ValueError("--retries must be between 0 and 20")
        key = StoreKey(args.exchange.upper(), checked_name(args.symbol, "symbol"), args.interval)
        timeframe(args.interval)
        if end_ms < args.start:
            raise ValueError("--end is before --start")
    except ValidationError as err:
        print(f"error: --exchange: {err.errors()[0]['msg']}", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, MarketDataError, ExchangeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    store = CandleStore(args.store)
    where = args.base_url or args.exchange
    progress = ProgressLine(f"{key.label} from {where}")
    try:
        report = asyncio.run(
            _download(config, store, key, (args.start, end_ms), args.retries, progress)
        )
    except (ExchangeError, MarketDataError) as err:
        progress.end()
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except CcxtDownloadFailed as err:
        progress.end()
        print(f"error: {err}", file=sys.stderr)
        if err.saved:
            print(f"{err.saved:,} candles were saved; run the same command again to resume")
        return EXIT_ERROR
    progress.end()
    if not report.spans:
        print(f"{key.label}: the store already holds that range ({store.path(key)})")
    else:
        print(
            f"{key.label}: {report.added:+,} candles in {report.requests} "
            f"request{'s' if report.requests != 1 else ''}, "
            f"{report.rows:,} stored in {store.path(key)}"
        )
    return EXIT_OK


async def _download(
    config: CcxtConfig,
    store: CandleStore,
    key: StoreKey,
    span: tuple[int, int],
    retries: int,
    progress: ProgressLine,
) -> CcxtDownloadReport:
    from traderagent.exchanges.ccxt.client import ccxt_module, make_client
    from traderagent.exchanges.ccxt.download import download_ohlcv
    from traderagent.exchanges.ccxt.parse import symbol_of
    from traderagent.exchanges.ports import ExchangeError

    errors = ccxt_module("ccxt.base.errors")
    client = make_client(config, None)
    try:
        try:
            await client.load_markets()
        except errors.BaseError as err:
            raise ExchangeError(f"{config.exchange}: cannot load markets: {err}") from None
        market = _market(client, config, key.symbol, symbol_of)
        return await download_ohlcv(
            client, market, store, key, *span, retries=retries, progress=progress
        )
    finally:
        await client.close()


def _market(client: Any, config: CcxtConfig, symbol: str, symbol_of: Any) -> str:
    from traderagent.exchanges.ports import ExchangeError

    for market in client.markets.values():
        kind = market.get("spot") if config.market == "spot" else market.get("swap")
        if kind and symbol_of(market) == symbol:
            return str(market["symbol"])
    raise ExchangeError(f"{config.exchange} has no {config.market} market {symbol!r}")
