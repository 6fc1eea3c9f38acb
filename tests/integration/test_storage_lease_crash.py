"""A bot's lease dies with its process: a killed holder frees the bot for the next one."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
import time

import pytest
from unit.storage.backends import Backend, backend, postgres_url

from storage import Database, LeaseError, acquire_lease

__all__ = ["backend", "postgres_url"]  # fixtures

HOLD = """
import asyncio, sys
from storage import Database, acquire_lease

async def main() -> None:
    database = await Database.open(sys.argv[1])
    lease = await acquire_lease(database, "grid-btc")
    print("held", flush=True)
    await asyncio.sleep(600)
    await lease.release()

asyncio.run(main())
"""


async def _acquire_within(database: Database, seconds: float) -> None:
    # The server notices a killed client's socket close a moment after the kill.
    deadline = time.monotonic() + seconds
    while True:
        try:
            await (await acquire_lease(database, "grid-btc")).release()
            return
        except LeaseError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


async def test_lease_of_a_killed_process_is_free_again(backend: Backend) -> None:
    database = await Database.open(backend.target)  # the schema exists before the child runs
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        HOLD,
        backend.target,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert child.stdout is not None and child.stderr is not None
        line = await asyncio.wait_for(child.stdout.readline(), timeout=60)
        if line != b"held\n":
            pytest.fail(f"the child did not take the lease: {await child.stderr.read()!r}")

        with pytest.raises(LeaseError) as refused:
            await acquire_lease(database, "grid-btc")
        assert str(refused.value) == (
            f"bot grid-btc is already running in process {child.pid} on host "
            f"{socket.gethostname()}; stop it first"
        )

        child.send_signal(signal.SIGKILL)
        assert await asyncio.wait_for(child.wait(), timeout=30) == -signal.SIGKILL
        await _acquire_within(database, 10.0)
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
        await database.close()
