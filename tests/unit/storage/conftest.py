"""Fixtures for the storage tests: every backend (see backends.py), and SQLite-only ones."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from unit.storage.backends import Backend, backend, postgres_backend, postgres_url

from storage import Database, SqlJournal

__all__ = ["backend", "postgres_backend", "postgres_url"]  # fixtures, re-exported for pytest


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "traderagent.db"


@pytest.fixture
async def journal(backend: Backend) -> AsyncIterator[SqlJournal]:
    opened = await SqlJournal.open(backend.target, clock_ms=lambda: 1_000)
    yield opened
    await opened.close()


@pytest.fixture
async def database(backend: Backend) -> AsyncIterator[Database]:
    opened = await Database.open(backend.target)
    yield opened
    await opened.close()


@pytest.fixture
async def sqlite_journal(db_path: Path) -> AsyncIterator[SqlJournal]:
    opened = await SqlJournal.open(db_path, clock_ms=lambda: 1_000)
    yield opened
    await opened.close()
