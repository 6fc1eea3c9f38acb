"""`traderagent regime --data FILE`: the market regime timeline of a candle file."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from traderagent.commands.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE, Subcommands
from traderagent.commands.output import write_text

if TYPE_CHECKING:
    from traderagent.marketdata import CandleSeries
    from traderagent.regime import RegimeSegment


def register(commands: Subcommands[argparse.ArgumentParser]) -> None:
    regime = commands.add_parser(
        "regime",
        help="print the market regime timeline of a candle file",
        description="Classify candles into market regimes (DESIGN.md) and print the timeline.",
    )
    regime.add_argument(
        "--data",
        required=True,
        metavar="FILE",
        help="1m candles: CSV, CSV.gz or Parquet, or 'bundled' for the bundled BTC/USDT sample",
    )
    regime.add_argument("--interval", default="15m", help="classifier bar length (default 15m)")
    regime.add_argument("--symbol", default="BTCUSDT", help="symbol of the candles in FILE")
    regime.add_argument(
        "--json",
        type=Path,
        metavar="OUT",
        help="also write the timeline as JSON (-: standard output)",
    )
    regime.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from traderagent.marketdata import MarketDataError, load_bundled, load_candles
    from traderagent.regime import RegimeConfig, regime_timeline

    try:
        config = RegimeConfig(interval=args.interval)
    except ValidationError as err:
        print(
            f"error: --interval: {err.errors()[0]['msg'].removeprefix('Value error, ')}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        series = load_bundled() if args.data == "bundled" else load_candles(args.data, args.symbol)
        timeline = regime_timeline(series, config)
    except MarketDataError as err:
        print(f"error: --data: {err}", file=sys.stderr)
        return EXIT_USAGE
    print(render(series, config.interval, timeline))
    if args.json is not None:
        try:
            write_text(args.json, json.dumps(as_json(timeline), indent=2) + "\n")
        except OSError as err:
            print(f"error: --json: cannot write {args.json}: {err.strerror}", file=sys.stderr)
            return EXIT_ERROR
    return EXIT_OK


def as_json(timeline: list[RegimeSegment]) -> list[dict[str, str]]:
    return [
        {"start": iso(s.start_ms), "end": iso(s.end_ms), "regime": s.regime.value} for s in timeline
    ]


def render(series: CandleSeries, interval: str, timeline: list[RegimeSegment]) -> str:
    span = f"{_minute(series.first_ts)} -> {_minute(series.last_ts + series.interval_ms)} UTC"
    lines = [f"{series.symbol} regimes, {span} ({len(series):,} candles, {interval} bars)", ""]
    if not timeline:
        lines.append("no regime: too few candles for the indicators to warm up")
        return "\n".join(lines)
    lines.append(f"{'start':<17}  {'end':<17}  {'duration':>10}  regime")
    for s in timeline:
        duration = _duration(s.end_ms - s.start_ms)
        lines.append(f"{_minute(s.start_ms)}  {_minute(s.end_ms)}  {duration:>10}  {s.regime}")
    changes = len(timeline) - 1
    lines += [
        "",
        f"{changes} regime change{'' if changes == 1 else 's'}; "
        f"warm-up until {_minute(timeline[0].start_ms)} UTC",
    ]
    return "\n".join(lines)


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _minute(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")


def _duration(ms: int) -> str:
    minutes = ms // 60_000
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    return f"{days}d {hours:02d}h{mins:02d}m" if days else f"{hours}h{mins:02d}m"
