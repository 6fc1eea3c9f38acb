"""A locked database, a full disk and a read-only directory are named as such, never as a
corrupt file to move away; a mid-run failure ends the CLI with one line, not a traceback."""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import traderagent.commands.config
from storage import Database, StorageError
from storage.sqlite_files import inspect_sqlite_file
from storage.sqlite_problems import cause
from traderagent.cli import main


@pytest.mark.parametrize(
    "error, says",
    [
        (sqlite3.OperationalError("database is locked"), "locked by another process"),
        (sqlite3.OperationalError("database or disk is full"), "disk holding the database is full"),
        (sqlite3.OperationalError("unable to open database file"), "read-only"),
        (sqlite3.OperationalError("attempt to write a readonly database"), "read-only"),
        (OSError(errno.ENOSPC, "No space left on device"), "the disk is full"),
    ],
)
def test_environmental_causes_are_named(error: BaseException, says: str) -> None:
    wrapped = RuntimeError("the engine stopped")
    wrapped.__cause__ = error
    found = cause(wrapped)
    assert found is not None and says in found
    assert cause(sqlite3.DatabaseError("database disk image is malformed")) is None


async def test_a_locked_database_is_named_locked_and_left_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("storage.sqlite_files.LOCK_WAIT_S", 0.2)
    path = tmp_path / "locked.db"
    await (await Database.open(path)).close()
    before = path.read_bytes()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StorageError) as err:
            await Database.open(path)
    finally:
        holder.close()
    assert "locked by another process" in str(err.value)
    assert "corrupt" not in str(err.value) and "move it" not in str(err.value)
    assert path.read_bytes() == before


@pytest.fixture
def small_mount(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB tmpfs (root only: skipped where it cannot be mounted)."""
    where = tmp_path / "mnt"
    where.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(where)],  # noqa: S607
        capture_output=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr!r}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)  # noqa: S607


async def test_a_read_only_directory_is_not_called_corrupt(small_mount: Path) -> None:
    path = small_mount / "ro.db"
    await (await Database.open(path)).close()
    remount = ["mount", "-o", "remount,ro", str(small_mount)]
    subprocess.run(remount, check=True)  # noqa: S603, ASYNC221 - a mount, at once
    state = inspect_sqlite_file(path)  # read as it is, though SQLite cannot add its -shm file
    assert state.is_current
    with pytest.raises(StorageError) as err:
        await Database.open(path)
    assert "corrupt" not in str(err.value) and "writable" in str(err.value)


async def test_a_full_disk_is_not_called_corrupt(small_mount: Path) -> None:
    path = small_mount / "full.db"
    await (await Database.open(path)).close()
    before = path.read_bytes()
    with pytest.raises(OSError), (small_mount / "filler").open("wb") as handle:  # noqa: PT012
        while True:
            handle.write(b"\0" * 65536)
            handle.flush()
    with pytest.raises(StorageError) as err:
        await Database.open(path)
    assert "full" in str(err.value)
    assert "corrupt" not in str(err.value) and "move it" not in str(err.value)
    assert path.read_bytes() == before


def test_a_failure_mid_run_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def full(path: Path) -> int:
        raise RuntimeError("the journal failed") from sqlite3.OperationalError(
            "database or disk is full"
        )

    monkeypatch.setattr(traderagent.commands.config, "config_check", full)
    assert main(["config", "check", str(tmp_path / "x.yaml")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the disk holding the database is full") and err.count("\n") == 1
