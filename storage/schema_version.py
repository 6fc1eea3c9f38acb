"""Which schema revision a database has, and bringing it to the head with Alembic.

The migrations live in `storage/migrations` (package data, found relative to this file). A
database from before migrations existed (the trading tables, no `alembic_version`) is stamped
at the baseline revision, then upgraded like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from storage.errors import StorageError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
HEAD_REVISION = "0009"  # a test checks it against the migration scripts
BASELINE_REVISION = "0001"
VERSION_TABLE = "alembic_version"
LEGACY_TABLES = frozenset({"bots", "orders", "fills", "positions", "equity_points"})
# Serialises concurrent upgrades of one PostgreSQL database (any fixed 64-bit number).
MIGRATION_LOCK_KEY = 0x7472_6164_6572_6462


@dataclass(frozen=True, slots=True)
class SchemaState:
    """What a database holds: its Alembic revision (None if unversioned) and its tables."""

    revision: str | None
    tables: frozenset[str]

    @property
    def is_empty(self) -> bool:
        return self.revision is None and not (self.tables - {VERSION_TABLE})

    @property
    def is_legacy(self) -> bool:
        """Created by the version before migrations: the trading tables, no revision."""
        return self.revision is None and self.tables >= LEGACY_TABLES

    @property
    def is_current(self) -> bool:
        return self.revision == HEAD_REVISION

    @property
    def label(self) -> str:
        """A short name for file names and messages: the revision, 'legacy' or 'empty'."""
        if self.revision is not None:
            return self.revision
        return "legacy" if self.is_legacy else "empty"


@dataclass(frozen=True, slots=True)
class SchemaChange:
    """An upgrade that happened when the database was opened."""

    before: str
    after: str
    backup: Path | None = None


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for the packaged migrations, bound to `connection` if given."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def known_revisions() -> frozenset[str]:
    """Every revision this program's migrations define."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config())
    return frozenset(script.revision for script in scripts.walk_revisions())


def check_supported(state: SchemaState, where: str) -> None:
    """Refuse, with what to do, a schema this program cannot (or must not) upgrade."""
    if state.is_current or state.is_empty or state.is_legacy:
        return
    if state.revision is None:
        found = ", ".join(sorted(state.tables)[:6])
        raise StorageError(
            f"{where} is not a TraderAgent database (it has tables {found} but no schema "
            "revision). It was left untouched: use an empty database or another file."
        )
    if state.revision not in known_revisions():
        raise StorageError(
            f"{where} has schema revision {state.revision}, newer than this TraderAgent knows "
            f"(up to {HEAD_REVISION}). It was left untouched: upgrade TraderAgent, or use "
            "another database."
        )


def read_state(connection: Connection) -> SchemaState:
    """The revision and tables of the connected database (its default schema)."""
    tables = frozenset(inspect(connection).get_table_names())
    revision = None
    if VERSION_TABLE in tables:
        query = text(f"SELECT version_num FROM {VERSION_TABLE}")  # noqa: S608 - a constant
        revision = connection.execute(query).scalar()
    return SchemaState(revision=revision, tables=tables)


def ensure_schema(connection: Connection, where: str, upgrade: bool) -> SchemaChange | None:
    """Bring the database to the head revision inside the caller's transaction.

    Returns what changed (None if it was current already). With `upgrade=False` a database
    that is behind is refused instead of upgraded.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    state = read_state(connection)
    if state.is_current:
        return None
    check_supported(state, where)
    if not upgrade:
        raise StorageError(
            f"{where} has schema {state.label}, this TraderAgent needs {HEAD_REVISION}: "
            "run `traderagent db upgrade` first"
        )
    from alembic import command

    config = alembic_config(connection)
    if state.is_legacy:
        command.stamp(config, BASELINE_REVISION)
    command.upgrade(config, "head")
    return SchemaChange(before=state.label, after=HEAD_REVISION)
