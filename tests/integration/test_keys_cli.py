"""`traderagent keys ...` as a user runs it: the secret never reaches the screen or the disk."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from unit.storage.backends import Backend, postgres_backend, postgres_execute, postgres_url

__all__ = ["postgres_backend", "postgres_url"]  # fixtures

API_KEY = "BYBITkey0123456789XYZ"
SECRET = "top-Secret-9f8e7d6c5b4a-never-shown"
PRIVATE = (
    "TRADERAGENT_ENCRYPTION_KEY",
    "TRADERAGENT_NEW_ENCRYPTION_KEY",
    "TRADERAGENT_DATABASE_URL",
)


def run_keys(
    *args: str, home: Path, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in PRIVATE}
    result = subprocess.run(
        [sys.executable, "-m", "traderagent", "keys", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=home,
        env={
            **clean,
            "TRADERAGENT_DATA_DIR": str(home / "data"),
            "TRADERAGENT_CONFIG_DIR": str(home / "config"),
            **(env or {}),
        },
        timeout=120,
        check=False,
    )
    shown = result.stdout + result.stderr
    assert SECRET not in shown and API_KEY not in shown, shown
    assert "Traceback" not in result.stderr
    return result


def _stored_bytes(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file())


def test_add_list_rotate_remove_with_a_key_file(tmp_path: Path) -> None:
    added = run_keys("add", "bybit-main", "--api-key", API_KEY, home=tmp_path, stdin=SECRET + "\n")
    assert added.returncode == 0, added.stderr
    key_file = tmp_path / "config" / "encryption.key"
    assert added.stdout.splitlines() == [
        f"created encryption key file {key_file} (mode 0600): back it up, the stored keys "
        "cannot be decrypted without it",
        f"stored bybit-main: key BYBI…9XYZ, encrypted with key file {key_file}",
    ]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    stored = _stored_bytes(tmp_path / "data")
    assert b"exchange_credentials" in stored
    assert SECRET.encode() not in stored and API_KEY.encode() not in stored

    listed = run_keys("list", home=tmp_path)
    assert listed.returncode == 0
    assert listed.stdout.splitlines()[1].split()[:2] == ["bybit-main", "BYBI…9XYZ"]

    duplicate = run_keys(
        "add", "bybit-main", "--api-key", API_KEY, "--api-secret", SECRET, home=tmp_path
    )
    assert duplicate.returncode == 1
    assert "'bybit-main' exists already" in duplicate.stderr

    old_key = key_file.read_bytes()
    rotated = run_keys("rotate-key", home=tmp_path)
    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout == f"re-encrypted 1 API key(s) with a new key in {key_file}\n"
    assert key_file.read_bytes() != old_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert run_keys("list", home=tmp_path).stdout.count("BYBI…9XYZ") == 1

    assert run_keys("remove", "bybit-main", home=tmp_path).stdout == "removed bybit-main\n"
    gone = run_keys("remove", "bybit-main", home=tmp_path)
    assert (gone.returncode, gone.stderr) == (1, "error: no API key named 'bybit-main'\n")

    with sqlite3.connect(tmp_path / "data" / "traderagent.db") as raw:
        audit = raw.execute("SELECT command, target, outcome FROM audit_log ORDER BY id").fetchall()
    raw.close()
    assert audit == [
        ("keys add", "bybit-main", "ok"),
        ("keys rotate-key", "*", "ok: 1 re-encrypted"),
        ("keys remove", "bybit-main", "ok"),
    ]


def test_wrong_or_malformed_key_is_a_clear_error(tmp_path: Path) -> None:
    right, wrong = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    args = ("--api-key", API_KEY, "--api-secret", SECRET)
    env = {"TRADERAGENT_ENCRYPTION_KEY": right}
    assert run_keys("add", "main", *args, home=tmp_path, env=env).returncode == 0
    assert not (tmp_path / "config").exists()  # the environment key needs no file

    listed = run_keys("list", home=tmp_path, env={"TRADERAGENT_ENCRYPTION_KEY": wrong})
    assert listed.returncode == 1
    assert "(wrong encryption key)" in listed.stdout
    assert "cannot be decrypted with TRADERAGENT_ENCRYPTION_KEY" in listed.stderr

    malformed = run_keys("list", home=tmp_path, env={"TRADERAGENT_ENCRYPTION_KEY": "hunter2"})
    assert malformed.returncode == 1
    assert "TRADERAGENT_ENCRYPTION_KEY is not a Fernet key" in malformed.stderr
    assert "hunter2" not in malformed.stderr


def test_adding_under_another_key_than_the_stored_ones_is_refused(tmp_path: Path) -> None:
    first, other = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    args = ("--api-key", API_KEY, "--api-secret", SECRET)
    added = run_keys("add", "main", *args, home=tmp_path, env={"TRADERAGENT_ENCRYPTION_KEY": first})
    assert added.returncode == 0, added.stderr

    mixed = run_keys(
        "add", "spare", *args, home=tmp_path, env={"TRADERAGENT_ENCRYPTION_KEY": other}
    )
    assert mixed.returncode == 1
    assert mixed.stderr.startswith("error: not adding 'spare': the credentials already in")
    assert "another encryption key than the one from TRADERAGENT_ENCRYPTION_KEY" in mixed.stderr
    with sqlite3.connect(tmp_path / "data" / "traderagent.db") as db:
        names = [row[0] for row in db.execute("SELECT name FROM exchange_credentials")]
    assert names == ["main"]  # not mixed in
    listed = run_keys("list", home=tmp_path, env={"TRADERAGENT_ENCRYPTION_KEY": first})
    assert listed.returncode == 0, listed.stderr  # one key still opens them all


def test_rotating_an_environment_key_needs_the_new_one(tmp_path: Path) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    env = {"TRADERAGENT_ENCRYPTION_KEY": old}
    run_keys("add", "main", "--api-key", API_KEY, home=tmp_path, env=env, stdin=SECRET)

    refused = run_keys("rotate-key", home=tmp_path, env=env)
    assert refused.returncode == 2
    assert "TRADERAGENT_NEW_ENCRYPTION_KEY" in refused.stderr

    rotated = run_keys(
        "rotate-key", home=tmp_path, env={**env, "TRADERAGENT_NEW_ENCRYPTION_KEY": new}
    )
    assert rotated.returncode == 0, rotated.stderr
    assert "now set TRADERAGENT_ENCRYPTION_KEY to the new key" in rotated.stdout
    assert run_keys("list", home=tmp_path, env=env).returncode == 1
    after = run_keys("list", home=tmp_path, env={"TRADERAGENT_ENCRYPTION_KEY": new})
    assert after.returncode == 0 and "BYBI…9XYZ" in after.stdout


PHRASE = "okx-Phrase-4711-never-shown"


def test_a_passphrase_is_read_from_stdin_stored_encrypted_and_never_shown(tmp_path: Path) -> None:
    added = run_keys(
        "add", "okx-main", "--api-key", API_KEY, "--passphrase", home=tmp_path,
        stdin=f"{SECRET}\n{PHRASE}\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout.splitlines()[-1].startswith("stored okx-main: key BYBI…9XYZ and passphrase")
    assert PHRASE not in added.stdout + added.stderr
    stored = _stored_bytes(tmp_path / "data")
    assert b"exchange_credentials" in stored and PHRASE.encode() not in stored
    listed = run_keys("list", home=tmp_path)
    assert listed.stdout.splitlines()[1].endswith("+ passphrase")
    assert PHRASE not in listed.stdout

    empty = run_keys(
        "add", "okx-2", "--api-key", API_KEY, "--passphrase", home=tmp_path, stdin=f"{SECRET}\n\n"
    )
    assert empty.returncode == 2
    assert empty.stderr == "error: --passphrase: the passphrase must not be empty\n"


def test_an_empty_secret_is_a_usage_error(tmp_path: Path) -> None:
    result = run_keys("add", "main", "--api-key", API_KEY, home=tmp_path, stdin="\n")
    assert result.returncode == 2
    assert result.stderr == "error: the API key and the API secret must not be empty\n"
    assert not (tmp_path / "data").exists()


async def test_keys_on_postgres_are_encrypted(postgres_backend: Backend, tmp_path: Path) -> None:
    url = postgres_backend.target
    added = run_keys("add", "pg", "--url", url, "--api-key", API_KEY, home=tmp_path, stdin=SECRET)
    assert added.returncode == 0, added.stderr
    listed = run_keys("list", "--url", url, home=tmp_path)
    assert "BYBI…9XYZ" in listed.stdout
    rows = await postgres_execute(url, "SELECT name, token FROM exchange_credentials")
    assert [row["name"] for row in rows] == ["pg"]
    assert SECRET not in rows[0]["token"] and API_KEY not in rows[0]["token"]
