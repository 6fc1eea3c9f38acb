"""The SQLite driver must never hang the event loop's shutdown.

Seen in a CI run: a TUI test's teardown waited forever in `_cancel_all_tasks`, on SQLAlchemy's
`_terminate_graceful_close` (a connection invalidated by a cancellation). SQLAlchemy closes such
a connection gracefully, shielded, and when that is cancelled it force-closes it with aiosqlite's
`stop()`; aiosqlite 0.22's `close()` then awaits a second stop that the already stopped worker
never answers (sqlalchemy#13039, aiosqlite#369). aiosqlite is pinned below 0.22 for this; the
test fails if a driver with that sequence comes back."""

from __future__ import annotations

import asyncio

import aiosqlite
from sqlalchemy.ext.asyncio import create_async_engine


async def test_a_graceful_close_overtaken_by_a_force_close_returns() -> None:
    engine = create_async_engine("sqlite+aiosqlite://")
    try:
        force_closes = engine.dialect.has_terminate  # SQLAlchemy calls aiosqlite's stop() then
    finally:
        await engine.dispose()
    connection = await aiosqlite.connect(":memory:")
    closing = asyncio.create_task(connection.close())  # the shielded graceful close
    await asyncio.sleep(0)  # it has queued sqlite's close on the worker
    if force_closes:
        connection.stop()  # type: ignore[attr-defined]  # the force close on cancellation
    done, _ = await asyncio.wait({closing}, timeout=30)
    assert done, "aiosqlite's close() never returned after a force close: the loop would hang"
