"""Database targets: a file path or a sqlite/postgresql URL, turned into an async-driver URL."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from storage.errors import StorageError

SQLITE_DRIVER = "sqlite+aiosqlite"
POSTGRES_DRIVER = "postgresql+asyncpg"
_MEMORY = ("", ":memory:")


def sqlite_url(path: Path) -> str:
    """The async SQLite URL of a database file, e.g. `sqlite+aiosqlite:////var/lib/ta.db`."""
    return f"{SQLITE_DRIVER}:///{path.expanduser()}"


def resolve_url(target: str | Path) -> URL:
    """Turn a URL or a plain filesystem path into an async-driver URL (sqlite or postgresql)."""
    if isinstance(target, Path):
        return make_url(sqlite_url(target))
    text = target.strip()
    if not text:
        raise StorageError("no database given: pass a file path or a sqlite/postgresql URL")
    if text == ":memory:":
        return make_url(f"{SQLITE_DRIVER}://")
    if "://" not in text:
        return make_url(sqlite_url(Path(text)))
    try:
        url = make_url(text)
    except (ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number
        raise StorageError(
            f"cannot parse database URL {masked(text)!r}. "
            "Expected e.g. sqlite:///path/to/traderagent.db or postgresql://user@host/db"
        ) from exc
    backend = url.get_backend_name()
    if backend == "sqlite":
        database = url.database or ""
        if database not in _MEMORY:
            url = url.set(database=str(Path(database).expanduser()))
        return url.set(drivername=SQLITE_DRIVER)
    if backend in ("postgresql", "postgres"):
        return url.set(drivername=POSTGRES_DRIVER)
    raise StorageError(
        f"unsupported database {backend!r} in {shown(url)}: use a sqlite:// or postgresql:// URL"
    )


_CREDENTIALS = re.compile(r"(://[^/@:]*:)[^@]*@")


def masked(text: str) -> str:
    """A URL as typed, its password (anything between `user:` and `@`) replaced by `***`:
    for messages about text that may not even parse as a URL."""
    return _CREDENTIALS.sub(r"\1***@", text)


def has_password(target: str) -> bool:
    """Whether a database target (a URL or a path) carries a password."""
    if "://" not in target:
        return False
    try:
        return bool(make_url(target.strip()).password)
    except ArgumentError:
        return _CREDENTIALS.search(target) is not None


def shown(url: URL) -> str:
    """The URL with its password hidden: safe to log, print or put in an error message."""
    return url.render_as_string(hide_password=True)


def is_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and (url.database or "") in _MEMORY


def sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL; None for PostgreSQL or an in-memory database."""
    if url.get_backend_name() != "sqlite" or is_memory(url):
        return None
    return Path(url.database or "")


def is_postgres(url: URL) -> bool:
    return url.get_backend_name() == "postgresql"
