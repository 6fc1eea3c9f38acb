"""`traderagent db upgrade|current`: bring a database to this program's schema, or report it."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from traderagent.commands.common import (
    EXIT_ERROR,
    EXIT_OK,
    Subcommands,
    database_argument,
    help_handler,
    run_async,
)

DATABASE_URL_ENV = "TRADERAGENT_DATABASE_URL"


def add_database_options(parser: argparse.ArgumentParser) -> None:
    """--db PATH | --url URL; without either, TRADERAGENT_DATABASE_URL or the default file."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--db",
        type=database_argument,
        metavar="PATH",
        help="SQLite database file (a URL is taken as a URL; one with a password is refused)",
    )
    where.add_argument(
        "--url", metavar="URL", help="database URL: sqlite:///FILE or postgresql://USER@HOST/DB"
    )


def database_target(args: argparse.Namespace) -> str | Path:
    if args.url:
        return str(args.url)
    if args.db:
        return args.db if isinstance(args.db, str) else Path(args.db).expanduser()
    from_env = os.environ.get(DATABASE_URL_ENV)
    if from_env:
        return from_env
    from traderagent.paths import default_database_path

    return default_database_path()


def register(commands: Subcommands[argparse.ArgumentParser]) -> None:
    db = commands.add_parser("db", help="database schema: upgrade, current revision")
    db.set_defaults(handler=help_handler(db))
    actions = db.add_subparsers(dest="db_command", metavar="ACTION")
    upgrade = actions.add_parser(
        "upgrade", help="upgrade the schema to this program's revision (backs up SQLite first)"
    )
    add_database_options(upgrade)
    upgrade.set_defaults(handler=lambda args: run_async(db_upgrade(database_target(args))))
    current = actions.add_parser("current", help="show the schema revision, changing nothing")
    add_database_options(current)
    current.set_defaults(handler=lambda args: run_async(db_current(database_target(args))))


async def db_upgrade(target: str | Path) -> int:
    from storage import StorageError, upgrade_database

    try:
        where, change = await upgrade_database(target)
    except StorageError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_ERROR
    if change is None:
        from storage import HEAD_REVISION

        print(f"{where}: already at revision {HEAD_REVISION}, nothing to do")
        return EXIT_OK
    print(f"{where}: upgraded from {change.before} to revision {change.after}")
    if change.backup is not None:
        print(f"  backup of the previous database: {change.backup}")
    return EXIT_OK


async def db_current(target: str | Path) -> int:
    from storage import StorageError, schema_status

    try:
        status = await schema_status(target)
    except StorageError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_ERROR
    print(status.describe())
    return EXIT_ERROR if status.verdict in ("newer", "foreign") else EXIT_OK
