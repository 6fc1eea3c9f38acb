"""`traderagent config check FILE`: validate a config file without running anything: the
schema, then what a valid file can still get wrong (`config_checks`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from traderagent.commands.common import EXIT_OK, EXIT_USAGE, Subcommands, help_handler


def register(commands: Subcommands[argparse.ArgumentParser]) -> None:
    config = commands.add_parser(
        "config", help="configuration tools", description="Configuration tools."
    )
    config.set_defaults(handler=help_handler(config))
    actions = config.add_subparsers(dest="config_command", metavar="ACTION")
    check = actions.add_parser(
        "check",
        help="validate a config file",
        description="Validate a config file without running anything: the schema, that the "
        "replay data exists, that each bot's plan fits its share of the paper balance and that "
        "remapped keys name real bindings. Exit 0 when it can run as written, 2 otherwise.",
    )
    check.add_argument("file", type=Path)
    check.set_defaults(handler=lambda args: config_check(args.file))


def config_check(path: Path) -> int:
    from traderagent.commands.config_checks import config_problems
    from traderagent.config import ConfigError, load_config

    try:
        config = load_config(path)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    problems = config_problems(config)
    for problem in problems:
        print(f"error: {path}: {problem}", file=sys.stderr)
    if problems:
        return EXIT_USAGE
    bots = ", ".join(f"{b.name} ({b.kind} {b.symbol})" for b in config.bots)
    print(f"{path}: OK, mode {config.mode}, bots: {bots}")
    return EXIT_OK
