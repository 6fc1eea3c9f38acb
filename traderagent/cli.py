"""`traderagent ...`: the command line. Imports stay lazy so `--help` is instant."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from traderagent import __version__

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="traderagent",
        description="Terminal-first console for autonomous, multi-strategy crypto trading.",
    )
    parser.add_argument("--version", action="version", version=f"traderagent {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="run the engine (the TUI, or --headless)")
    add_engine_options(run)
    run.add_argument("--headless", action="store_true", help="no screen: log and print a summary")
    run.add_argument(
        "--duration", type=positive_float, metavar="SECONDS", help="stop after this many seconds"
    )

    config = commands.add_parser("config", help="configuration tools")
    config_commands = config.add_subparsers(dest="config_command", metavar="ACTION")
    check = config_commands.add_parser("check", help="validate a config file")
    check.add_argument("file", type=Path)
    return parser


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="YAML config (default: the bundled default)")
    parser.add_argument("--db", type=Path, help="SQLite database file (overrides the config)")
    parser.add_argument(
        "--speed", type=speed, help="replay speed: simulated seconds per second, or 'max'"
    )


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def speed(text: str) -> float | str:
    return "max" if text == "max" else positive_float(text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "config" and args.config_command == "check":
        return config_check(args.file)
    if args.command == "run":
        if args.headless:
            return run_headless(args.config, args.db, args.speed, args.duration)
        from tui.main import run_tui

        return run_tui(args.config, args.db, args.speed, args.duration)
    if args.command == "config":
        parser.parse_args(["config", "--help"])
    parser.print_help()
    return EXIT_OK


def config_check(path: Path) -> int:
    from traderagent.config import ConfigError, load_config

    try:
        config = load_config(path)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    bots = ", ".join(f"{b.name} ({b.strategy.kind} {b.symbol})" for b in config.bots)
    print(f"{path}: OK, mode {config.mode}, bots: {bots}")
    return EXIT_OK


def run_headless(
    config_path: Path | None, db: Path | None, speed: float | str | None, duration: float | None
) -> int:
    from traderagent.launch import LaunchError, prepare

    try:
        config = prepare(config_path, speed)
    except LaunchError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    try:
        return asyncio.run(_headless(config, db, duration))
    except LaunchError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code


async def _headless(config: object, db: Path | None, duration: float | None) -> int:
    from traderagent.config import AppConfig
    from traderagent.launch import open_engine
    from traderagent.summary import render_summary

    assert isinstance(config, AppConfig)  # noqa: S101 - narrowing for the type checker
    built = await open_engine(config, db)
    engine = built.engine
    loop = asyncio.get_running_loop()
    stop_tasks: set[asyncio.Task[None]] = set()

    def request_stop(reason: str) -> None:
        engine.finish_reason = engine.finish_reason or reason
        task = loop.create_task(engine.shutdown(cancel_orders=False))
        stop_tasks.add(task)
        task.add_done_callback(stop_tasks.discard)

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, request_stop, f"signal {sig.name}")
    timer = None
    if duration is not None:
        timer = loop.call_later(duration, request_stop, f"duration of {duration:g}s reached")
    print(
        f"TraderAgent {engine.mode} on {engine.data_label}; {len(engine.bots)} bot(s); "
        f"database {built.database}",
        flush=True,
    )
    try:
        summary = await engine.run()
    finally:
        if timer is not None:
            timer.cancel()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        if stop_tasks:
            await asyncio.gather(*stop_tasks)
        await engine.close()
    print(render_summary(summary))
    return EXIT_OK
