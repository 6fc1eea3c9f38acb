"""Three daemons with one config of six paper bots on one PostgreSQL database (`run --headless
--standby`): the bots run in exactly one daemon while the others stand by; SIGKILL that one
and another takes every bot over within the bound (lease TTL + a poll + its start), builds
its engine from the database and trades on; the API lists the fleet; afterwards the paper
venue's book and the journal agree exactly, bot by bot (nothing lost, nothing doubled).

Needs TRADERAGENT_TEST_POSTGRES_URL (skipped with that reason otherwise)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from crash_harness import CrashStore, child_env, read_journal, rows
from kit.factories import write_config
from sqlalchemy import select
from unit.storage.backends import postgres_url

from storage.jsontext import load_payload
from storage.models import FleetLeaseRow, PaperAccountRow, PaperFillRow, PaperOrderRow

__all__ = ["postgres_url"]  # the fixture, for pytest

pytestmark = pytest.mark.postgres
TTL_S = 10.0  # renewed every 2.5 s: two suites at once on 2 cores once took a 3 s lease away
BOTS = [f"grid-{i}" for i in range(6)]
BOUND_S = TTL_S + 1.0 + 20.0  # the lease's TTL, a poll, and a generous start under load


def config_text(url: str) -> str:
    bots = "".join(
        f"""  - name: grid-{i}
    symbol: BTCUSDT
    strategy:
      kind: grid
      lower: "{21000 + 500 * i}"
      upper: "{23000 + 500 * i}"
      levels: 11
      spacing: arithmetic
      amount_per_level: "100"
"""
        for i in range(6)
    )
    return (
        f'mode: paper\nreplay:\n  data: bundled\n  speed: 600\nstorage:\n  database_url: "{url}"\n'
        f"bots:\n{bots}"
    )


class Daemon:
    """One `run --headless --standby` child; its stdout lines collected as they come."""

    def __init__(self, config: Path, tmp_path: Path) -> None:
        command = [sys.executable, "-m", "traderagent", "run", "--headless", "--standby"]
        command += ["--lease-ttl", str(TTL_S), "--config", str(config), "--api-port", "0"]
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=child_env(tmp_path),
        )
        assert self.proc.stdout is not None
        self.lines: list[str] = []
        self._reader = asyncio.get_running_loop().run_in_executor(None, self._read)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def holder(self) -> str:
        return next(line.split()[2] for line in self.lines if line.startswith("Fleet daemon"))

    @property
    def running(self) -> bool:
        return any(line.startswith("took over:") for line in self.lines)

    @property
    def url(self) -> str:
        for line in self.lines:
            if line.startswith("API listening on "):
                return line.split()[3]
        raise AssertionError(f"no API: {self.lines}")

    async def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(self.proc.wait, 60)
        await self._reader
        return code


async def until(condition: object, timeout_s: float, what: str) -> float:
    """Seconds it took `condition()` to hold (fails after `timeout_s`)."""
    began = time.monotonic()
    while not condition():  # type: ignore[operator]
        assert time.monotonic() - began < timeout_s, f"{what}: not within {timeout_s} s"
        await asyncio.sleep(0.1)
    return time.monotonic() - began


async def fleet_rows(store: CrashStore) -> list[tuple[str, str, int]]:
    (found,) = await rows(
        store, select(FleetLeaseRow.bot, FleetLeaseRow.holder, FleetLeaseRow.generation)
    )
    return sorted((bot, holder, gen) for bot, holder, gen in found)


async def test_three_daemons_six_bots_one_killed_its_bots_run_elsewhere_books_exact(
    postgres_url: str, tmp_path: Path
) -> None:
    store = CrashStore("postgresql", postgres_url)
    config = write_config(tmp_path, config_text(postgres_url))
    daemons = [Daemon(config, tmp_path) for _ in range(3)]
    try:
        await until(lambda: sum(d.running for d in daemons) == 1, 120, "one daemon runs")
        await asyncio.sleep(2)  # the others have looked and stand by; the bots trade
        first = next(d for d in daemons if d.running)
        others = [d for d in daemons if d is not first]
        assert all(not d.running for d in others)
        assert all(any(line.startswith("standing by:") for line in d.lines) for d in others)
        held = await fleet_rows(store)
        assert held == [(bot, first.holder, 1) for bot in BOTS]  # each bot in exactly one
        token = _token(tmp_path)
        listed = await _fleet_api(first.url, token)
        assert [(b["bot"], b["holder"], b["here"], b["live"]) for b in listed] == [
            (bot, first.holder, True, True) for bot in BOTS
        ]
        assert {b["address"] for b in listed} == {first.url}

        first.proc.send_signal(signal.SIGKILL)
        took = await until(lambda: any(d.running for d in others), BOUND_S, "a takeover")
        second = next(d for d in others if d.running)
        await until(lambda: any("API listening" in line for line in second.lines), 60, "API")
        print(f"the bots ran again {took:.1f} s after the SIGKILL (bound {BOUND_S:g} s)")
        assert await fleet_rows(store) == [(bot, second.holder, 2) for bot in BOTS]
        listed = await _fleet_api(second.url, token)
        assert {(b["holder"], b["address"], b["here"]) for b in listed} == {
            (second.holder, second.url, True)
        }
        third = next(d for d in others if d is not second)
        assert not third.running  # still standing by: never two runners
        await asyncio.sleep(3)  # the new runner trades on
    finally:  # the ones standing by first: they would take over from a runner that stops
        order = sorted(daemons, key=lambda d: d.running)
        stopped = {id(d): await d.stop() for d in order}
        codes = [stopped[id(d)] for d in daemons]
    assert codes[daemons.index(first)] == -signal.SIGKILL
    assert [c for d, c in zip(daemons, codes, strict=True) if d is not first] == [0, 0], [
        d.lines[-12:] for d in daemons
    ]
    assert any(line.startswith("TraderAgent run summary") for line in second.lines)
    assert "Stopped while standing by." in third.lines
    await _books_agree(store)


async def _fleet_api(url: str, token: dict[str, str]) -> list[dict[str, object]]:
    async with httpx.AsyncClient(headers=token, timeout=30) as client:
        listed: list[dict[str, object]] = (await client.get(f"{url}/api/v1/fleet")).json()
        return listed


def _token(tmp_path: Path) -> dict[str, str]:
    command = [sys.executable, "-m", "traderagent", "api-token"]
    done = subprocess.run(  # noqa: S603 - our own CLI
        command, capture_output=True, text=True, env=child_env(tmp_path), timeout=60, check=True
    )
    return {"Authorization": f"Bearer {done.stdout.strip().splitlines()[-1]}"}


async def _books_agree(store: CrashStore) -> None:
    """The paper venue's book and the journal, bot by bot: same orders, fills, open orders;
    the positions add up to the BTC the venue holds."""
    orders, fills, account = await rows(
        store,
        select(PaperOrderRow.bot, PaperOrderRow.client_order_id, PaperOrderRow.status),
        select(PaperFillRow.bot, PaperFillRow.fill_id),
        select(PaperAccountRow.balances),
    )
    btc = load_payload(account[0][0]).get("BTC", {"free": "0", "locked": "0"})
    positions = Decimal(0)
    traded = 0
    for bot in BOTS:
        journal = await read_journal(store, bot)
        venue_ids = [cid for b, cid, _ in orders if b == bot]
        assert journal.duplicate_rejections == 0
        assert len(journal.order_ids) == len(set(journal.order_ids))
        assert set(venue_ids) <= set(journal.order_ids)
        assert sorted(journal.fill_ids) == sorted(fid for b, fid in fills if b == bot)
        assert journal.open_ids == {cid for b, cid, st in orders if b == bot and st.is_open}
        assert journal.position == journal.fills_qty
        positions += journal.position
        traded += len(journal.fill_ids)
    assert positions == Decimal(btc["free"]) + Decimal(btc["locked"])
    assert traded  # the bots did trade
