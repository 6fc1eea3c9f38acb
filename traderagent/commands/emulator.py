"""`traderagent emulator`: serve a local Bybit V5 emulator on replayed candles until stopped."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

from traderagent.commands.common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    Subcommands,
    positive_float,
    run_async,
)

DESCRIPTION = """\
Serve a Bybit-V5-compatible REST + WebSocket emulator on replayed candles, for testing a Bybit
client or rehearsing a bot offline. Spot and linear (USDT perpetual) trade from one unified
wallet; orders fill by the paper exchange's candle-path model.

Time: /v5/market/time, the REST envelope's "time" and the signature timestamp check use the
wall clock (clients sign with real time, as on Bybit); market data and order/execution
timestamps are the replay's time.

The default credentials are a fixed, public test pair (emulator-key /
emulator-secret-not-for-real-use), so a config file can name them; --api-key and --api-secret
change them.
"""

FAULTS_HELP = (
    "fault injection, e.g. 'latency=20ms,http5xx=0.05,timeout=0.02,ratelimit=0.05,"
    "ws_drop=0.01,lost_response=0.02,hold=30s,seed=7' (default: none)"
)


def register(commands: Subcommands[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "emulator",
        help="serve a local Bybit V5 emulator on replayed candles",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--data",
        required=True,
        metavar="FILE|bundled",
        help="candles: a CSV/Parquet file or 'bundled'",
    )
    parser.add_argument(
        "--symbol", default="BTCUSDT", help="symbol of the candles (default BTCUSDT)"
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=_port, default=8900, help="port (default 8900; 0 = any free)"
    )
    parser.add_argument(
        "--speed",
        type=positive_float,
        default=60.0,
        help="simulated seconds per wall second (default 60: one 1m candle a second)",
    )
    parser.add_argument("--faults", type=_faults, default=None, metavar="SPEC", help=FAULTS_HELP)
    parser.add_argument(
        "--balance",
        type=_balances,
        action="append",
        metavar="COIN=AMOUNT",
        help="starting balance, repeatable or comma-separated (default USDT=10000)",
    )
    parser.add_argument(
        "--warmup", type=_positive_int, default=60, help="candles closed at start (default 60)"
    )
    parser.add_argument("--api-key", default=None, help="API key the emulator accepts")
    parser.add_argument("--api-secret", default=None, help="API secret the emulator accepts")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from traderagent.exchanges.emulator import DEFAULT_API_KEY, DEFAULT_API_SECRET
    from traderagent.marketdata import MarketDataError, bundled_path, load_candles

    try:
        path = bundled_path() if args.data == "bundled" else Path(args.data)
        candles = load_candles(path, symbol=args.symbol)
    except MarketDataError as err:
        print(f"error: --data: {err}", file=sys.stderr)
        return EXIT_USAGE
    balances: dict[str, Decimal] = {}
    for group in args.balance or [{"USDT": Decimal(10_000)}]:
        balances.update(group)
    key = args.api_key or DEFAULT_API_KEY
    secret = args.api_secret or DEFAULT_API_SECRET
    try:
        return run_async(_serve(args, candles, balances, key, secret))
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as err:
        print(
            f"error: cannot listen on {args.host}:{args.port}: {err.strerror or err}",
            file=sys.stderr,
        )
        return EXIT_ERROR


async def _serve(
    args: argparse.Namespace, candles: object, balances: dict[str, Decimal], key: str, secret: str
) -> int:
    import asyncio

    from traderagent.clock import format_ts
    from traderagent.exchanges.emulator import running_emulator
    from traderagent.marketdata import CandleSeries

    assert isinstance(candles, CandleSeries)  # noqa: S101 - narrowing for the type checker
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    finished = False
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with running_emulator(
            candles,
            speed=args.speed,
            faults=args.faults,
            port=args.port,
            host=args.host,
            balances=balances,
            api_key=key,
            api_secret=secret,
            warmup=min(args.warmup, len(candles)),
        ) as emu:
            span = f"{format_ts(candles.first_ts)} -> {format_ts(candles.last_ts)} UTC"
            faults = emu.core.injector.spec.describe()
            print(
                f"Bybit V5 emulator: {candles.symbol}, {len(candles):,} candles ({span}), "
                f"speed {args.speed:g}x, faults {faults}\n"
                f"  REST        {emu.rest_url}\n"
                f"  public WS   {emu.public_ws_url('spot')}  {emu.public_ws_url('linear')}\n"
                f"  private WS  {emu.private_ws_url}\n"
                f"  API key     {emu.api_key}\n"
                f"  API secret  {emu.api_secret}\n"
                "Ctrl-C or SIGTERM stops it.",
                flush=True,
            )
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1)
                if emu.finished and not finished:
                    finished = True
                    print(
                        "replay finished: prices stay at the last candle until stopped", flush=True
                    )
            print(f"stopped at market time {format_ts(emu.now_ms())} UTC", flush=True)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    return EXIT_OK


def _port(text: str) -> int:
    value = _int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 0-65535: {text!r}")
    return value


def _positive_int(text: str) -> int:
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer: {text!r}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def _faults(text: str) -> object:
    from traderagent.exchanges.emulator.faults import FaultSpecError, parse_faults

    try:
        return parse_faults(text)
    except FaultSpecError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _balances(text: str) -> dict[str, Decimal]:
    result = {}
    for item in text.split(","):
        coin, sep, amount = (part.strip() for part in item.partition("="))
        try:
            value = Decimal(amount)
        except InvalidOperation:
            value = Decimal(-1)
        if not sep or not coin.isalnum() or not value.is_finite() or value < 0:
            raise argparse.ArgumentTypeError(
                f"balance must look like USDT=10000 (a coin and a non-negative amount): {item!r}"
            )
        result[coin.upper()] = value
    return result
