"""`traderagent data download --kind funding`: Bybit's funding history into a funding file
beside the candles (`<store>/BYBIT/SYMBOL-funding.csv`), resumed by a rerun."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from traderagent.commands.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from traderagent.commands.data_download import ProgressLine

if TYPE_CHECKING:
    from traderagent.marketdata.funding_download import FundingReport


def run_funding_download(args: argparse.Namespace) -> int:
    from traderagent.exchanges.bybit.hosts import hosts_for
    from traderagent.marketdata import MarketDataError
    from traderagent.marketdata.download import DownloadFailed
    from traderagent.marketdata.funding_download import funding_path
    from traderagent.marketdata.store import CandleStore, checked_name

    end_ms = args.end if args.end is not None else int(time.time() * 1000)
    try:
        base_url = hosts_for(args.env, args.base_url).rest
        symbol = checked_name(args.symbol, "symbol")
        if args.category != "linear":
            raise ValueError("--kind funding is for --category linear")
        if end_ms < args.start:
            raise ValueError("--end is before --start")
        if not 0 <= args.retries <= 20:
            raise ValueError("--retries must be between 0 and 20")
    except (ValueError, MarketDataError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    path = funding_path(CandleStore(args.store).root, "BYBIT", symbol)
    progress = ProgressLine(f"BYBIT/{symbol} funding from {base_url}")
    try:
        report = asyncio.run(
            _fetch(base_url, args.retries, path, symbol, args.start, end_ms, progress)
        )
    except MarketDataError as err:
        progress.end()
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except DownloadFailed as err:
        progress.end()
        print(f"error: {err}", file=sys.stderr)
        if err.saved:
            print(f"{err.saved:,} funding rates were saved; run the same command again to resume")
        return EXIT_USAGE if err.bad_request else EXIT_ERROR
    progress.end()
    if not report.spans:
        print(f"BYBIT/{symbol} funding: the file already holds that range ({path})")
    else:
        print(
            f"BYBIT/{symbol} funding: {report.added:+,} rates in {report.requests} "
            f"request{'s' if report.requests != 1 else ''}, {report.rows:,} stored in {path}"
        )
    return EXIT_OK


async def _fetch(
    base_url: str,
    retries: int,
    path: Path,
    symbol: str,
    start_ms: int,
    end_ms: int,
    progress: ProgressLine,
) -> FundingReport:
    from traderagent.exchanges.bybit.rest import BybitRest
    from traderagent.marketdata.funding_download import download_funding

    rest = BybitRest(base_url, max_attempts=retries + 1)
    try:
        return await download_funding(
            rest,
            path,
            symbol,
            start_ms,
            end_ms,
            progress=lambda done, total: progress.show(done, total, "rates"),
        )
    finally:
        await rest.close()
