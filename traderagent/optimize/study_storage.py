"""Where an Optuna study lives: in memory, or in a database that several machines share.

Optuna's RDB storage drives SQLAlchemy synchronously. The URL may name any SQLAlchemy
database; our own `postgresql+asyncpg://` form is accepted too. When the URL's driver is
asyncpg (or a bare `postgresql://` whose default sync driver is not installed, as in this
project's environment), Optuna's storage runs on the asyncpg dialect through SQLAlchemy's greenlet
bridge: each storage call is a greenlet on a private event loop, the way SQLAlchemy's own
AsyncEngine runs sync code. `sqlite+aiosqlite://` becomes plain `sqlite://`.

Many workers may open the same PostgreSQL storage at the same moment: creating Optuna's tables
(and a study) is serialised by a PostgreSQL advisory lock (`SCHEMA_LOCK`), so the second
worker finds them made instead of racing the first into a duplicate key on `pg_type`. With
`heartbeat=True` the storage keeps a heartbeat per running trial (`HEARTBEAT_S`): a trial
whose heartbeat is older than `GRACE_S` (its worker died) is failed by the next worker that
looks and queued again for another to run (`RetryHeartbeatStaleTrialCallback`).
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")
SCHEMA_LOCK = 0x7472_6164_6F70_74  # "tradopt": the advisory lock around table/study creation
HEARTBEAT_S = 5
"""Seconds between heartbeats of a running trial."""
GRACE_S = 15
"""A running trial with no heartbeat for longer than this is failed and queued again."""
MAX_RETRY = 3
"""Times a trial whose worker died is queued again."""
DRIVER_MODULES = {"psycopg2": "psycopg2", "psycopg": "psycopg", "pg8000": "pg8000"}
"""The module each synchronous PostgreSQL driver of SQLAlchemy needs."""


class StorageError(ValueError):
    """A storage URL that cannot be used; the message hides any password."""


class StorageUnavailable(StorageError):
    """The storage's server cannot be reached or refused us (the URL itself is fine)."""


def shown(url: str) -> str:
    """The URL as it may be printed (password hidden)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unparseable URL)"


def storage_url(url: str) -> tuple[str, bool]:
    """The URL Optuna is given, and whether it needs the greenlet bridge (asyncpg)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StorageError(
            f"--storage: {shown(url)} is not a database URL "
            "(e.g. postgresql+asyncpg://user@host:5432/db or sqlite:///study.db)"
        ) from None
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False), False
    if backend == "postgresql":
        bare = "+" not in parsed.drivername
        if driver == "asyncpg" or (bare and not _has(DRIVER_MODULES.get(driver, driver))):
            converted = parsed.set(drivername="postgresql+asyncpg")
            return converted.render_as_string(hide_password=False), True
        if not _has(DRIVER_MODULES.get(driver, driver)):
            raise StorageError(
                f"--storage: the {driver} driver is not installed; use postgresql+asyncpg://..."
            )
        return url, False
    raise StorageError(
        f"--storage: {backend} databases are not supported; use PostgreSQL "
        "(postgresql+asyncpg://...) or SQLite (sqlite:///FILE)"
    )


class StudyStorage:
    """An Optuna storage and the way to call it (`call` runs any function that touches it)."""

    def __init__(self, url: str | None, *, heartbeat: bool = False, create: bool = True) -> None:
        self.url = url
        self.label = shown(url) if url else "memory"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._target = ""
        self.storage: Any = None
        if url is None:
            return
        target, bridged = storage_url(url)
        self._target = target
        if bridged:
            self._loop = asyncio.new_event_loop()
        import optuna
        from sqlalchemy.exc import SQLAlchemyError

        options: dict[str, Any] = {"skip_table_creation": not create}
        if not create:
            options["skip_compatibility_check"] = True
        if heartbeat:
            options["heartbeat_interval"] = HEARTBEAT_S
            options["grace_period"] = GRACE_S
            options["heartbeat_stale_trial_callback"] = (
                optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=MAX_RETRY)
            )
        try:
            self.storage = self.exclusive(optuna.storages.RDBStorage, target, **options)
        except optuna.exceptions.StorageInternalError as err:
            self.close()
            cause = _first_line(err.__cause__ or err)
            raise StorageUnavailable(
                f"--storage: {self.label} holds no Optuna study ({cause})"
            ) from None
        except (SQLAlchemyError, OSError) as err:
            self.close()
            raise StorageUnavailable(
                f"--storage: cannot open {self.label}: {_first_line(err)}"
            ) from None

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(*args, **kwargs)`, inside the greenlet bridge when the storage needs it."""
        if self._loop is None:
            return fn(*args, **kwargs)
        from sqlalchemy.util.concurrency import greenlet_spawn

        return self._loop.run_until_complete(greenlet_spawn(fn, *args, **kwargs))

    def exclusive(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`call(fn, ...)` holding the PostgreSQL advisory lock `SCHEMA_LOCK` (other storages:
        plain `call`), for what must not run in two workers at once (creating the tables, a
        study)."""
        if self.url is None or not self._target.startswith("postgresql"):
            return self.call(fn, *args, **kwargs)
        result: T = self.call(_locked, self._target, fn, *args, **kwargs)
        return result

    def close(self) -> None:
        engine = getattr(self.storage, "engine", None)
        if engine is not None:
            self.call(engine.dispose)
        self.storage = None
        if self._loop is not None:
            self._loop.close()
            self._loop = None

    def __enter__(self) -> StudyStorage:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def _locked(target: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(...)` while this connection holds the advisory lock (released when it closes)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(target, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SCHEMA_LOCK})
            connection.commit()
            try:
                return fn(*args, **kwargs)
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEMA_LOCK})
                connection.commit()
    finally:
        engine.dispose()


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _first_line(err: BaseException) -> str:
    text = str(getattr(err, "orig", None) or err)
    return text.splitlines()[0] if text else type(err).__name__
