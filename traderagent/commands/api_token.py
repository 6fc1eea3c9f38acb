"""`traderagent api-token [--rotate]`: print the daemon's API token (creating it if needed).

The token alone goes to stdout, so `TOKEN=$(traderagent api-token)` works; where it comes from
goes to stderr. `TRADERAGENT_API_TOKEN`, when set, is the token (the daemon uses it too).
A running daemon keeps the token it started with until it restarts.
"""

from __future__ import annotations

import argparse
import sys

from traderagent.commands.common import EXIT_ERROR, EXIT_OK, Subcommands


def register(commands: Subcommands[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("api-token", help="print the API token of the headless daemon")
    parser.add_argument(
        "--rotate",
        action="store_true",
        help="replace it with a new one (a running daemon uses the new one after a restart)",
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from traderagent.api.token import (
        TOKEN_ENV,
        TokenError,
        env_token,
        stored_token,
        token_path,
        write_token,
    )

    path = token_path()
    try:
        from_env = env_token()
        if from_env and not args.rotate:
            # what a daemon started with this environment uses (under Docker, `.env` sets it)
            print(f"API token from {TOKEN_ENV}", file=sys.stderr)
            print(from_env)
            return EXIT_OK
        token = None if args.rotate else stored_token(path)
        created = token is None
        if token is None:
            token = write_token(path)
    except TokenError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_ERROR
    if created:
        print(f"new API token written to {path} (mode 0600)", file=sys.stderr)
    else:
        print(f"API token from {path}", file=sys.stderr)
    print(token)
    if from_env:
        print(f"note: {TOKEN_ENV} is set: a daemon started here uses that instead", file=sys.stderr)
    return EXIT_OK
