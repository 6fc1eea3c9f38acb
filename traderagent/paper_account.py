"""Each config's own paper account, and `paper reset`.

A paper config with no `storage.database_url` keeps its account (the paper book, bots, orders,
fills, equity, risk state) in its own SQLite file, `<data dir>/<config stem>.db`
(`default.db` for the bundled default), so two configs never share an account and a replay
that has ended does not carry over into another config. A reset moves that file aside (kept as
`<file>.reset-<UTC time>`, nothing is deleted): the next run starts the replay afresh.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from storage import Database, LeaseError, StorageError, acquire_lease
from storage.write_ahead_log import orphans
from traderagent.config import AppConfig
from traderagent.paths import data_dir

DEFAULT_ACCOUNT = "default"
"""The bundled default config's account (its database is `default.db`)."""
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


class ResetRefused(Exception):
    """The account cannot be reset now; the message says why and what to do."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def is_paper(config: AppConfig) -> bool:
    return config.exchange.venue == "paper"


def paper_database_path(config_path: Path | None) -> Path:
    """`<data dir>/<config stem>.db`: the default database of the config at `config_path`."""
    name = config_path.stem if config_path is not None else DEFAULT_ACCOUNT
    return data_dir() / f"{name}.db"


def account_database(
    config: AppConfig, config_path: Path | None, db: str | Path | None
) -> str | Path | None:
    """The database file to run `config` on: `--db` if given; else, for a paper config without
    `storage.database_url`, its own file; None: the config's URL or the shared default."""
    if db is not None:
        return db
    if config.storage.database_url or not is_paper(config):
        return None
    return paper_database_path(config_path)


async def ensure_idle(target: Path, bots: Iterable[str]) -> None:
    """ResetRefused (exit 1) while a daemon serves `target` or any bot's lease is held."""
    from traderagent.api.marker import live_daemon, marker_path

    daemon = live_daemon(marker_path(target, str(target)))
    if daemon is not None:
        raise ResetRefused(
            f"a daemon (pid {daemon.pid}) runs on {target}: stop it first", exit_code=1
        )
    try:
        database = await Database.open(target, upgrade=False)
    except StorageError as err:
        raise ResetRefused(f"database {target}: {err}", exit_code=1) from None
    try:
        for bot in bots:
            try:
                lease = await acquire_lease(database, bot)
            except LeaseError as err:
                raise ResetRefused(f"{err}: stop it first", exit_code=1) from None
            await lease.release()
    finally:
        await database.close()


def move_aside(target: Path, now: datetime | None = None) -> Path:
    """Rename the database (and SQLite's side files) to `<name>.reset-<UTC time>`; the new
    name of the database file."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    kept = target.with_name(f"{target.name}.reset-{stamp}")
    target.rename(kept)
    for suffix in SQLITE_SIDE_FILES:
        side = target.with_name(target.name + suffix)
        if side.exists():
            side.rename(kept.with_name(kept.name + suffix))
    for log in orphans(target):  # a killed run's intent log goes with its rows' database
        log.rename(kept.with_name(kept.name + log.name[len(target.name) :]))
    return kept


async def reset_account(target: Path, bots: Iterable[str]) -> Path | None:
    """Move the account at `target` aside once nothing runs on it; where it went (None: there
    was no account yet)."""
    if not await asyncio.to_thread(target.exists):
        return None
    await ensure_idle(target, bots)
    try:
        return move_aside(target)
    except OSError as err:
        raise ResetRefused(f"cannot move {target} aside: {err.strerror}", exit_code=1) from None
