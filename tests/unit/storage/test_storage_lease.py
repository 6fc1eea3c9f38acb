"""Bot leases in one process: a second acquirer is refused with the holder named.

Crashed holders (a killed child process) are in tests/integration/test_storage_lease_crash.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
from pathlib import Path

import pytest
from kit.waits import wait_until
from sqlalchemy.engine import make_url
from unit.storage.backends import Backend, postgres_execute

from storage import Database, LeaseError, SqlJournal, acquire_lease
from storage.lease import lease_file_path
from storage.lease_postgres import lease_key

HOLDER = f"process {os.getpid()} on host {socket.gethostname()}"
LEASE_SESSION = f"traderagent pid={os.getpid()} host={socket.gethostname()}"[:63]


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


async def test_one_database_file_has_one_lease_whatever_name_reaches_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    real = tmp_path / "l.db"
    (tmp_path / "link.db").symlink_to(real)
    (tmp_path / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    first = await Database.open(real)
    others = [
        await Database.open(tmp_path / "link.db"),
        await Database.open(tmp_path / "elsewhere" / "l.db"),
        await Database.open(Path("link.db")),  # relative, through the link
    ]
    try:
        lease = await acquire_lease(first, "grid-btc")
        for other in others:
            with pytest.raises(LeaseError, match=f"already running in {HOLDER}"):
                await acquire_lease(other, "grid-btc")
        await lease.release()
        await (await acquire_lease(others[0], "grid-btc")).release()
    finally:
        for database in (first, *others):
            await database.close()


@pytest.mark.postgres
async def test_a_dropped_postgres_session_is_seen_by_the_keepalive_and_stays_lost(
    postgres_backend: Backend,
) -> None:
    database = await Database.open(postgres_backend.target)
    lease = await acquire_lease(database, "grid-btc", keepalive_s=0.1)
    try:
        killed = await postgres_execute(
            postgres_backend.target,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = $1 AND datname = current_database()",
            LEASE_SESSION,
        )
        assert [row[0] for row in killed] == [True]
        # nobody asks: the keep-alive finds out by itself
        await wait_until(lambda: lease.lost_reason, 30, "the keep-alive noticing the loss")
        assert lease.lost_reason.startswith(
            "lost the lease of bot grid-btc: its PostgreSQL session was dropped"
        )
        other = await acquire_lease(database, "grid-btc")  # another process may take it now
        assert not await lease.is_held()  # and the first never believes it holds it again
        await other.release()
    finally:
        await lease.release()
        await database.close()


@pytest.mark.postgres
async def test_a_server_idle_session_timeout_does_not_drop_a_held_lease(
    postgres_backend: Backend,
) -> None:
    name = make_url(postgres_backend.target).database
    await postgres_execute(
        postgres_backend.target, f'ALTER DATABASE "{name}" SET idle_session_timeout = 1000'
    )
    try:
        database = await Database.open(postgres_backend.target)
        lease = await acquire_lease(database, "grid-btc", keepalive_s=60)
        try:
            await asyncio.sleep(2.5)  # the server drops sessions idle for 1 s
            assert await lease.is_held()
            assert lease.lost_reason == ""
        finally:
            await lease.release()
            await database.close()
    finally:
        await postgres_execute(
            postgres_backend.target, f'ALTER DATABASE "{name}" RESET idle_session_timeout'
        )
