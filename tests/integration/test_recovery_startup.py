"""Starting over a database that is in use, corrupt or too new: a clear error and a non-zero
exit from `traderagent run --headless`, never a traceback, and the file left as it was."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
from pathlib import Path

from crash_harness import child_env, headless
from kit.factories import SMALL_CONFIG, write_config

from traderagent.config import parse_config
from traderagent.wiring.runtime import LeasedJournal, build_engine

PACED = SMALL_CONFIG.replace("speed: max", "speed: 600")


def run(command: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, capture_output=True, text=True, env=child_env(tmp_path), timeout=120, check=False
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_second_process_on_the_same_bot_stops_with_the_holder_named(tmp_path: Path) -> None:
    config = write_config(tmp_path, PACED)
    db = tmp_path / "leased.db"
    first = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        headless(config, db, "--duration", "30"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(tmp_path),
    )
    try:
        assert first.stdout is not None
        assert "TraderAgent PAPER" in first.stdout.readline()  # it runs, holding the lease
        second = run(headless(config, db), tmp_path)
    finally:
        first.terminate()
        first.communicate(timeout=60)
    assert second.returncode == 1
    assert f"error: bot grid-btc is already running in process {first.pid}" in second.stderr
    assert "Traceback" not in second.stderr
    assert first.returncode == 0  # the first one was not disturbed


async def test_a_lease_is_given_back_when_the_engine_closes(tmp_path: Path) -> None:
    config = parse_config(SMALL_CONFIG, "c.yaml", {})
    first = await build_engine(config, tmp_path / "l.db")
    await first.engine.close()
    again = await build_engine(config, tmp_path / "l.db")  # the same process may take it again
    journal = again.journal
    assert isinstance(journal, LeasedJournal)
    assert [lease.bot for lease in journal.leases] == ["grid-btc"]
    await again.engine.close()
    assert journal.leases == []


def test_a_corrupt_database_is_a_clear_error_and_is_left_untouched(tmp_path: Path) -> None:
    db = tmp_path / "corrupt.db"
    db.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 16)
    before = digest(db)
    result = run(headless(write_config(tmp_path), db), tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: database:") and "corrupt" in result.stderr
    assert "Traceback" not in result.stderr
    assert digest(db) == before


def test_a_database_from_a_newer_traderagent_is_refused_and_left_untouched(
    tmp_path: Path,
) -> None:
    db = tmp_path / "newer.db"
    config = write_config(tmp_path)
    assert run(headless(config, db), tmp_path).returncode == 0
    with sqlite3.connect(db) as conn:
        conn.execute("update alembic_version set version_num = '9999'")
    before = digest(db)
    result = run(headless(config, db), tmp_path)
    assert result.returncode == 1
    assert "newer than this TraderAgent" in result.stderr and "Traceback" not in result.stderr
    assert digest(db) == before
    assert not list(tmp_path.glob("newer.db.bak-*"))  # not even a backup was made
