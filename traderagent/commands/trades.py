"""`traderagent trades` and `traderagent profit`: closed trades and profit from the database,
with no daemon running (the same derivation as the daemon's `/api/v1/trades`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from traderagent.commands.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE, Subcommands, run_async
from traderagent.commands.db import add_database_options, database_target

if TYPE_CHECKING:
    from traderagent.ledger import TradeLedger

PERIODS = ("day", "week", "month")


def register(commands: Subcommands[argparse.ArgumentParser]) -> None:
    trades = commands.add_parser(
        "trades", help="closed trades (round trips) with their PnL, read from the database"
    )
    _common(trades)
    trades.add_argument("--limit", type=int, default=50, help="show the last N (default 50)")
    trades.set_defaults(handler=lambda args: run_async(show(args, "trades")))
    profit = commands.add_parser(
        "profit", help="closed trades' PnL by day, week or month, read from the database"
    )
    _common(profit)
    profit.add_argument("--period", choices=PERIODS, default="day", help="(default: day)")
    profit.set_defaults(handler=lambda args: run_async(show(args, "profit")))


def _common(parser: argparse.ArgumentParser) -> None:
    add_database_options(parser)
    parser.add_argument("--bot", help="one bot only")
    parser.add_argument("--json", action="store_true", help="JSON on stdout (money as strings)")


async def show(args: argparse.Namespace, what: str) -> int:
    from storage import StorageError

    target = database_target(args)
    if isinstance(target, Path) and not target.exists():
        print(f"error: no database at {target} (pass --db or --url)", file=sys.stderr)
        return EXIT_USAGE
    if what == "trades" and args.limit < 1:
        print("error: --limit must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    try:
        ledger = await read_ledger(target, args.bot)
    except StorageError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_ERROR
    from traderagent.ledger import TradeLedger, profit  # noqa: F811 - at run time
    from traderagent.ledger.text import (
        ledger_json,
        profit_json,
        profit_lines,
        trade_lines,
    )

    if what == "trades":
        shown = TradeLedger(ledger.trades[-args.limit :], ledger.open_qty, ledger.unmatched_qty)
        out = json.dumps(ledger_json(shown), indent=2) if args.json else trade_lines(shown)
    else:
        periods = profit(ledger.trades, args.period)
        out = json.dumps(profit_json(periods), indent=2) if args.json else profit_lines(periods)
    print(out if isinstance(out, str) else "\n".join(out))
    return EXIT_OK


async def read_ledger(target: str | Path, bot: str | None = None) -> TradeLedger:
    """Every stored fill (of `bot`, or of every bot) matched into closed trades, each bot the
    way its registered strategy trades (a perpetual's as a signed position)."""
    from storage import BotRepository, Database, FillRepository
    from traderagent.ledger import closed_trades

    database = await Database.open(target, upgrade=False)
    try:
        bots = await BotRepository(database).list()
        fills = await FillRepository(database).list(bot, limit=None, newest_first=False)
    finally:
        await database.close()
    signed = {b.name for b in bots if b.market == "linear"}
    return closed_trades(fills, {b.name: b.strategy for b in bots}, signed)
