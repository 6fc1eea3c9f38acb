"""`traderagent lookahead`: check that a bot's decisions never depend on later data.

Runs the bot on the full data and on copies cut at `--cuts` points; exit 0 when every
decision made before a cut is the same in both runs, 1 with a table of the decisions that
changed otherwise, 2 for bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from traderagent.commands.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE, Subcommands
from traderagent.commands.output import write_text

if TYPE_CHECKING:
    from traderagent.optimize.lookahead import Decision, LookaheadResult

SHOWN_PER_CUT = 20


def register(commands: Subcommands[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "lookahead",
        help="check a bot for look-ahead bias (decisions that change when later data is cut)",
        description=(
            "Run a bot on the full candles and on copies cut at several points; report every "
            "order placed before a cut that differs between the full and the cut run."
        ),
    )
    parser.add_argument("--config", type=Path, help="YAML config (default: the bundled default)")
    parser.add_argument("--bot", metavar="NAME", help="the bot to check (default: the only one)")
    parser.add_argument("--data", metavar="PATH", help="candles: 'bundled', a file or store:...")
    parser.add_argument("--cuts", type=int, default=5, metavar="N", help="truncated copies (5)")
    parser.add_argument("--start", metavar="ISO", help="first candle, e.g. 2023-03-01 (UTC)")
    parser.add_argument("--end", metavar="ISO", help="stop before this time")
    parser.add_argument(
        "--json", type=Path, metavar="OUT", help="write the result as JSON (-: standard output)"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from traderagent.backtest.inputs import BacktestError, parse_moment
    from traderagent.backtest.progress import ProgressBar
    from traderagent.clock import format_ts
    from traderagent.config import ConfigError, load_config
    from traderagent.optimize.lookahead import check_lookahead

    bar = ProgressBar(sys.stderr, label="lookahead")
    try:
        config = load_config(args.config)
        bot = _bot(config.bots, args.bot)
        result = check_lookahead(
            config,
            bot,
            args.data or config.replay.data,
            start=parse_moment(args.start or "", "--start"),
            end=parse_moment(args.end or "", "--end"),
            cuts=args.cuts,
            progress=bar,
        )
    except (BacktestError, ConfigError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        bar.close()
    cuts = ", ".join(format_ts(c) for c in result.cuts)
    print(f"Look-ahead check of {bot} on {result.data_label}")
    print(f"  period     {format_ts(result.first_ms)} -> {format_ts(result.end_ms)} UTC")
    print(f"  decisions  {result.decisions:,} orders placed in the full run")
    print(f"  cuts       {cuts}")
    if args.json is not None:
        try:
            write_text(args.json, json.dumps(_json(result, bot), indent=2) + "\n")
        except OSError as err:
            print(f"error: --json: cannot write {args.json}: {err.strerror}", file=sys.stderr)
            return EXIT_ERROR
    if not result.differences:
        print("No decision changed when later data was cut: no look-ahead bias found.")
        return EXIT_OK
    changed = sum(len(d.only_full) + len(d.only_cut) for d in result.differences)
    print(f"LOOK-AHEAD: {changed} decisions before a cut differ from the full run:")
    print()
    print(_table(result))
    return EXIT_ERROR


def _bot(bots: Any, name: str | None) -> str:
    from traderagent.backtest.inputs import BacktestError

    names = [b.name for b in bots]
    if name is None and len(names) == 1:
        return str(names[0])
    if name in names:
        return str(name)
    wanted = "name one with --bot" if name is None else f"no bot named {name!r}"
    raise BacktestError(f"{wanted} (bots: {', '.join(names)})")


def _row(cut: int, d: Decision, where: str) -> list[str]:
    from traderagent.clock import format_ts

    price = "market" if d.price is None else f"{d.price:,}"
    return [format_ts(cut), format_ts(d.ts), d.side, price, f"{d.qty}", d.tag, where]


def _table(result: LookaheadResult) -> str:
    rows = [["cut", "time", "side", "price", "qty", "tag", "made by"]]
    for diff in result.differences:
        mine = [(d, "full run only") for d in diff.only_full]
        mine += [(d, "cut run only") for d in diff.only_cut]
        mine.sort(key=lambda pair: pair[0])
        rows += [_row(diff.cut_ms, d, where) for d, where in mine[:SHOWN_PER_CUT]]
        if len(mine) > SHOWN_PER_CUT:
            rows.append(["", f"... {len(mine) - SHOWN_PER_CUT} more", "", "", "", "", ""])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            c.rjust(w) if i in (3, 4) else c.ljust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()
        for r in rows
    )


def _json(result: LookaheadResult, bot: str) -> dict[str, Any]:
    from traderagent.clock import format_ts

    def decision(d: Decision) -> dict[str, Any]:
        return {
            "ts": d.ts,
            "time": format_ts(d.ts),
            "side": d.side,
            "type": d.type,
            "price": None if d.price is None else str(d.price),
            "qty": str(d.qty),
            "tag": d.tag,
        }

    return {
        "bot": bot,
        "data": result.data_label,
        "decisions": result.decisions,
        "cuts": [format_ts(c) for c in result.cuts],
        "biased": bool(result.differences),
        "differences": [
            {
                "cut": format_ts(d.cut_ms),
                "only_full": [decision(x) for x in d.only_full],
                "only_cut": [decision(x) for x in d.only_cut],
            }
            for d in result.differences
        ],
    }
