"""The storage backends the storage tests run on: a SQLite file, and PostgreSQL when asked.

PostgreSQL comes from TRADERAGENT_TEST_POSTGRES_URL. Each test run creates a database of its
own on that server (dropped at the end), and every test starts from an empty schema in it.
Import the fixtures into a conftest or test module: `from unit.storage.backends import ...`.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from sqlalchemy.engine import make_url

POSTGRES_ENV = "TRADERAGENT_TEST_POSTGRES_URL"
SKIP_REASON = (
    f"PostgreSQL storage tests need {POSTGRES_ENV}: export "
    f"{POSTGRES_ENV}=postgresql+asyncpg://postgres@127.0.0.1:5432/test (.ci/run sets it)"
)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

T = TypeVar("T")


@dataclass(frozen=True)
class Backend:
    """Where a test's database lives: `target` is what Database.open takes."""

    name: str
    target: str
    file: Path | None = None


def file_names(directory: Path, pattern: str = "*") -> list[str]:
    """The names of the files in a directory (sync: async tests must not touch paths)."""
    return sorted(path.name for path in directory.glob(pattern))


def asyncpg_dsn(url: str) -> str:
    """The plain libpq DSN asyncpg wants, from a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def run_blocking(make: Callable[[], Awaitable[T]]) -> T:
    # A loop of its own on another thread: never disturbs the test's event loop.
    async def main() -> T:
        return await make()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main()).result()


async def _admin(url: str, *statements: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url), timeout=10)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of this test run's own on the PostgreSQL server; dropped afterwards."""
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(SKIP_REASON)
    name = f"ta_test_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        run_blocking(lambda: _admin(server, f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(f"{POSTGRES_ENV}={server}: cannot create a test database there: {exc}")
    url = make_url(server).set(drivername="postgresql+asyncpg", database=name)
    yield url.render_as_string(hide_password=False)
    run_blocking(lambda: _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def reset_postgres(url: str) -> None:
    await _admin(url, "DROP SCHEMA IF EXISTS public CASCADE", "CREATE SCHEMA public")


async def postgres_execute(url: str, statement: str, *args: Any) -> list[Any]:
    """Run one statement on the test database outside SQLAlchemy; returns the rows."""
    connection = await asyncpg.connect(asyncpg_dsn(url), timeout=10)
    try:
        return list(await connection.fetch(statement, *args))
    finally:
        await connection.close()


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """Each test on a fresh SQLite file, then on an empty PostgreSQL schema."""
    if request.param == "sqlite":
        file = tmp_path / "data" / "traderagent.db"
        yield Backend("sqlite", str(file), file)
        return
    url: str = request.getfixturevalue("postgres_url")
    await reset_postgres(url)
    yield Backend("postgresql", url)


@pytest.fixture
async def postgres_backend(postgres_url: str) -> AsyncIterator[Backend]:
    """Only PostgreSQL, for tests about it alone (mark them `@pytest.mark.postgres`)."""
    await reset_postgres(postgres_url)
    yield Backend("postgresql", postgres_url)
