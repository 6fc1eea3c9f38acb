"""The `traderagent data download` handler: Bybit klines into the candle store, with a
progress line on a terminal and a store a rerun resumes from when the network gives up."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import TYPE_CHECKING, TextIO

from traderagent.commands.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE

MARK_SUFFIX = "-MARK"
"""A mark-price series is stored as SYMBOL-MARK (`store:BTCUSDT-MARK-1m`)."""

if TYPE_CHECKING:
    from traderagent.marketdata.download import DownloadReport
    from traderagent.marketdata.store import CandleStore, StoreKey


class ProgressLine:
    """A `\\r`-rewritten progress line on a terminal, at most ten times a second; silent
    when the stream is not a terminal (logs and pipes get only the final summary)."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty()
        self._shown = 0.0

    def __call__(self, done: int, total: int) -> None:
        self.show(done, total, "candles")

    def show(self, done: int, total: int, unit: str) -> None:
        now = time.monotonic()
        if not self.enabled or now - self._shown < 0.1:
            return
        self._shown = now
        share = f" ({done / total:.0%})" if total else ""
        self.stream.write(f"\r{self.label}: {done:,} of at most {total:,} {unit}{share}  ")
        self.stream.flush()

    def end(self) -> None:
        if self.enabled and self._shown:
            self.stream.write("\n")
            self.stream.flush()


def run_download(args: argparse.Namespace) -> int:
    from traderagent.exchanges.bybit.hosts import hosts_for
    from traderagent.exchanges.bybit.parse import interval_code
    from traderagent.marketdata import MarketDataError
    from traderagent.marketdata.download import DownloadFailed
    from traderagent.marketdata.store import CandleStore, StoreKey, checked_name

    mark = getattr(args, "kind", "candles") == "mark"
    end_ms = args.end if args.end is not None else int(time.time() * 1000)
    try:
        base_url = hosts_for(args.env, args.base_url).rest
        symbol = checked_name(args.symbol, "symbol")
        key = StoreKey("BYBIT", f"{symbol}{MARK_SUFFIX}" if mark else symbol, args.interval)
        if mark and args.category != "linear":
            raise ValueError("--kind mark is for --category linear")
        interval_code(args.interval)  # ValueError naming the intervals Bybit has
        if end_ms < args.start:
            raise ValueError("--end is before --start")
        if not 0 <= args.retries <= 20:
            raise ValueError("--retries must be between 0 and 20")
    except (ValueError, MarketDataError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    store = CandleStore(args.store)
    progress = ProgressLine(f"{key.label} from {base_url}")
    try:
        report = asyncio.run(
            _download(
                base_url,
                args.retries,
                store,
                (key, symbol, mark),
                (args.start, end_ms),
                args.category,
                progress,
            )
        )
    except MarketDataError as err:
        progress.end()
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except DownloadFailed as err:
        progress.end()
        print(f"error: {err}", file=sys.stderr)
        if err.saved:
            print(f"{err.saved:,} candles were saved; run the same command again to resume")
        return EXIT_USAGE if err.bad_request else EXIT_ERROR
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
    base_url: str,
    retries: int,
    store: CandleStore,
    what: tuple[StoreKey, str, bool],
    span: tuple[int, int],
    category: str,
    progress: ProgressLine,
) -> DownloadReport:
    """`what` = (store key, the exchange's symbol, mark-price klines?), `span` = (start, end)."""
    from traderagent.exchanges.bybit.rest import BybitRest
    from traderagent.marketdata.download import KLINE, MARK_KLINE, download

    key, symbol, mark = what
    rest = BybitRest(base_url, max_attempts=retries + 1)
    try:
        return await download(
            rest,
            store,
            key,
            *span,
            category=category,
            progress=progress,
            path=MARK_KLINE if mark else KLINE,
            symbol=symbol,
        )
    finally:
        await rest.close()
