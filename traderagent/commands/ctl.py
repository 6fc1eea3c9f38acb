"""`traderagent ctl ACTION`: command a running daemon over its REST API.

The token comes as the TUI's does: `--token`, else TRADERAGENT_API_TOKEN, else the token file.
A refusal (unknown bot, illegal state change, bad token) exits 2 with the daemon's sentence; a
daemon that cannot be reached exits 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from traderagent.commands.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE, Subcommands

DEFAULT_URL = "http://127.0.0.1:8080"
TIMEOUT_S = 15.0


class CtlError(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def daemon_url(text: str) -> str:
    """`host:port` or `http(s)://host:port` as a base URL."""
    url = text.strip().rstrip("/")
    if "://" not in url:
        url = f"http://{url}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"not a daemon URL: {text!r} (e.g. {DEFAULT_URL})")
    return url


def register(commands: Subcommands[argparse.ArgumentParser]) -> None:
    ctl = commands.add_parser("ctl", help="command a running daemon: status, pause, halt, ...")
    ctl.add_argument("--url", type=daemon_url, default=DEFAULT_URL, help=f"(default {DEFAULT_URL})")
    ctl.add_argument(
        "--token", help="the API token (default: TRADERAGENT_API_TOKEN, then the token file)"
    )
    ctl.add_argument("--json", action="store_true", help="print the daemon's JSON answer")
    actions = ctl.add_subparsers(dest="ctl_action", metavar="ACTION", required=True)
    actions.add_parser("status", help="equity, PnL and every bot's state")
    for verb, text in (("pause", "pause a running bot"), ("resume", "resume a paused bot")):
        one = actions.add_parser(verb, help=f"{text} (or every bot with --all)")
        one.add_argument("bot", nargs="?")
        one.add_argument("--all", action="store_true", help="every bot it applies to")
    halt = actions.add_parser("halt", help="emergency halt of one bot, or of every bot")
    halt.add_argument("bot", nargs="?")
    halt.add_argument("--reason", default="operator halt via traderagent ctl")
    ack = actions.add_parser("ack", help="acknowledge an emergency (one bot, or every one)")
    ack.add_argument("bot", nargs="?")
    close = actions.add_parser("close", help="sell a bot's position at market (asks first)")
    close.add_argument("bot")
    close.add_argument("--stop", action="store_true", help="stop the bot afterwards")
    close.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    stop = actions.add_parser("stop", help="stop a bot (its position stays unless --sell)")
    stop.add_argument("bot")
    stop.add_argument("--sell", action="store_true", help="sell its position at market first")
    trades = actions.add_parser("trades", help="the daemon's closed trades")
    trades.add_argument("--bot")
    trades.add_argument("--limit", type=int, default=50)
    profit = actions.add_parser("profit", help="closed trades' PnL by day, week or month")
    profit.add_argument("--period", choices=("day", "week", "month"), default="day")
    profit.add_argument("--bot")
    ctl.set_defaults(handler=run_ctl)


def run_ctl(args: argparse.Namespace) -> int:
    from traderagent.api.token import TokenError, client_token

    try:
        token = client_token(args.token)
    except TokenError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    if not token:
        print(
            "error: no API token: pass --token, set TRADERAGENT_API_TOKEN, or run "
            "`traderagent api-token` where the daemon runs",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        return act(args, Daemon(args.url, token))
    except CtlError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.code


class Daemon:
    """A synchronous REST client for one command line."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        from traderagent.api.client import error_message

        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            response = httpx.request(
                method, f"{self.url}/api/v1{path}", headers=headers, timeout=TIMEOUT_S, **kwargs
            )
        except httpx.HTTPError as err:
            raise CtlError(f"cannot reach a TraderAgent daemon at {self.url}: {err}", 1) from None
        if response.status_code == 401:
            raise CtlError(f"the daemon at {self.url} refused the token", EXIT_USAGE)
        if response.is_error:
            code = EXIT_USAGE if response.status_code < 500 else EXIT_ERROR
            raise CtlError(error_message(response), code)
        return response.json()


def act(args: argparse.Namespace, daemon: Daemon) -> int:
    action: str = args.ctl_action
    if action == "status":
        data = daemon.call("GET", "/snapshot")
        return _print(args, data, _status_lines(data))
    if action in ("pause", "resume"):
        names = _targets(args, daemon, action)
        done = [daemon.call("POST", f"/bots/{name}/{action}") for name in names]
        return _print(args, done, [f"{b['name']}: {b['state']}" for b in done])
    if action in ("halt", "ack"):
        path, body = (
            ("/halt", {"bot": args.bot, "reason": args.reason})
            if action == "halt"
            else (
                "/halt/ack",
                {"bot": args.bot},
            )
        )
        done = daemon.call("POST", path, json=body)
        return _print(
            args, done, [f"{b['name']}: {b['state']} ({b['state_reason']})" for b in done]
        )
    if action == "close" or (action == "stop" and args.sell):
        stop = action == "stop" or args.stop
        if action == "close" and not args.yes and not _confirm(args.bot, stop):
            print("not closed", file=sys.stderr)
            return EXIT_ERROR
        bot = daemon.call("POST", f"/bots/{args.bot}/close", params={"stop": stop})
        return _print(args, bot, [f"{bot['name']}: {bot['state']} · {bot['state_reason']}"])
    if action == "stop":
        bot = daemon.call("POST", f"/bots/{args.bot}/stop")
        held = f"; position {bot['position_qty']} kept" if bot["position_qty"] != "0" else ""
        return _print(args, bot, [f"{bot['name']}: {bot['state']}{held}"])
    return _ledger(args, daemon, action)


def _ledger(args: argparse.Namespace, daemon: Daemon, action: str) -> int:
    from traderagent.api.wire import LEDGER
    from traderagent.ledger import PeriodProfit
    from traderagent.ledger.text import profit_lines, trade_lines

    params: dict[str, Any] = {"bot": args.bot} if args.bot else {}
    if action == "trades":
        if args.limit < 1:
            raise CtlError("--limit must be at least 1", EXIT_USAGE)
        data = daemon.call("GET", "/trades", params={**params, "limit": args.limit})
        return _print(args, data, trade_lines(LEDGER.validate_python(data)))
    data = daemon.call("GET", "/profit", params={**params, "period": args.period})
    from pydantic import TypeAdapter

    periods = TypeAdapter(list[PeriodProfit]).validate_python(data)
    return _print(args, data, profit_lines(periods))


def _targets(args: argparse.Namespace, daemon: Daemon, action: str) -> list[str]:
    if args.bot and args.all:
        raise CtlError(f"{action}: name a bot or pass --all, not both", EXIT_USAGE)
    if args.bot:
        return [str(args.bot)]
    if not args.all:
        raise CtlError(f"{action}: name a bot, or pass --all", EXIT_USAGE)
    wanted = "RUNNING" if action == "pause" else "PAUSED"
    names = [b["name"] for b in daemon.call("GET", "/bots") if b["state"] == wanted]
    if not names:
        raise CtlError(f"no bot is {wanted}: nothing to {action}", EXIT_ERROR)
    return names


def _confirm(bot: str, stop: bool) -> bool:
    then = "stop it" if stop else "pause it if it runs"
    if not sys.stdin.isatty():
        print(
            "error: close asks for confirmation: pass --yes to close without a terminal",
            file=sys.stderr,
        )
        return False
    answer = input(f"Sell {bot}'s whole position at market, cancel its orders and {then}? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def _status_lines(data: dict[str, Any]) -> list[str]:
    """The daemon's state for a reader: money to the cent, signed PnL (the JSON keeps every
    digit)."""
    from traderagent.summary import money  # here: the summary's imports would slow every command

    def signed(value: str) -> str:
        return f"{Decimal(value):+,.2f}"

    equity, start = Decimal(data["equity"]), Decimal(data["starting_equity"])
    lines = [
        f"{data['mode']} · {data['venue']} · equity {money(equity)} "
        f"(start {money(start)}, PnL {equity - start:+,.2f})"
    ]
    for bot in data["bots"]:
        lines.append(
            f"{bot['name']:<14} {bot['state']:<9} {bot['symbol']:<9} pos {bot['position_qty']:<12}"
            f" realised {signed(bot['realised_pnl'])} unrealised {signed(bot['unrealised_pnl'])}"
        )
    return lines


def _print(args: argparse.Namespace, data: Any, lines: list[str]) -> int:
    print(json.dumps(data, indent=2) if args.json else "\n".join(lines))
    return EXIT_OK
