"""`traderagent-tui`: the Textual console on an embedded engine (paper trading by default)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from traderagent.commands.common import add_engine_options, positive_float
from traderagent.config import AppConfig, load_config
from traderagent.launch import LaunchError, open_engine, prepare


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="traderagent-tui",
        description="TraderAgent console: live bots, orders and fills, with pause and halt keys.",
    )
    add_engine_options(parser)
    parser.add_argument(
        "--duration", type=positive_float, metavar="SECONDS", help="quit after this many seconds"
    )
    args = parser.parse_args(argv)
    return run_tui(args.config, args.db, args.speed, args.duration)


def run_tui(
    config_path: Path | None, db: Path | None, speed: float | str | None, duration: float | None
) -> int:
    try:
        config = prepare(config_path, speed)
        return asyncio.run(_run(config, config_path, speed, db, duration))
    except LaunchError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code


def config_loader(config_path: Path | None, speed: float | str | None) -> Callable[[], AppConfig]:
    """What `r` re-reads: the same file, with the same --speed override as at start."""

    def load() -> AppConfig:
        config = load_config(config_path)
        if speed is None:
            return config
        return config.model_copy(
            update={"replay": config.replay.model_copy(update={"speed": speed})}
        )

    return load


async def _run(
    config: AppConfig,
    config_path: Path | None,
    speed: float | str | None,
    db: Path | None,
    duration: float | None,
) -> int:
    from tui.app import TraderAgentApp

    built = await open_engine(config, db)
    app = TraderAgentApp(
        built.engine,
        title="TraderAgent",
        config_path=config_path,
        keymap=config.tui.keys,
        load_config=config_loader(config_path, speed),
    )
    timer = None
    if duration is not None:
        timer = asyncio.get_running_loop().call_later(duration, app.exit)
    try:
        await app.run_async()
    finally:
        if timer is not None:
            timer.cancel()
        await built.engine.shutdown(cancel_orders=False)
        await built.engine.close()
    return 0
