"""Fixtures for the storage tests: a journal on a fresh SQLite file under tmp_path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import SqlJournal


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "traderagent.db"


@pytest.fixture
async def journal(db_path: Path) -> AsyncIterator[SqlJournal]:
    opened = await SqlJournal.open(db_path, clock_ms=lambda: 1_000)
    yield opened
    await opened.close()
