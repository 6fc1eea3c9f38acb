"""What `traderagent db current` and `db upgrade` do: report or raise the schema revision."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.pool import NullPool

from storage.database import OPEN_ERRORS, Database, cannot_open, create_engine_for
from storage.errors import StorageError
from storage.schema_version import (
    HEAD_REVISION,
    SchemaChange,
    SchemaState,
    known_revisions,
    read_state,
)
from storage.sqlite_files import inspect_sqlite_file
from storage.urls import is_memory, resolve_url, shown, sqlite_file


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    """A database's schema revision against the one this program needs."""

    where: str
    revision: str | None
    head: str
    verdict: str
    """current, behind, newer, empty, legacy (pre-migration) or foreign (not TraderAgent's)."""

    def describe(self) -> str:
        explained = {
            "current": "up to date",
            "behind": "behind: `traderagent db upgrade` (or any start) upgrades it",
            "newer": "newer than this TraderAgent knows: upgrade TraderAgent",
            "empty": "no schema yet: `traderagent db upgrade` creates it",
            "legacy": "created before migrations: `traderagent db upgrade` upgrades it",
            "foreign": "not a TraderAgent database",
        }[self.verdict]
        return (
            f"{self.where}: revision {self.revision or '(none)'}, this program's head "
            f"{self.head} ({explained})"
        )


def _verdict(state: SchemaState) -> str:
    if state.is_current:
        return "current"
    if state.is_empty:
        return "empty"
    if state.is_legacy:
        return "legacy"
    if state.revision is None:
        return "foreign"
    return "behind" if state.revision in known_revisions() else "newer"


async def _read_server_state(target: str | Path) -> SchemaState:
    url = resolve_url(target)
    engine = create_engine_for(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(read_state)
    except OPEN_ERRORS as exc:
        raise cannot_open(url, exc) from exc
    finally:
        await engine.dispose()


async def schema_status(target: str | Path) -> SchemaStatus:
    """The schema revision of a database, read without changing anything."""
    url = resolve_url(target)
    path = sqlite_file(url)
    if path is not None:
        if not path.exists():
            raise StorageError(f"no database at {path}: `traderagent db upgrade` creates one")
        state = await asyncio.to_thread(inspect_sqlite_file, path)
        where = str(path)
    elif is_memory(url):
        state, where = SchemaState(revision=None, tables=frozenset()), ":memory:"
    else:
        state, where = await _read_server_state(target), shown(url)
    return SchemaStatus(where, state.revision, HEAD_REVISION, _verdict(state))


async def upgrade_database(target: str | Path) -> tuple[str, SchemaChange | None]:
    """Bring a database to the head revision; returns where it is and what changed."""
    database = await Database.open(target)
    try:
        where = str(database.sqlite_path or database.url)
        return where, database.schema_change
    finally:
        await database.close()
