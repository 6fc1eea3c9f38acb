"""The live journal's fast path: write-ahead order rows on a synchronous SQLite connection,
the rest queued behind (storage/write_ahead.py, storage/write_behind.py)."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from storage_samples import make_fill, make_order
from unit.storage.backends import Backend

from storage import Database, SqlJournal, StorageError, write_ahead_log
from storage.hot_rows import FILL, fill_values
from storage.write_behind import WriteBehind
from traderagent.domain import OrderStatus, Position

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def fast_db(tmp_path: Path) -> Path:
    return tmp_path / "fast" / "traderagent.db"  # not `db_path`: compared with that one


@pytest.fixture
async def fast(fast_db: Path) -> AsyncIterator[SqlJournal]:
    database = await Database.open(fast_db)
    journal = SqlJournal(database, clock_ms=lambda: 1_000, fast_path=True)
    yield journal
    await journal.close()


def raw_order(db_path: Path, cid: str) -> tuple[object, ...] | None:
    """The row as another connection sees it now (nothing of ours awaited)."""
    with sqlite3.connect(db_path) as raw:
        row: tuple[object, ...] | None = raw.execute(
            "SELECT seq, status, qty, price, bot, tag, exchange_order_id FROM orders"
            " WHERE client_order_id = ?",
            (cid,),
        ).fetchone()
    return row


async def test_the_write_ahead_row_is_durable_when_record_order_returns(
    fast: SqlJournal, fast_db: Path
) -> None:
    """In this process's intent log when the call returns (the table gets it behind), and
    read back from the log, by another process, the same as from the table."""
    await fast.record_order(make_order(qty="0.000001", price="23456.780"), seq=7)
    assert fast.intent_log is not None and fast.intent_log.appended == 1
    line = fast.intent_log.path.read_bytes()
    assert line.count(b"\n") == 1 and b'"grid-1-000001"' in line and b'"23456.78"' in line
    assert await fast.last_sequence("grid-1") == 7  # waits for the write-behind
    assert raw_order(fast_db, "grid-1-000001") == (
        7, "New", "0.000001", "23456.78", "grid-1", "L1", ""
    )  # fmt: skip
    assert fast.write_behind is not None and fast.write_behind.direct is not None
    behind = fast.write_behind.direct  # the writer thread's connection
    assert (behind.written, behind.fallbacks) == (1, 0)  # behind, batched
    assert fast.write_ahead is not None and fast.write_ahead.written == 0  # not the fallback


async def test_fast_and_awaited_paths_store_the_same_order(
    fast: SqlJournal, sqlite_journal: SqlJournal
) -> None:
    """Same rules on conflict as OrderRepository.upsert: the first sequence is kept, and an
    update without bot, tag or exchange id does not erase them."""
    market = make_order("grid-1-000002", price=None)
    for journal in (fast, sqlite_journal):
        await journal.record_order(make_order(), seq=3)
        await journal.record_order(market, seq=4)
        update = replace(
            make_order(status=OrderStatus.PARTIALLY_FILLED, filled="0.0000005", updated_ms=2_000),
            bot="",
            tag="",
            exchange_order_id="ex-1",
            avg_fill_price=Decimal("23456.7"),
        )
        await journal.record_order(update)
        await journal.record_order(replace(update, exchange_order_id=""), seq=9)
    ours, theirs = await fast.orders_of("grid-1"), await sqlite_journal.orders_of("grid-1")
    assert ours == theirs
    assert ours[-1].bot == "grid-1" and ours[-1].tag == "L1" and ours[-1].exchange_order_id
    assert await fast.orders.sequence_of("grid-1-000001") == 3


async def test_a_busy_database_holds_up_no_order_and_loses_no_row(
    fast: SqlJournal, fast_db: Path
) -> None:
    blocker = sqlite3.connect(fast_db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    await asyncio.wait_for(fast.record_order(make_order(), seq=1), 5)  # the log: at once
    settling = asyncio.create_task(fast.settle())
    await asyncio.sleep(0.2)
    assert not settling.done()  # the row waits for the lock (awaited, the loop runs)
    blocker.execute("COMMIT")
    blocker.close()
    await asyncio.wait_for(settling, 10)
    assert fast.write_behind is not None and fast.write_behind.direct is not None
    assert fast.write_behind.direct.fallbacks == 1  # busy on the thread: the awaited way
    assert raw_order(fast_db, "grid-1-000001") is not None


async def test_when_the_log_cannot_write_the_row_goes_to_sqlite_at_once(
    fast: SqlJournal,
    fast_db: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def refuse(fd: int, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("storage.write_ahead_log.os.write", refuse)
    await fast.record_order(make_order(), seq=1)
    assert raw_order(fast_db, "grid-1-000001") is not None  # committed when the call returned
    assert fast.intent_log is not None and "No space left" in fast.intent_log.failed
    assert "intent log stopped" in caplog.text
    monkeypatch.undo()
    await fast.record_order(make_order("grid-1-000002"), seq=2)  # stays on SQLite
    assert raw_order(fast_db, "grid-1-000002") is not None
    assert fast.intent_log.appended == 0


async def test_fills_positions_and_updates_are_queued_and_read_back(
    fast: SqlJournal, sqlite_journal: SqlJournal
) -> None:
    position = Position("BTCUSDT", Decimal("0.000001"), Decimal("23456.78"))
    for journal in (fast, sqlite_journal):
        if journal is sqlite_journal:  # the fast one's writes are queued, not yet written
            assert fast.write_behind is not None and fast.write_behind.pending > 0
        await journal.record_order(make_order(), seq=1)
        await journal.record_fill(make_fill("f-1"))
        await journal.record_fill(make_fill("f-1"))  # a repeated fill id is ignored
        await journal.record_position("grid-1", replace(position, qty=Decimal(1)), 1_500)
        await journal.record_position("grid-1", position, 2_000)
        await journal.record_order(make_order(status=OrderStatus.FILLED, filled="0.000001"))
        await journal.record_equity(2_000, Decimal("1000.50"))
    await fast.settle()
    assert await fast.fills.list() == await sqlite_journal.fills.list()
    assert await fast.positions.list() == await sqlite_journal.positions.list()
    assert await fast.equity.list() == await sqlite_journal.equity.list()
    assert await fast.orders.list() == await sqlite_journal.orders.list()
    # the journal's reads wait for the queue: never behind what it was told
    assert [f.fill_id for f in await fast.fills_of("grid-1")] == ["f-1"]
    assert await fast.position_of("grid-1", "BTCUSDT") == position
    assert [o.status for o in await fast.orders_of("grid-1")] == [OrderStatus.FILLED]
    assert [p.equity for p in await fast.equity.list()] == [Decimal("1000.5")]
    assert fast.write_behind is not None and fast.write_behind.pending == 0


async def test_on_a_sqlite_file_the_rows_are_committed_off_the_event_loop(
    fast: SqlJournal, fast_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write-behind's commits run on its writer thread, every one on the same thread
    (its connection is confined there), never on the loop's."""
    assert fast.write_behind is not None and fast.write_behind.direct is not None
    direct = fast.write_behind.direct
    threads: list[int] = []
    write_many = direct.write_many

    def spy(rows: list[tuple[str, dict[str, object]]]) -> bool:
        threads.append(threading.get_ident())
        return write_many(rows)

    monkeypatch.setattr(direct, "write_many", spy)
    for n in range(3):
        await fast.record_fill(make_fill(f"f-{n}"))
        await fast.settle()
    assert len(threads) == 3 and len(set(threads)) == 1
    assert threads[0] != threading.get_ident()
    assert len(await fast.fills.ids("grid-1")) == 3


async def test_a_full_queue_makes_the_writer_wait_and_drops_nothing(database: Database) -> None:
    behind = WriteBehind(database, max_pending=3)
    journal = SqlJournal(database)
    for n in range(40):
        await behind.put(FILL, fill_values(make_fill(f"f-{n}")))
    await behind.flush()
    assert behind.stalls > 0
    assert behind.written == 40
    assert len(await journal.fills.ids("grid-1")) == 40
    await behind.close()


async def test_a_write_that_fails_stops_the_journal_loudly(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    behind = WriteBehind(database)
    await behind.put(FILL, {"fill_id": "f-1"})  # a row the table refuses (no side, price...)
    with pytest.raises(StorageError, match="stopped writing"):
        await behind.flush()
    with pytest.raises(StorageError, match="stopped writing"):
        await behind.put(FILL, fill_values(make_fill()))
    assert "queued write(s) failed" in caplog.text
    await behind.close()


def test_the_write_ahead_row_survives_sigkill_right_after_it(db_path: Path) -> None:
    """The process is killed the instant `record_order` returns (before any request could
    leave): the row is there for recovery."""
    child = textwrap.dedent(
        f"""
        import asyncio, os, signal, sys
        sys.path[:0] = [{str(REPO)!r}, {str(REPO / "tests" / "unit" / "storage")!r}]
        from storage import Database, SqlJournal
        from storage_samples import make_order

        async def main():
            journal = SqlJournal(await Database.open({str(db_path)!r}), fast_path=True)
            for seq in range(1, 51):
                await journal.record_order(make_order(f"grid-1-{{seq}}"), seq=seq)
            await journal.record_fill(__import__("storage_samples").make_fill())  # queued
            os.kill(os.getpid(), signal.SIGKILL)

        asyncio.run(main())
        """
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", child], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    logs = write_ahead_log.orphans(db_path)
    assert len(logs) == 1  # left behind by the killed process, unlocked
    assert write_ahead_log.replay_orphans(db_path) == (50, 0)  # what the next journal does
    with sqlite3.connect(db_path) as raw:
        seqs = [r[0] for r in raw.execute("SELECT seq FROM orders ORDER BY seq")]
    assert seqs == list(range(1, 51))
    assert os.path.exists(db_path) and not logs[0].exists()


async def test_without_fast_path_nothing_is_queued(backend: Backend) -> None:
    journal = await SqlJournal.open(backend.target)
    try:
        assert journal.write_ahead is None and journal.write_behind is None
        await journal.record_fill(make_fill())
        assert await journal.fills.exists("f-1")  # written when the call returned
    finally:
        await journal.close()


async def test_on_postgresql_the_write_ahead_row_is_a_prepared_insert(
    postgres_url: str,
) -> None:
    """Committed when `record_order` returns: another connection sees it at once; same rules
    on conflict as the repository's upsert."""
    fast = SqlJournal(await Database.open(postgres_url), fast_path=True)
    other = await SqlJournal.open(postgres_url)
    try:
        assert fast.write_ahead is None and fast.postgres_write_ahead is not None
        await fast.record_order(make_order(qty="0.000001", price="23456.780"), seq=5)
        assert fast.postgres_write_ahead.written == 1
        stored = await other.orders.get("grid-1-000001")
        assert stored == make_order(qty="0.000001", price="23456.78")
        await fast.record_order(replace(make_order(), bot="", tag="", updated_ms=9), seq=8)
        stored = await other.orders.get("grid-1-000001")
        assert stored is not None and (stored.bot, stored.tag, stored.updated_ms) == (
            "grid-1", "L1", 9
        )  # fmt: skip
        assert await other.orders.sequence_of("grid-1-000001") == 5
        assert fast.postgres_write_ahead.fallbacks == 0
    finally:
        await other.close()
        await fast.close()
