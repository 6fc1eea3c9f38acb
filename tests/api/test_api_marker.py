"""The daemon marker: where it lives, what it says, and whose it is to remove."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from traderagent.api.marker import (
    live_daemon,
    marker_path,
    read_marker,
    remove_marker,
    write_marker,
)
from traderagent.wiring.runtime import database_label


def test_a_sqlite_database_has_its_marker_beside_it(tmp_path: Path) -> None:
    db = tmp_path / "trading.db"
    path = marker_path(db, str(db))
    assert path == tmp_path / "trading.db.daemon.json"
    written = write_marker(path, "http://127.0.0.1:8080", str(db))
    assert read_marker(path) == written
    assert live_daemon(path) is None  # our own process is not "another daemon"
    remove_marker(path)
    assert not path.exists()
    remove_marker(path)  # already gone: nothing to do


def test_a_server_database_is_keyed_by_its_label_without_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADERAGENT_DATA_DIR", str(tmp_path))
    url = "postgresql+asyncpg://trader:s3cret@db.example:5432/trading"
    label = database_label(url)
    assert "s3cret" not in label
    path = marker_path(url, label)
    assert path.parent == tmp_path / "daemons"
    write_marker(path, "http://10.0.0.5:8080", label)
    assert "s3cret" not in path.read_text()
    assert marker_path(url, database_label(url)) == path  # the same database, the same marker


def test_another_live_daemons_marker_is_never_removed(tmp_path: Path) -> None:
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        path = tmp_path / "d.db.daemon.json"
        write_marker(path, "http://127.0.0.1:8080", "d.db")
        path.write_text(path.read_text().replace(str(os.getpid()), str(other.pid)))
        found = live_daemon(path)
        assert found is not None and found.pid == other.pid
        remove_marker(path)
        assert path.exists()
    finally:
        other.kill()
        other.wait()
    assert live_daemon(path) is None  # its process is gone: a stale marker
    path.write_text("{not json")
    assert read_marker(path) is None
