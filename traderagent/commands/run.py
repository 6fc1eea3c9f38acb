"""`traderagent run [--headless]`: the engine, with the TUI or as a daemon serving the API."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from traderagent.commands.common import (
    Subcommands,
    add_engine_options,
    add_log_options,
    positive_float,
    run_async,
)

if TYPE_CHECKING:
    from traderagent.wiring.runtime import FleetOptions

MIN_LEASE_TTL_S = 2.0
"""A fleet lease's holder stops a second before its TTL and renews every quarter of it."""


def port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0-65535 (0: any free one), not {value}")
    return value


def register(commands: Subcommands[argparse.ArgumentParser]) -> None:
    run = commands.add_parser("run", help="run the engine (the TUI, or --headless)")
    add_engine_options(run)
    run.add_argument(
        "--headless", action="store_true", help="no screen: serve the API, print a summary"
    )
    run.add_argument(
        "--duration", type=positive_float, metavar="SECONDS", help="stop after this many seconds"
    )
    rehearsal = run.add_argument_group("rehearsal (a Bybit config on the local emulator)")
    rehearsal.add_argument(
        "--rehearse",
        action="store_true",
        help="run the config's bots against an in-process Bybit emulator with faults and "
        "throwaway keys, then compare its orders and trades with the bots' (exit 1 if they differ)",
    )
    rehearsal.add_argument(
        "--faults",
        metavar="SPEC",
        help="the emulator's faults for --rehearse (default: a few percent of each kind; "
        "'' for none), as `traderagent emulator --faults`",
    )
    api = run.add_argument_group("API (--headless)")
    api.add_argument("--api-host", metavar="HOST", help="interface (default: api.host, 127.0.0.1)")
    api.add_argument("--api-port", type=port, metavar="PORT", help="port (default: api.port, 8080)")
    api.add_argument("--no-api", action="store_true", help="do not serve the API")
    fleet = run.add_argument_group("fleet (--headless: several daemons on one database)")
    fleet.add_argument(
        "--fleet",
        "--standby",
        dest="fleet",
        action="store_true",
        help="one of several daemons with this config on one database: each bot runs in "
        "exactly one of them (a lease per bot), each daemon its fair share, ceil(bots / live "
        "daemons); the bots of a daemon that dies run in the others within --lease-ttl plus "
        "a second",
    )
    fleet.add_argument(
        "--lease-ttl",
        type=positive_float,
        metavar="SECONDS",
        help="--fleet: a dead daemon's bots run in another within SECONDS after its last "
        "lease renewal, plus a poll (1 s) and their reconcile (default 10)",
    )
    add_log_options(run)
    run.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if args.rehearse:
        return run_rehearsal(args)
    if args.faults is not None:
        print("error: --faults only applies with --rehearse", file=sys.stderr)
        return 2
    if (args.fleet or args.lease_ttl is not None) and not args.headless:
        print("error: --fleet and --lease-ttl apply to --headless daemons", file=sys.stderr)
        return 2
    if args.lease_ttl is not None and not args.fleet:
        print("error: --lease-ttl applies with --fleet", file=sys.stderr)
        return 2
    if args.lease_ttl is not None and args.lease_ttl < MIN_LEASE_TTL_S:
        print(f"error: --lease-ttl must be at least {MIN_LEASE_TTL_S:g} s", file=sys.stderr)
        return 2
    if args.headless:
        return run_headless(args)
    from tui.main import run_tui

    code: int = run_tui(
        args.config, args.db, args.speed, args.duration, (args.log_level, args.log_format)
    )
    return code


def run_headless(args: argparse.Namespace) -> int:
    from traderagent.daemon import ApiOptions, config_loader, daemon_services, serve_headless
    from traderagent.paper_account import account_database
    from traderagent.wiring.launch import LaunchError, prepare, start_logging

    try:
        config = prepare(args.config, args.speed)
        db = account_database(config, args.config, args.db)
        log_file = start_logging(config, db, args.log_level, args.log_format, to_stderr=True)
        api = ApiOptions(
            enabled=config.api.enabled and not args.no_api,
            host=args.api_host or config.api.host,
            port=config.api.port if args.api_port is None else args.api_port,
        )
        reload = config_loader(args.config, args.speed)
        services = daemon_services(config)
        fleet = _fleet_options(args)
        return run_async(
            serve_headless(config, db, args.duration, api, reload, services, log_file, fleet)
        )
    except LaunchError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code


def _fleet_options(args: argparse.Namespace) -> FleetOptions | None:
    from storage.fleet import TTL_S, member_id
    from traderagent.wiring.runtime import FleetOptions

    if not args.fleet:
        return None
    return FleetOptions(member_id(), args.lease_ttl or TTL_S)


def run_rehearsal(args: argparse.Namespace) -> int:
    from traderagent.rehearsal import exit_code, plan_for, rehearse
    from traderagent.rehearsal_report import render_report
    from traderagent.wiring.launch import LaunchError, prepare, start_logging

    if args.db is not None:
        print("error: --rehearse runs on a throwaway database: drop --db", file=sys.stderr)
        return 2
    if args.speed == "max":
        print("error: --rehearse needs a market speed in seconds per second, not max",
              file=sys.stderr)  # fmt: skip
        return 2
    speed = args.speed if isinstance(args.speed, float) else None
    try:
        config = prepare(args.config)
        plan = plan_for(config, args.faults, speed, args.duration)
        start_logging(config, "rehearsal", args.log_level, args.log_format, to_stderr=True)
        report = run_async(rehearse(config, plan))
    except LaunchError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    print(render_report(report))
    return exit_code(report)
