"""Run `traderagent run --headless` in a child process and SIGKILL it at seeded random moments,
restarting it each time: the crash tests' shared driver. The children share one database, a
SQLite file or a PostgreSQL database of the test's own (the `crash_store` fixture), read back
afterwards through SQLAlchemy the same way on both."""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import signal
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import Executable, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import NullPool
from unit.storage.backends import POSTGRES_ENV, asyncpg_dsn

from storage.database import create_engine_for
from storage.models import FillRow, OrderRow, PositionRow
from storage.urls import resolve_url
from traderagent.domain import OrderStatus, Side

SKIP_REASON = (
    f"PostgreSQL crash tests need {POSTGRES_ENV}: export "
    f"{POSTGRES_ENV}=postgresql+asyncpg://postgres@127.0.0.1:5432/test (.ci/run sets it)"
)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@dataclass(frozen=True)
class CrashStore:
    """The children's database: a SQLite file passed as `--db`, or a PostgreSQL URL written
    into the config as `storage.database_url`."""

    backend: str
    target: str

    def config(self, text: str) -> str:
        """A config's text, pointed at this database."""
        if self.backend == "sqlite":
            return text
        return f'{text}storage:\n  database_url: "{self.target}"\n'

    def args(self) -> list[str]:
        return ["--db", self.target] if self.backend == "sqlite" else []


async def _admin(server: str, statement: str) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(server), timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(params=BACKENDS)
async def crash_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[CrashStore]:
    """A SQLite file, then a PostgreSQL database created for this test and dropped after it."""
    if request.param == "sqlite":
        yield CrashStore("sqlite", str(tmp_path / "crash.db"))
        return
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        pytest.skip(SKIP_REASON)
    name = f"ta_crash_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        await _admin(server, f'CREATE DATABASE "{name}"')
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(f"{POSTGRES_ENV}={server}: cannot create a test database there: {exc}")
    url = make_url(server).set(drivername="postgresql+asyncpg", database=name)
    yield CrashStore("postgresql", url.render_as_string(hide_password=False))
    await _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def soak_only(request: pytest.FixtureRequest) -> None:
    """Skip unless `-m soak` selected the test (list it before `crash_store`: no database is
    made for a skipped soak)."""
    if "soak" not in str(request.config.getoption("markexpr")):
        pytest.skip("a soak run (minutes): select it with -m soak")


@dataclass
class CrashRun:
    """Counts of what a series of kills and restarts did."""

    kills: int = 0
    finished_early: int = 0
    kill_after_s: list[float] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)


def headless(config: Path, database: Path | CrashStore, *extra: str) -> list[str]:
    command = [sys.executable, "-m", "traderagent", "run", "--headless", "--config", str(config)]
    command += ["--api-port", "0"]  # several daemons at once: each on a free port
    if isinstance(database, CrashStore):
        return [*command, *database.args(), *extra]
    return [*command, "--db", str(database), *extra]


async def kill_and_restart(
    command: list[str],
    env: Mapping[str, str],
    kills: int,
    seed: int,
    window_s: tuple[float, float] = (0.5, 4.0),
) -> CrashRun:
    """Start `command` `kills` times, each time SIGKILLed a seeded random delay after it has
    opened its database and started trading (its banner; a session killed while a loaded
    machine is still importing would never trade), a child that finishes first is counted,
    not killed, and must have succeeded."""
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
        assert child.stdout is not None
        started = await _banner(child.stdout)
        try:
            await asyncio.wait_for(child.wait(), delay)
            run.finished_early += 1
        except TimeoutError:
            child.send_signal(signal.SIGKILL)
            await child.wait()
            run.kills += 1
            run.kill_after_s.append(delay)
        text = started + (await child.stdout.read()).decode()
        assert "Traceback" not in text, text
        # e.g. a restart refused because the killed session's lease was still held
        assert child.returncode in (0, -signal.SIGKILL), text
        run.outputs.append(text)
    return run


async def _banner(stdout: asyncio.StreamReader, timeout_s: float = 120) -> str:
    """The child's output up to its banner (`TraderAgent ... on ...`, printed once its
    database is open and recovered), or all of it if it ended first."""
    seen: list[str] = []

    async def lines() -> None:
        while line := (await stdout.readline()).decode():
            seen.append(line)
            if line.startswith("TraderAgent "):
                return

    await asyncio.wait_for(lines(), timeout_s)
    return "".join(seen)


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


@asynccontextmanager
async def reading(store: CrashStore) -> AsyncIterator[AsyncConnection]:
    """A connection to the children's database (SQLite or PostgreSQL alike), once they ended."""
    engine = create_engine_for(resolve_url(store.target), poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            yield connection
    finally:
        await engine.dispose()


async def rows(store: CrashStore, *statements: Executable) -> list[Sequence[Sequence[Any]]]:
    """The rows of each statement, read in one connection."""
    async with reading(store) as connection:
        return [(await connection.execute(s)).all() for s in statements]


@dataclass(frozen=True)
class JournalFill:
    """One fill as the journal has it."""

    fill_id: str
    client_order_id: str
    symbol: str
    side: Side
    price: Decimal
    qty: Decimal
    fee: Decimal
    fee_asset: str


@dataclass(frozen=True)
class Journal:
    """What the database's trading journal says about one bot."""

    order_ids: list[str]
    open_ids: set[str]
    fill_ids: list[str]
    fills_qty: Decimal
    position: Decimal
    duplicate_rejections: int
    statuses: dict[str, OrderStatus] = field(default_factory=dict)
    """Each journalled order's status, by client order id."""
    filled: dict[str, Decimal] = field(default_factory=dict)
    """Each journalled order's filled quantity, by client order id."""
    fills: list[JournalFill] = field(default_factory=list)

    def wallet_moves(self, base: str, quote: str) -> dict[str, Decimal]:
        """What the journalled fills moved in each coin of a spot account: a buy pays
        `qty x price` of quote and receives `qty` of base, a sell the reverse; each fee comes
        out of the coin the fill names (a spot buy's in base, a sell's in quote)."""
        moved = {base: Decimal(0), quote: Decimal(0)}
        for f in self.fills:
            sign = 1 if f.side == Side.BUY else -1
            moved[base] += sign * f.qty
            moved[quote] -= sign * f.qty * f.price
            moved[f.fee_asset] = moved.get(f.fee_asset, Decimal(0)) - f.fee
        return moved


async def read_journal(store: CrashStore, bot: str) -> Journal:
    orders, fills, position, duplicates = await rows(
        store,
        select(OrderRow.client_order_id, OrderRow.status, OrderRow.filled_qty).where(
            OrderRow.bot == bot
        ),
        select(
            FillRow.fill_id,
            FillRow.side,
            FillRow.qty,
            FillRow.fee,
            FillRow.fee_asset,
            FillRow.symbol,
            FillRow.client_order_id,
            FillRow.price,
        ).where(FillRow.bot == bot),
        select(PositionRow.qty).where(PositionRow.bot == bot),
        select(func.count())
        .select_from(OrderRow)
        .where(OrderRow.reject_reason.like("%duplicate%")),
    )
    signed = sum((_base_moved(*fill[1:6]) for fill in fills), Decimal(0))
    return Journal(
        order_ids=[cid for cid, _, _ in orders],
        open_ids={cid for cid, status, _ in orders if status.is_open},
        fill_ids=[fill[0] for fill in fills],
        fills_qty=signed,
        position=position[0][0] if position else Decimal(0),
        duplicate_rejections=duplicates[0][0],
        statuses={cid: status for cid, status, _ in orders},
        filled={cid: filled for cid, _, filled in orders},
        fills=[
            JournalFill(fid, cid, symbol, side, price, qty, fee, fee_asset)
            for fid, side, qty, fee, fee_asset, symbol, cid, price in fills
        ],
    )


def _base_moved(side: Side, qty: Decimal, fee: Decimal, fee_asset: str, symbol: str) -> Decimal:
    """Base a fill added (a buy: its quantity less a fee paid in the base coin) or removed."""
    fee_in_base = not symbol.endswith(fee_asset)
    if side == Side.BUY:
        return qty - fee if fee_in_base else qty
    return -(qty + fee) if fee_in_base else -qty
