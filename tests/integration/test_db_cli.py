"""`traderagent db upgrade|current` as a user runs them: messages, exit codes, backups."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from unit.storage.backends import Backend, postgres_backend, postgres_url
from unit.storage.legacy import make_legacy_sqlite

from storage.schema_version import HEAD_REVISION

__all__ = ["postgres_backend", "postgres_url"]  # fixtures


def run_db(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("TRADERAGENT_DATABASE_URL",)}
    return subprocess.run(
        [sys.executable, "-m", "traderagent", "db", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**clean, "TRADERAGENT_DATA_DIR": str(cwd / "data"), **(env or {})},
        timeout=120,
        check=False,
    )


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_upgrade_creates_then_current_reports_up_to_date(tmp_path: Path) -> None:
    db = tmp_path / "ta.db"
    missing = run_db("current", "--db", str(db), cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr == f"error: no database at {db}: `traderagent db upgrade` creates one\n"
    assert not db.exists()

    created = run_db("upgrade", "--db", str(db), cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert created.stdout == f"{db}: upgraded from empty to revision {HEAD_REVISION}\n"

    current = run_db("current", "--db", str(db), cwd=tmp_path)
    assert current.returncode == 0
    assert (
        current.stdout
        == f"{db}: revision {HEAD_REVISION}, this program's head {HEAD_REVISION} (up to date)\n"
    )
    again = run_db("upgrade", "--db", str(db), cwd=tmp_path)
    assert again.stdout == f"{db}: already at revision {HEAD_REVISION}, nothing to do\n"


def test_without_flags_the_default_database_or_the_env_url_is_used(tmp_path: Path) -> None:
    default = run_db("upgrade", cwd=tmp_path)
    assert default.returncode == 0, default.stderr
    assert (tmp_path / "data" / "traderagent.db").is_file()
    other = tmp_path / "other.db"
    from_env = run_db(
        "upgrade", cwd=tmp_path, env={"TRADERAGENT_DATABASE_URL": f"sqlite:///{other}"}
    )
    assert from_env.returncode == 0, from_env.stderr
    assert other.is_file()


def test_previous_version_file_is_backed_up_and_upgraded(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    make_legacy_sqlite(db)
    before = _digest(db)
    status = run_db("current", "--db", str(db), cwd=tmp_path)
    assert "revision (none)" in status.stdout and "created before migrations" in status.stdout
    assert _digest(db) == before  # `current` changes nothing

    upgraded = run_db("upgrade", "--db", str(db), cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    lines = upgraded.stdout.splitlines()
    assert lines[0] == f"{db}: upgraded from legacy to revision {HEAD_REVISION}"
    backup = Path(lines[1].split(": ", 1)[1])
    assert backup.parent == tmp_path and backup.name.startswith("old.db.bak-legacy-")
    with sqlite3.connect(backup) as raw:
        assert raw.execute("SELECT client_order_id FROM orders").fetchall() == [("grid-btc-7",)]
    raw.close()


def test_refused_files_are_left_untouched_with_exit_1(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"\x00not sqlite at all" * 100)
    newer = tmp_path / "newer.db"
    assert run_db("upgrade", "--db", str(newer), cwd=tmp_path).returncode == 0
    with sqlite3.connect(newer) as raw:
        raw.execute("UPDATE alembic_version SET version_num = 'f00d'")
    raw.close()
    digests = {path: _digest(path) for path in (junk, newer)}

    for path, message in ((junk, "is not a SQLite database"), (newer, "newer than this")):
        result = run_db("upgrade", "--db", str(path), cwd=tmp_path)
        assert result.returncode == 1
        assert result.stderr.startswith(f"error: {path}")
        assert message in result.stderr
        assert "Traceback" not in result.stderr
    current = run_db("current", "--db", str(newer), cwd=tmp_path)
    assert current.returncode == 1
    assert "revision f00d" in current.stdout and "upgrade TraderAgent" in current.stdout
    assert {path: _digest(path) for path in digests} == digests
    assert not list(tmp_path.glob("*.bak-*"))


def test_unreachable_postgres_is_a_clear_error(tmp_path: Path) -> None:
    result = run_db("upgrade", "--url", "postgresql://ta:pa55word@127.0.0.1:1/ta", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot connect to PostgreSQL at 127.0.0.1:1")
    assert "pa55word" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_both_flags_are_a_usage_error(tmp_path: Path) -> None:
    result = run_db("current", "--db", "a.db", "--url", "sqlite:///b.db", cwd=tmp_path)
    assert result.returncode == 2
    assert "not allowed with argument" in result.stderr


def test_upgrade_and_current_on_postgres(postgres_backend: Backend, tmp_path: Path) -> None:
    url = postgres_backend.target
    upgraded = run_db("upgrade", "--url", url, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.endswith(f": upgraded from empty to revision {HEAD_REVISION}\n")
    current = run_db("current", "--url", url, cwd=tmp_path)
    assert current.returncode == 0
    assert f"revision {HEAD_REVISION}" in current.stdout and "(up to date)" in current.stdout


def test_a_url_in_db_is_a_url_and_its_password_is_refused_unseen(tmp_path: Path) -> None:
    db = tmp_path / "by-url.db"
    created = run_db("upgrade", "--db", f"sqlite:///{db}", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert db.is_file() and not (tmp_path / "sqlite:").exists()
    refused = run_db("current", "--db", "postgresql://ta:pa55word@127.0.0.1:1/ta", cwd=tmp_path)
    assert refused.returncode == 2
    assert "pa55word" not in refused.stdout + refused.stderr
    assert "postgresql://ta:***@127.0.0.1:1/ta" in refused.stderr
    assert not (tmp_path / "postgresql:").exists()
