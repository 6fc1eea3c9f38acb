"""Alembic migrations: up from empty, up from the previous version's schema, backups, status.

`data/legacy_schema.*.sql` is the schema TraderAgent created before migrations existed, frozen.
"""

from __future__ import annotations

import re
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from unit.storage.backends import Backend, file_names, postgres_execute
from unit.storage.legacy import DATA, LEGACY_ROWS, make_legacy_sqlite, statements

from storage import HEAD_REVISION, Database, SqlJournal, StorageError, schema_status
from storage.database import create_engine_for
from storage.models import Base
from storage.schema_version import alembic_config
from storage.urls import resolve_url


async def _make_legacy(backend: Backend) -> None:
    if backend.file is not None:
        make_legacy_sqlite(backend.file)
        return
    for statement in statements((DATA / "legacy_schema.postgresql.sql").read_text()):
        await postgres_execute(backend.target, statement)
    for row in LEGACY_ROWS:
        await postgres_execute(backend.target, row.replace("'0.14975'", "0.14975"))


async def _on_connection(target: str | Path, work: Any) -> Any:
    engine = create_engine_for(resolve_url(target))
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(work)
    finally:
        await engine.dispose()


def _schema_diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def test_head_constant_is_the_single_head_of_the_scripts() -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    assert scripts.get_heads() == [HEAD_REVISION]
    assert [s.revision for s in scripts.walk_revisions()] == [
        "0009",
        "0008",
        "0007",
        "0006",
        "0005",
        "0004",
        "0003",
        "0002",
        "0001",
    ]


async def test_migrations_build_exactly_the_models(backend: Backend) -> None:
    await (await Database.open(backend.target)).close()
    assert await _on_connection(backend.target, _schema_diff) == []


async def test_downgrade_to_nothing_and_up_again(backend: Backend) -> None:
    await (await Database.open(backend.target)).close()

    def down(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), "base")

    await _on_connection(backend.target, down)
    status = await schema_status(backend.target)
    assert status.verdict == "empty"
    database = await Database.open(backend.target)
    await database.close()
    assert database.schema_change is not None and database.schema_change.before == "empty"
    assert await _on_connection(backend.target, _schema_diff) == []


async def test_previous_version_database_is_upgraded_with_its_data(backend: Backend) -> None:
    await _make_legacy(backend)
    assert (await schema_status(backend.target)).verdict == "legacy"

    journal = await SqlJournal.open(backend.target)
    try:
        change = journal.database.schema_change
        assert change is not None and (change.before, change.after) == ("legacy", HEAD_REVISION)
        bot = await journal.bots.get("grid-btc")
        assert bot is not None and bot.config == {"levels": 41}
        assert await journal.last_sequence("grid-btc") == 7
        [order] = await journal.open_orders("grid-btc")
        assert (order.qty, order.price, order.exchange_order_id) == (
            Decimal("0.008658"),
            Decimal("23100"),
            "ex-1",
        )
        assert await journal.fill_ids("grid-btc") == frozenset({"f-1"})
        await journal.save_snapshot("grid-btc", {"seq": 7}, 3_000)  # a new table works
        assert await journal.load_snapshot("grid-btc") == ({"seq": 7}, 3_000)
    finally:
        await journal.close()
    assert await _on_connection(backend.target, _schema_diff) == []


async def test_previous_version_sqlite_file_is_backed_up_first(tmp_path: Path) -> None:
    path = tmp_path / "traderagent.db"
    make_legacy_sqlite(path)
    database = await Database.open(path)
    await database.close()

    backup = database.schema_change.backup if database.schema_change else None
    assert backup is not None and backup.parent == tmp_path
    assert re.fullmatch(r"traderagent\.db\.bak-legacy-\d{8}T\d{6}Z", backup.name)
    with sqlite3.connect(backup) as raw:
        tables = {name for (name,) in raw.execute("SELECT name FROM sqlite_master")}
        orders = raw.execute("SELECT client_order_id, qty FROM orders").fetchall()
    raw.close()
    assert "alembic_version" not in tables  # the copy is the database as it was
    assert orders == [("grid-btc-7", "0.008658")]


async def _database_at_0001(path: Path) -> None:
    def up(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), "0001")

    path.parent.mkdir(parents=True, exist_ok=True)
    await _on_connection(path, up)


async def test_a_database_behind_is_backed_up_and_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "ta.db"
    await _database_at_0001(path)
    status = await schema_status(path)
    assert (status.revision, status.verdict) == ("0001", "behind")

    database = await Database.open(path)
    await database.close()
    change = database.schema_change
    assert change is not None and (change.before, change.after) == ("0001", HEAD_REVISION)
    assert change.backup is not None and change.backup.name.startswith("ta.db.bak-0001-")
    assert (await schema_status(path)).verdict == "current"


async def test_without_upgrade_a_database_behind_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ta.db"
    await _database_at_0001(path)
    with pytest.raises(StorageError, match="run `traderagent db upgrade` first"):
        await Database.open(path, upgrade=False)
    assert (await schema_status(path)).revision == "0001"
    assert file_names(tmp_path, "ta.db.bak-*") == []


async def test_status_of_a_missing_file_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="no database at"):
        await schema_status(tmp_path / "none.db")
    assert file_names(tmp_path) == []


async def test_status_names_current_and_newer(backend: Backend) -> None:
    await (await Database.open(backend.target)).close()
    current = await schema_status(backend.target)
    assert (current.revision, current.verdict) == (HEAD_REVISION, "current")
    assert "up to date" in current.describe()

    def bump(connection: Connection) -> None:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")

    await _on_connection(backend.target, bump)
    newer = await schema_status(backend.target)
    assert newer.verdict == "newer"
    assert "upgrade TraderAgent" in newer.describe()
