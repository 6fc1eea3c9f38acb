"""`traderagent config check FILE`: validate a config file without running anything."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from traderagent.commands.common import EXIT_OK, EXIT_USAGE, Subcommands, help_handler


def register(commands: Subcommands[argparse.ArgumentParser]) -> None:
    config = commands.add_parser("config", help="configuration tools")
    config.set_defaults(handler=help_handler(config))
    actions = config.add_subparsers(dest="config_command", metavar="ACTION")
    check = actions.add_parser("check", help="validate a config file")
    check.add_argument("file", type=Path)
    check.set_defaults(handler=lambda args: config_check(args.file))


def config_check(path: Path) -> int:
    from traderagent.config import ConfigError, load_config

    try:
        config = load_config(path)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    bots = ", ".join(f"{b.name} ({b.kind} {b.symbol})" for b in config.bots)
    print(f"{path}: OK, mode {config.mode}, bots: {bots}")
    return EXIT_OK
