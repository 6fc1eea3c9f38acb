"""Run `traderagent run --headless` in a child process and SIGKILL it at seeded random moments,
restarting it each time: the crash tests' shared driver."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path


@dataclass
class CrashRun:
    """Counts of what a series of kills and restarts did."""

    kills: int = 0
    finished_early: int = 0
    kill_after_s: list[float] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)


def headless(config: Path, db: Path, *extra: str) -> list[str]:
    command = [sys.executable, "-m", "traderagent", "run", "--headless"]
    return [*command, "--config", str(config), "--db", str(db), *extra]


async def kill_and_restart(
    command: list[str],
    env: Mapping[str, str],
    kills: int,
    seed: int,
    window_s: tuple[float, float] = (0.5, 4.0),
) -> CrashRun:
    """Start `command` `kills` times, each time SIGKILLed after a seeded random delay (a child
    that finishes first is counted, not killed)."""
    rng = random.Random(seed)  # noqa: S311 - seeded kill moments, not secrets
    run = CrashRun()
    for _ in range(kills):
        delay = rng.uniform(*window_s)
        child = await asyncio.create_subprocess_exec(
            *command,
            env=dict(env),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            await asyncio.wait_for(child.wait(), delay)
            run.finished_early += 1
        except TimeoutError:
            child.send_signal(signal.SIGKILL)
            await child.wait()
            run.kills += 1
            run.kill_after_s.append(delay)
        assert child.stdout is not None
        text = (await child.stdout.read()).decode()
        assert "Traceback" not in text, text
        run.outputs.append(text)
    return run


async def run_to_end(command: list[str], env: Mapping[str, str], timeout_s: float = 120) -> str:
    """One more session that ends by itself (data or --duration): its output."""
    child = await asyncio.create_subprocess_exec(
        *command, env=dict(env), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(child.communicate(), timeout_s)
    assert child.returncode == 0, (out + err).decode()
    return out.decode()


def child_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "TRADERAGENT_DATA_DIR": str(tmp_path / "data"), **extra}


@dataclass(frozen=True)
class Journal:
    """What the database's trading journal says about one bot."""

    order_ids: list[str]
    open_ids: set[str]
    fill_ids: list[str]
    fills_qty: Decimal
    position: Decimal
    duplicate_rejections: int


def read_journal(db: Path, bot: str) -> Journal:
    with sqlite3.connect(db) as conn:
        orders = conn.execute("select client_order_id, status from orders where bot=?", (bot,))
        rows = orders.fetchall()
        fills = conn.execute("select fill_id, side, qty from fills where bot=?", (bot,)).fetchall()
        position = conn.execute("select qty from positions where bot=?", (bot,)).fetchone()
        duplicates = conn.execute(
            "select count(*) from orders where reject_reason like '%duplicate%'"
        ).fetchone()[0]
    signed = sum(
        (Decimal(qty) if side == "Buy" else -Decimal(qty) for _, side, qty in fills), Decimal(0)
    )
    return Journal(
        order_ids=[cid for cid, _ in rows],
        open_ids={cid for cid, status in rows if status in ("New", "PartiallyFilled")},
        fill_ids=[fid for fid, _, _ in fills],
        fills_qty=signed,
        position=Decimal(position[0]) if position else Decimal(0),
        duplicate_rejections=duplicates,
    )
