"""On PostgreSQL the bot's lease is an advisory lock: a second `traderagent run --headless` on
a bot that is running stops with the holder named and exit 1, leaving the first one alone,
and once the holder is SIGKILLed the next start takes the bot over."""

from __future__ import annotations

import asyncio
import signal
import socket
from pathlib import Path

import pytest
from crash_harness import CrashStore, child_env, crash_store, headless
from kit.factories import SMALL_CONFIG, write_config

__all__ = ["crash_store"]  # fixture

PACED = SMALL_CONFIG.replace("speed: max", "speed: 600")
ON_POSTGRES = pytest.mark.parametrize("crash_store", ["postgresql"], indirect=True)


async def start(command: list[str], env: dict[str, str]) -> asyncio.subprocess.Process:
    """A session that has printed its banner: it holds the bot's lease."""
    child = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    assert child.stdout is not None and child.stderr is not None
    banner = await asyncio.wait_for(child.stdout.readline(), 60)
    if b"TraderAgent PAPER" not in banner:
        child.kill()
        await child.wait()
        pytest.fail(f"the first session did not start: {await child.stderr.read()!r}")
    return child


async def finish(command: list[str], env: dict[str, str]) -> tuple[int | None, str, str]:
    child = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(child.communicate(), 120)
    return child.returncode, out.decode(), err.decode()


@pytest.mark.postgres
@ON_POSTGRES
async def test_a_second_process_is_refused_by_the_advisory_lease(
    tmp_path: Path, crash_store: CrashStore
) -> None:
    config = write_config(tmp_path, crash_store.config(PACED))
    env = child_env(tmp_path)
    first = await start(headless(config, crash_store, "--duration", "60"), env)
    try:
        code, _, err = await finish(headless(config, crash_store), env)
    finally:
        first.send_signal(signal.SIGTERM)
        first_out, first_err = await asyncio.wait_for(first.communicate(), 60)
    assert code == 1
    assert err == (
        f"error: bot grid-btc is already running in process {first.pid} on host "
        f"{socket.gethostname()}; stop it first (the lease is held through the database)\n"
    )
    assert first.returncode == 0, (first_out + first_err).decode()  # not disturbed


@pytest.mark.postgres
@ON_POSTGRES
async def test_the_lease_of_a_killed_session_is_free_for_the_next(
    tmp_path: Path, crash_store: CrashStore
) -> None:
    config = write_config(tmp_path, crash_store.config(PACED))
    env = child_env(tmp_path)
    first = await start(headless(config, crash_store, "--duration", "60"), env)
    first.send_signal(signal.SIGKILL)
    assert await first.wait() == -signal.SIGKILL
    code, out, err = await finish(headless(config, crash_store, "--duration", "2"), env)
    assert code == 0, out + err
    assert "TraderAgent PAPER" in out and "already running" not in err
