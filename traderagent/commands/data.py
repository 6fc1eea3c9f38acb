"""`traderagent data import|download|list`: the local candle store (one Parquet file per
exchange, symbol and interval under `<data dir>/candles`), usable as `--data store:BTCUSDT-1m`."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from traderagent.commands.common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    Subcommands,
    help_handler,
)

if TYPE_CHECKING:
    from traderagent.marketdata import CandleSeries
    from traderagent.marketdata.store import StoreKey


def interval_ms(text: str) -> int:
    from traderagent.marketdata import MarketDataError, parse_interval

    try:
        return parse_interval(text)
    except MarketDataError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def moment_ms(text: str) -> int:
    """An ISO 8601 date or date-time (naive means UTC) as epoch ms."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO 8601 date or time: {text!r} (e.g. 2024-01-01 or 2024-01-01T12:00Z)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def register(commands: Subcommands[argparse.ArgumentParser]) -> None:
    data = commands.add_parser(
        "data",
        help="local candle store: import files, download from Bybit, list",
        description="Keep candles in a local Parquet store; use them as --data store:SYMBOL-1m.",
    )
    data.set_defaults(handler=help_handler(data))
    actions = data.add_subparsers(dest="data_command", metavar="ACTION")
    add = actions.add_parser(
        "import",
        help="import CSV, Parquet or freqtrade feather/JSON candle files",
        description="Merge candle files into the store (deduplicated by open time, validated). "
        "The symbol and interval default to what a freqtrade-style name says (BTC_USDT-1m.json).",
    )
    add.add_argument("files", nargs="+", type=Path, metavar="FILE")
    add.add_argument("--symbol", help="symbol of the candles (default: from the file name)")
    add.add_argument("--interval", type=interval_ms, help="candle interval, e.g. 1m, 1h, 1d")
    add.add_argument(
        "--exchange", default="LOCAL", help="store folder to file them under (default LOCAL)"
    )
    add.add_argument("--replace", action="store_true", help="new candles win where times overlap")
    add_store_option(add)
    add.set_defaults(handler=handle_import)
    download = actions.add_parser(
        "download",
        help="download klines from Bybit or any ccxt exchange (resumes from the store)",
        description="Page Bybit's GET /v5/market/kline (or, with --exchange, ccxt's "
        "fetch_ohlcv of that exchange) into the store; only missing candles are fetched, so "
        "running it again resumes or extends a download.",
    )
    download.add_argument(
        "--exchange",
        help="a ccxt exchange id (binance, okx, kraken, ...); default: Bybit's own client",
    )
    download.add_argument(
        "--symbol", required=True, help="symbol as base + quote, e.g. BTCUSDT (BTCUSD on Kraken)"
    )
    download.add_argument("--interval", type=interval_ms, default=60_000, help="default 1m")
    download.add_argument(
        "--start", type=moment_ms, required=True, help="first candle, ISO date/time (UTC)"
    )
    download.add_argument(
        "--end", type=moment_ms, help="stop before this ISO date/time (UTC; default: now)"
    )
    download.add_argument("--category", choices=("linear", "spot"), default="linear")
    download.add_argument(
        "--kind",
        choices=("candles", "funding", "mark"),
        default="candles",
        help="candles (default); funding: Bybit's funding history into SYMBOL-funding.csv "
        "beside the candles; mark: mark-price klines as the series SYMBOL-MARK-INTERVAL",
    )
    download.add_argument(
        "--env", choices=("mainnet", "testnet", "demo", "custom"), default="mainnet"
    )
    download.add_argument("--base-url", help="server URL for --env custom (e.g. the emulator)")
    download.add_argument("--retries", type=int, default=5, help="retries per request")
    add_store_option(download)
    download.set_defaults(handler=handle_download)
    listing = actions.add_parser("list", help="what the store holds: span, rows and gaps")
    add_store_option(listing)
    listing.set_defaults(handler=handle_list)


def add_store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store", type=Path, metavar="DIR", help="store folder (default: <data dir>/candles)"
    )


def handle_import(args: argparse.Namespace) -> int:
    from traderagent.marketdata import MarketDataError
    from traderagent.marketdata.importers import read_candle_file
    from traderagent.marketdata.merge import CandleConflict, merge
    from traderagent.marketdata.store import CandleStore, StoreKey, checked_name

    store = CandleStore(args.store)
    batches: dict[StoreKey, CandleSeries] = {}
    try:
        exchange = checked_name(args.exchange, "exchange")
        for path in args.files:
            series = read_candle_file(path, args.symbol, args.interval)
            key = StoreKey(exchange, series.symbol, series.interval_ms)
            batches[key] = merge(batches.get(key), series, newer_wins=args.replace)
            print(f"{path}: {len(series):,} candles for {key.label}")
        # every file read and every merge checked before the first write
        merged = {key: store.merged(key, s, newer_wins=args.replace) for key, s in batches.items()}
    except MarketDataError as err:
        hint = "; --replace lets the new candles win" if isinstance(err, CandleConflict) else ""
        print(f"error: {err}{hint}", file=sys.stderr)
        print("nothing was imported: the store is unchanged", file=sys.stderr)
        return EXIT_USAGE
    for key, (series, added) in merged.items():
        try:
            path = store.write(key, series)
        except OSError as err:
            print(f"error: cannot write {store.path(key)}: {err.strerror}", file=sys.stderr)
            return EXIT_ERROR
        print(f"{key.label}: {added:+,} candles, {len(series):,} stored in {path}")
    return EXIT_OK


def handle_download(args: argparse.Namespace) -> int:
    if args.exchange is not None and args.kind != "candles":
        print(f"error: --kind {args.kind} is Bybit's only; drop --exchange", file=sys.stderr)
        return EXIT_USAGE
    if args.kind == "funding":
        from traderagent.commands.data_download_funding import run_funding_download

        return run_funding_download(args)
    if args.exchange is not None:
        from traderagent.commands.data_download_ccxt import run_ccxt_download

        return run_ccxt_download(args)
    from traderagent.commands.data_download import run_download

    return run_download(args)


def handle_list(args: argparse.Namespace) -> int:
    from traderagent.marketdata import MarketDataError
    from traderagent.marketdata.coverage import coverage
    from traderagent.marketdata.store import CandleStore, interval_name

    store = CandleStore(args.store)
    keys = store.keys()
    if not keys:
        print(
            f"the candle store ({store.root}) is empty: add candles with `traderagent data "
            "import FILE` or `traderagent data download`"
        )
        return EXIT_OK
    print(f"candle store: {store.root}")
    print(
        f"{'exchange':<10} {'symbol':<14} {'int':>4}  {'first':<16}  {'last':<16}  "
        f"{'rows':>10}  {'gaps':>5}  {'missing':>8}"
    )
    status = EXIT_OK
    for key in keys:
        try:
            series = store.read(key)
        except MarketDataError as err:
            print(f"error: {err}", file=sys.stderr)
            status = EXIT_USAGE
            continue
        if series is None:
            continue
        c = coverage(series.ts, key.interval_ms)
        print(
            f"{key.exchange:<10} {key.symbol:<14} {interval_name(key.interval_ms):>4}  "
            f"{_minute(c.first_ts):<16}  {_minute(c.last_ts):<16}  {c.rows:>10,}  "
            f"{c.gaps:>5,}  {c.missing:>8,}"
        )
    return status


def _minute(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")
