"""Exit codes and argument types shared by the sub-commands."""

from __future__ import annotations

import argparse
from pathlib import Path

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


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="YAML config (default: the bundled default)")
    parser.add_argument("--db", type=Path, help="SQLite database file (overrides the config)")
    parser.add_argument(
        "--speed", type=speed, help="replay speed: simulated seconds per second, or 'max'"
    )


def help_handler(parser: argparse.ArgumentParser) -> object:
    """A handler for a command group run without its action: print the group's help."""

    def show(_args: argparse.Namespace) -> int:
        parser.print_help()
        return EXIT_OK

    return show
