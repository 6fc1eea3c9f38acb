"""`traderagent paper reset [--config PATH] [--db PATH] [--yes]`: a fresh paper account."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from traderagent.commands.common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    Subcommands,
    help_handler,
    run_async,
)


def register(commands: Subcommands[argparse.ArgumentParser]) -> None:
    paper = commands.add_parser("paper", help="the paper account: reset")
    paper.set_defaults(handler=help_handler(paper))
    actions = paper.add_subparsers(dest="paper_command", metavar="ACTION")
    reset = actions.add_parser(
        "reset",
        help="start the config's paper account afresh (the old one is kept aside)",
        description=(
            "Move the config's paper account (its database file, <data dir>/<config>.db) "
            "aside as <file>.reset-<time>: the next run starts the replay from its beginning "
            "with the configured balances. Refused while a daemon or a console runs on it."
        ),
    )
    reset.add_argument("--config", type=Path, help="YAML config (default: the bundled default)")
    reset.add_argument("--db", type=Path, help="the database file (overrides the config)")
    reset.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    reset.set_defaults(handler=handle_reset)


def handle_reset(args: argparse.Namespace) -> int:
    from traderagent.paper_account import ResetRefused, account_database, is_paper, reset_account
    from traderagent.wiring.launch import LaunchError, prepare

    try:
        config = prepare(args.config)
    except LaunchError as err:
        return _error(str(err), err.exit_code)
    if not is_paper(config):
        return _error("paper reset: this config trades on Bybit, not on the paper venue")
    target = account_database(config, args.config, args.db)
    if target is None or isinstance(target, str):
        return _error(
            "paper reset: the config keeps its account at storage.database_url; reset it "
            "there, or pass --db FILE"
        )
    if not target.exists():
        print(f"No paper account at {target} yet: the next run starts afresh.")
        return EXIT_OK
    if not args.yes and not _confirmed(target):
        print("Not reset.")
        return EXIT_OK if sys.stdin.isatty() else EXIT_USAGE
    try:
        kept = run_async(reset_account(target, [bot.name for bot in config.bots]))
    except ResetRefused as err:
        return _error(f"paper reset: {err}", err.exit_code)
    print(f"Paper account reset: the old one is kept as {kept}.")
    print("The next run starts the replay from its beginning with the configured balances.")
    return EXIT_OK


def _confirmed(target: Path) -> bool:
    if not sys.stdin.isatty():
        print("error: paper reset asks for confirmation: pass --yes", file=sys.stderr)
        return False
    try:
        answer = input(f"Reset the paper account in {target} (it is kept aside)? [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def _error(message: str, code: int = EXIT_USAGE) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code if code else EXIT_ERROR
