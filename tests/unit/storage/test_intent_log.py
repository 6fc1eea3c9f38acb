"""The write-ahead intent log (`storage/write_ahead_log.py`): what a live process holds is
left alone, what a stopped one left is replayed once without undoing later rows, and the log
stays small while the process runs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from storage_samples import make_order

from storage import Database, SqlJournal, write_ahead_log
from storage.hot_rows import ORDER, SQLITE, order_values, stored
from storage.write_ahead_log import IntentLog, orphans, replay_orphans, unlocked
from traderagent.domain import OrderStatus
from traderagent.paper_account import move_aside


@pytest.fixture
async def db(tmp_path: Path) -> Path:
    path = tmp_path / "traderagent.db"
    await (await Database.open(path)).close()  # the schema
    return path


def rows(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as raw:
        return list(
            raw.execute("SELECT client_order_id, seq, status, filled_qty FROM orders ORDER BY seq")
        )


def stopped_log(db: Path, *seqs: int) -> Path:
    """A log as a killed process leaves it: its rows, its lock gone."""
    log = IntentLog(db)
    for seq in seqs:
        assert log.append(order_values(make_order(f"grid-1-{seq}"), seq))
    log.close(written=False)
    return log.path


def test_a_stopped_process_log_is_replayed_once_then_deleted(db: Path) -> None:
    path = stopped_log(db, 1, 2, 3)
    assert orphans(db) == [path]
    assert replay_orphans(db) == (3, 0)
    assert [(cid, seq) for cid, seq, _, _ in rows(db)] == [
        ("grid-1-1", 1), ("grid-1-2", 2), ("grid-1-3", 3)
    ]  # fmt: skip
    assert not path.exists() and orphans(db) == []
    assert replay_orphans(db) == (0, 0)


def test_a_living_process_log_is_left_alone(db: Path) -> None:
    live = IntentLog(db)
    assert live.append(order_values(make_order(), 1))
    assert orphans(db) == [live.path]
    assert replay_orphans(db) == (0, 0)  # locked: its owner writes it
    assert rows(db) == [] and live.path.exists()
    live.close(written=True)
    assert not live.path.exists()


def test_a_replayed_row_never_undoes_a_later_state(db: Path) -> None:
    """The write-behind wrote the order's fill before the process died: the logged `New`
    only fills in a missing sequence."""
    with sqlite3.connect(db) as raw:
        filled = order_values(make_order(status=OrderStatus.FILLED, filled="0.000001"), None)
        raw.execute(SQLITE[ORDER], stored(filled))  # as the write-behind writes it
    stopped_log(db, 4)
    stopped = IntentLog(db)
    assert stopped.append(order_values(make_order(), 5))
    stopped.close(written=False)
    assert replay_orphans(db)[0] == 2
    assert [r for r in rows(db) if r[0] == "grid-1-000001"] == [
        ("grid-1-000001", 5, "Filled", "0.000001")
    ]


def test_an_unreadable_line_is_counted_and_said_not_guessed(
    db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = stopped_log(db, 1)
    with path.open("ab") as file:
        file.write(b'{"client_order_id": "grid-1-2", "se')  # torn
    assert replay_orphans(db) == (1, 1)
    assert "unreadable line" in caplog.text
    assert [r[0] for r in rows(db)] == ["grid-1-1"]


def test_the_log_starts_again_empty_once_everything_is_written(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(write_ahead_log, "TRUNCATE_AT", 600)
    log = IntentLog(db)
    assert log.append(order_values(make_order(), 1))
    log.written_behind()
    assert log.truncations == 0 and log.path.stat().st_size > 0  # short: kept
    for seq in range(2, 6):
        assert log.append(order_values(make_order(f"grid-1-{seq}"), seq))
    log.written_behind()
    assert log.truncations == 1 and log.path.stat().st_size == 0
    assert log.append(order_values(make_order("grid-1-6"), 6))
    assert log.path.read_bytes().count(b"\n") == 1
    log.close(written=True)


async def test_the_journal_replays_a_stopped_process_before_it_reads(db: Path) -> None:
    stopped_log(db, 1, 2)
    journal = SqlJournal(await Database.open(db), fast_path=True)
    try:
        assert await journal.last_sequence("grid-1") == 2
        assert journal.replayed == 2
        await journal.record_order(make_order("grid-1-3"), seq=3)
        assert journal.intent_log is not None
        assert orphans(db) == [journal.intent_log.path]  # its own, not replayed
    finally:
        await journal.close()
    assert orphans(db) == []  # every row written: the log is deleted
    assert [seq for _, seq, _, _ in rows(db)] == [1, 2, 3]


async def test_a_journal_that_could_not_write_keeps_its_log(db: Path) -> None:
    journal = SqlJournal(await Database.open(db), fast_path=True)
    await journal.record_order(make_order(), seq=1)
    assert journal.write_behind is not None
    journal.write_behind.failure = "the disk went away"  # as a failed batch sets it
    await journal.close()
    assert len(orphans(db)) == 1
    assert replay_orphans(db) == (1, 0)


def test_a_paper_reset_takes_a_killed_run_s_log_along(db: Path) -> None:
    """Else the fresh account's first journal would replay the old account's orders."""
    stopped_log(db, 1)
    kept = move_aside(db)
    assert orphans(db) == [] and len(orphans(kept)) == 1
    assert replay_orphans(kept) == (1, 0)
    assert [r[0] for r in rows(kept)] == ["grid-1-1"]


def test_only_a_stopped_process_log_counts_as_one_to_replay(db: Path) -> None:
    live = IntentLog(db)
    assert live.append(order_values(make_order(), 1))
    stopped = stopped_log(db, 2)
    assert sorted(orphans(db)) == sorted([live.path, stopped])
    assert unlocked(db) == [stopped]
    assert unlocked(db) == [stopped]  # asking took no lock for good
    assert live.append(order_values(make_order("grid-1-3"), 3))
    assert replay_orphans(db) == (1, 0)
    live.close(written=True)
