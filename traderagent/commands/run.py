"""`traderagent run [--headless]`: the engine, with the TUI or without a screen."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from traderagent.commands.common import EXIT_OK, Subcommands, add_engine_options, positive_float


def register(commands: Subcommands[argparse.ArgumentParser]) -> None:
    run = commands.add_parser("run", help="run the engine (the TUI, or --headless)")
    add_engine_options(run)
    run.add_argument("--headless", action="store_true", help="no screen: log and print a summary")
    run.add_argument(
        "--duration", type=positive_float, metavar="SECONDS", help="stop after this many seconds"
    )
    run.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if args.headless:
        return run_headless(args.config, args.db, args.speed, args.duration)
    from tui.main import run_tui

    code: int = run_tui(args.config, args.db, args.speed, args.duration)
    return code


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
