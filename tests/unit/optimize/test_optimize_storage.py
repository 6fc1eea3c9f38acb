"""Storage URLs for shared Optuna studies: which driver Optuna gets, passwords hidden."""

from __future__ import annotations

import importlib.util

import pytest

from traderagent.optimize.study_storage import StorageError, StudyStorage, shown, storage_url

NO_SYNC_DRIVER = all(importlib.util.find_spec(m) is None for m in ("psycopg2", "psycopg"))


def test_our_asyncpg_urls_run_on_the_greenlet_bridge() -> None:
    url = "postgresql+asyncpg://postgres:secret@127.0.0.1:5432/test"
    assert storage_url(url) == (url, True)


@pytest.mark.skipif(not NO_SYNC_DRIVER, reason="a sync driver is installed: a bare URL keeps it")
def test_a_bare_postgresql_url_uses_asyncpg_without_a_sync_driver() -> None:
    assert storage_url("postgresql://postgres@db:5432/test") == (
        "postgresql+asyncpg://postgres@db:5432/test",
        True,
    )


def test_sqlite_urls_run_directly() -> None:
    assert storage_url("sqlite+aiosqlite:///tmp/study.db") == ("sqlite:///tmp/study.db", False)
    assert storage_url("sqlite:///study.db") == ("sqlite:///study.db", False)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u@h/db", "mysql databases are not supported"),
        ("not a url", "is not a database URL"),
        ("postgresql+pg8000://u@h/db", "pg8000 driver is not installed"),
    ],
)
def test_unusable_urls_are_refused(url: str, message: str) -> None:
    if message.startswith("pg8000") and importlib.util.find_spec("pg8000") is not None:
        pytest.skip("pg8000 is installed here")
    with pytest.raises(StorageError, match=message):
        storage_url(url)


def test_passwords_never_reach_messages() -> None:
    assert shown("postgresql+asyncpg://me:hunter2@h/db") == "postgresql+asyncpg://me:***@h/db"
    with pytest.raises(StorageError) as caught:
        storage_url("mysql://me:hunter2@h/db")
    assert "hunter2" not in str(caught.value)


def test_an_unreachable_server_is_reported_without_the_password() -> None:
    with pytest.raises(StorageError) as caught:
        StudyStorage("postgresql+asyncpg://me:hunter2@127.0.0.1:1/nothing")
    assert "cannot open postgresql+asyncpg://me:***@127.0.0.1:1/nothing" in str(caught.value)
    assert "hunter2" not in str(caught.value)
