"""`traderagent-tui`: the Textual console on an embedded engine (paper trading by default), or
attached to a running daemon with `--connect URL`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from traderagent.api.marker import DaemonMarker, live_daemon, marker_path
from traderagent.api.token import TOKEN_ENV
from traderagent.commands.common import add_engine_options, add_log_options, positive_float
from traderagent.config import AppConfig
from traderagent.daemon import config_loader
from traderagent.logs import EngineLogBridge
from traderagent.paper_account import ResetRefused, account_database, reset_account
from traderagent.wiring.launch import LaunchError, open_engine, prepare, start_logging
from traderagent.wiring.runtime import database_label, database_target

__all__ = ["config_loader", "main", "run_tui"]

TOKEN_ON_COMMAND_LINE = (
    f"warning: --token puts the API token where every user of this machine can read it (ps, "
    f"shell history); set {TOKEN_ENV} or use the token file instead (the default)"
)


def daemon_url(text: str) -> str:
    """`host:port` or `http(s)://host:port` as a base URL."""
    url = text.strip().rstrip("/")
    if "://" not in url:
        url = f"http://{url}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"not a daemon URL: {text!r} (e.g. http://127.0.0.1:8080)")
    return url


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="traderagent-tui",
        description="TraderAgent console: live bots, orders and fills, with pause and halt keys.",
    )
    add_engine_options(parser)
    parser.add_argument(
        "--duration", type=positive_float, metavar="SECONDS", help="quit after this many seconds"
    )
    parser.add_argument(
        "--connect", type=daemon_url, metavar="URL", help="attach to a running daemon's API"
    )
    parser.add_argument(
        "--token",
        help=(
            "the daemon's API token; avoid it: every user can read it in `ps`. By default the "
            f"token comes from {TOKEN_ENV} or the token file (`traderagent api-token`)"
        ),
    )
    add_log_options(parser)
    args = parser.parse_args(argv)
    if args.connect:
        if args.config or args.db or args.speed:
            parser.error(
                "--connect attaches to a running daemon: --config, --db and --speed are its"
            )
        from tui.attached import run_attached

        if args.token:
            print(TOKEN_ON_COMMAND_LINE, file=sys.stderr)
        return asyncio.run(run_attached(args.connect, args.token, args.duration))
    if args.token:
        parser.error("--token goes with --connect")
    return run_tui(
        args.config, args.db, args.speed, args.duration, (args.log_level, args.log_format)
    )


def run_tui(
    config_path: Path | None,
    db: str | Path | None,
    speed: float | str | None,
    duration: float | None,
    log: tuple[str, str] = ("info", "text"),
) -> int:
    """The console on its own engine; `log` is (level, format) of the log file and pane."""
    try:
        config = prepare(config_path, speed)
        db = account_database(config, config_path, db)
        target = database_target(config, db)
        daemon = live_daemon(marker_path(target, database_label(target)))
        if daemon is not None:
            return _offer_attach(daemon, duration)
        start_logging(config, db, *log, to_stderr=False)  # stderr is the screen
        return asyncio.run(_run(config, config_path, speed, db, duration))
    except (LaunchError, ResetRefused) as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code


def _offer_attach(daemon: DaemonMarker, duration: float | None) -> int:
    """A daemon already trades this database: attach to it rather than start a second engine."""
    url = daemon.url
    print(f"A TraderAgent daemon (pid {daemon.pid}) already runs on {daemon.database}, at {url}.")
    if not sys.stdin.isatty():
        print(
            f"error: not starting a second engine on its database; attach with "
            f"`traderagent-tui --connect {url}`",
            file=sys.stderr,
        )
        return 1
    try:
        answer = input("[A]ttach / [q]uit: ").strip().lower()
    except EOFError:
        answer = "q"
    if answer not in ("", "a", "attach"):
        return 0
    from tui.attached import run_attached

    return asyncio.run(run_attached(url, None, duration))


async def _run(
    config: AppConfig,
    config_path: Path | None,
    speed: float | str | None,
    db: str | Path | None,
    duration: float | None,
) -> int:
    """Run the console; after a confirmed paper reset, move the account aside and run it
    again on a fresh one."""
    while await _run_once(config, config_path, speed, db, duration):
        assert isinstance(db, Path)  # noqa: S101 - a reset is offered only on a database file
        kept = await reset_account(db, [bot.name for bot in config.bots])
        print(f"Paper account reset: the old one is kept as {kept}.", file=sys.stderr)
    return 0


async def _run_once(
    config: AppConfig,
    config_path: Path | None,
    speed: float | str | None,
    db: str | Path | None,
    duration: float | None,
) -> bool:
    """Run the console until it quits; True if the operator asked for a paper reset."""
    from tui.app import TraderAgentApp

    built = await open_engine(config, db)
    app = TraderAgentApp(
        built.engine,
        title="TraderAgent",
        config_path=config_path,
        keymap=config.tui.keys,
        load_config=config_loader(config_path, speed),
        paper_reset=built.engine.replay and isinstance(db, Path),
    )
    stop_logging = EngineLogBridge().attach(built.engine.bus)
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
        stop_logging()
    return app.reset_requested
