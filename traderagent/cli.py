"""`traderagent ...`: the command line. Imports stay lazy so `--help` is instant.

Each sub-command lives in its own module under `traderagent.commands` with a `register`
function that adds its parser and sets `handler` (a function of the parsed args returning
the exit code). Those modules import heavy things inside their handlers only.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import import_module

from traderagent import __version__
from traderagent.commands.common import EXIT_ERROR, EXIT_OK

COMMANDS = (
    "traderagent.commands.run",
    "traderagent.commands.config",
    "traderagent.commands.regime",
    "traderagent.commands.db",
    "traderagent.commands.keys",
    "traderagent.commands.emulator",
    "traderagent.commands.api_token",
    "traderagent.commands.backtest",
    "traderagent.commands.data",
    "traderagent.commands.bench",
    "traderagent.commands.optimize",
    "traderagent.commands.walkforward",
    "traderagent.commands.cluster",
    "traderagent.commands.lookahead",
    "traderagent.commands.paper",
    "traderagent.commands.trades",
    "traderagent.commands.ctl",
    "traderagent.commands.strategy",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="traderagent",
        description="Terminal-first console for autonomous, multi-strategy crypto trading.",
    )
    parser.add_argument("--version", action="version", version=f"traderagent {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        import_module(module).register(commands)
    describe(parser)
    return parser


def describe(parser: argparse.ArgumentParser) -> None:
    """Give every sub-command without a `description` its one-line `help` as one, so its own
    `--help` says what it does (not only the list of commands one level up)."""
    for action in parser._actions:  # argparse keeps sub-parsers only here
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {choice.dest: choice.help for choice in action._choices_actions}
        for name, sub in action.choices.items():
            if not sub.description and helps.get(name):
                text = str(helps[name])
                sub.description = text[0].upper() + text[1:] + "."
            describe(sub)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_OK
    from traderagent.commands.output import json_on_stdout

    try:
        with json_on_stdout(getattr(args, "json", None)):
            code: int = handler(args)
    except BrokenPipeError:
        return _reader_went_away()
    except Exception as exc:
        # a full disk, a locked or read-only database mid-run: one line, never a traceback
        from storage.sqlite_problems import cause

        found = cause(exc)
        if found is None:
            raise
        print(f"error: {found} ({type(exc).__name__})", file=sys.stderr)
        return EXIT_ERROR  # as a start-up problem: the README's exit codes
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        return _reader_went_away()
    return code


def _reader_went_away() -> int:
    """The output's reader closed it (`traderagent ... | head`): end quietly, as `cat` does.
    stdout is pointed at /dev/null so the interpreter's last flush does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_OK
