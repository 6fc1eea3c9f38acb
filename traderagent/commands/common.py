"""Exit codes and argument types shared by the sub-commands."""

from __future__ import annotations

import argparse
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2

Subcommands = argparse._SubParsersAction  # the type `register(commands)` receives


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


def database_argument(text: str) -> str | Path:
    """`--db`: a SQLite file path, or a database URL taken as a URL (never as a folder named
    `postgresql+asyncpg:`). A URL with a password is refused: the command line is visible to
    every user of the machine (`ps`), so the password belongs in the config or the environment;
    the message shows the URL with its password masked."""
    if "://" not in text:
        return Path(text).expanduser()
    from storage.errors import StorageError
    from storage.urls import has_password, masked, resolve_url

    if has_password(text):
        raise argparse.ArgumentTypeError(
            f"{masked(text)}: a password on the command line is visible to every user of "
            "this machine (ps); put the URL in the config's storage.database_url or in "
            "TRADERAGENT_DATABASE_URL instead"
        )
    try:
        resolve_url(text)
    except StorageError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="YAML config (default: the bundled default)")
    parser.add_argument(
        "--db",
        type=database_argument,
        metavar="PATH|URL",
        help="SQLite database file or a database URL without a password (overrides the config)",
    )
    parser.add_argument(
        "--speed", type=speed, help="replay speed: simulated seconds per second, or 'max'"
    )


LOG_LEVEL_ENV = "TRADERAGENT_LOG_LEVEL"


def add_log_options(parser: argparse.ArgumentParser) -> None:
    """--log-level and --log-format (the records on stderr, in the log file and the log pane)."""
    import os

    levels = ("debug", "info", "warning", "error", "critical")
    default = os.environ.get(LOG_LEVEL_ENV, "info").lower()
    parser.add_argument(
        "--log-level",
        type=str.lower,
        choices=levels,
        default=default if default in levels else "info",
        help=f"least severe record logged (default: {LOG_LEVEL_ENV}, else info)",
    )
    parser.add_argument(
        "--log-format", choices=("text", "json"), default="text", help="log lines (default: text)"
    )


def help_handler(parser: argparse.ArgumentParser) -> object:
    """A handler for a command group run without its action: print the group's help."""

    def show(_args: argparse.Namespace) -> int:
        parser.print_help()
        return EXIT_OK

    return show


T = TypeVar("T")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(coroutine)`, asyncio imported here: a command that needs no event loop
    (`backtest`, `--help`) does not pay for importing it when the parser is built."""
    import asyncio

    return asyncio.run(coroutine)
