"""Bot leases in one process: a second acquirer is refused with the holder named.

Crashed holders (a killed child process) are in tests/integration/test_storage_lease_crash.py.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from storage import Database, LeaseError, SqlJournal, acquire_lease
from storage.lease import lease_file_path
from storage.lease_postgres import lease_key

HOLDER = f"process {os.getpid()} on host {socket.gethostname()}"


async def test_second_acquirer_is_refused_naming_the_holder(database: Database) -> None:
    lease = await acquire_lease(database, "grid-btc")
    try:
        with pytest.raises(LeaseError) as refused:
            await acquire_lease(database, "grid-btc")
        assert str(refused.value) == (f"bot grid-btc is already running in {HOLDER}; stop it first")
        other = await acquire_lease(database, "dca-eth")  # another bot is independent
        await other.release()
    finally:
        await lease.release()


async def test_release_frees_the_lease_and_is_idempotent(database: Database) -> None:
    async with await acquire_lease(database, "grid-btc") as lease:
        assert await lease.is_held()
    assert not await lease.is_held()
    await lease.release()
    again = await acquire_lease(database, "grid-btc")
    assert await again.is_held()
    await again.release()


async def test_two_databases_on_one_store_share_the_lease(database: Database) -> None:
    # Two opens of the same file or server stand for two processes.
    if database.sqlite_path is None:
        target = database.engine.url.render_as_string(hide_password=False)
    else:
        target = str(database.sqlite_path)
    journal = await SqlJournal.open(target)
    try:
        lease = await journal.acquire_lease("grid-btc")
        with pytest.raises(LeaseError) as refused:
            await acquire_lease(database, "grid-btc")
        assert f"already running in {HOLDER};" in str(refused.value)
        await lease.release()
        await (await acquire_lease(database, "grid-btc")).release()
    finally:
        await journal.close()


async def test_sqlite_lease_file_records_pid_and_host(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "ta.db")
    try:
        assert database.sqlite_path is not None
        lease = await acquire_lease(database, "grid-btc")
        path = lease_file_path(database.sqlite_path, "grid-btc")
        assert path.name == "ta.db.lease-grid-btc"
        assert json.loads(path.read_text()) == {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "bot": "grid-btc",
        }
        await lease.release()
        assert path.read_text() == ""  # released: no stale holder left to confuse anyone
    finally:
        await database.close()


def test_lease_file_names_escape_odd_bot_names() -> None:
    assert lease_file_path(Path("/d/ta.db"), "a/b c").name == "ta.db.lease-a%2fb%20c"


def test_postgres_lease_key_is_a_stable_signed_64_bit_number() -> None:
    key = lease_key("grid-btc")
    assert key == lease_key("grid-btc")
    assert key != lease_key("grid-eth")
    assert -(2**63) <= key < 2**63


async def test_memory_database_leases_in_process() -> None:
    database = await Database.open(":memory:")
    try:
        lease = await acquire_lease(database, "grid-btc")
        with pytest.raises(LeaseError, match=f"already running in {HOLDER}"):
            await acquire_lease(database, "grid-btc")
        await lease.release()
        await (await acquire_lease(database, "grid-btc")).release()
    finally:
        await database.close()
