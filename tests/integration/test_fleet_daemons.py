"""Three daemons with one config of six paper bots on one PostgreSQL database (`run --headless
--fleet`): each bot runs in exactly one daemon and the bots are spread (each daemon runs at
least one); the API of any daemon lists the whole fleet. SIGKILL one daemon and each of its
bots runs in another within the bound (lease TTL + a poll + a generous start under load). A
bot whose lease a live daemon loses stops there alone: that daemon trades its other bots on.
Afterwards the shared paper account is exact: the venue's book and the journal agree bot by bot
(no order or fill doubled), and the balances are the opening ones plus every fill.

Needs TRADERAGENT_TEST_POSTGRES_URL (skipped with that reason otherwise)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from crash_harness import CrashStore, child_env, read_journal, rows
from kit.factories import write_config
from sqlalchemy import select, text
from unit.storage.backends import postgres_url

from storage.fleet import MEMBER_PREFIX
from storage.jsontext import load_payload
from storage.models import BotRow, FleetLeaseRow, PaperAccountRow, PaperFillRow, PaperOrderRow
from traderagent.domain import Side

__all__ = ["postgres_url"]  # the fixture, for pytest

pytestmark = pytest.mark.postgres
TTL_S = 10.0  # renewed every 2.5 s: two suites at once on 2 cores once took a 3 s lease away
POLL_S = 1.0  # traderagent.wiring.fleet_runner.POLL_S
BOTS = [f"grid-{i}" for i in range(6)]
BOUND_S = TTL_S + POLL_S + 20.0  # the lease's TTL, a poll, and a generous start under load
OPENING_USDT = Decimal(10000)  # the paper account's default opening balance


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
    """One `run --headless --fleet` child; its stdout lines collected as they come."""

    def __init__(self, config: Path, tmp_path: Path) -> None:
        command = [sys.executable, "-m", "traderagent", "run", "--headless", "--fleet"]
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
        return next((line.split()[2] for line in self.lines if line.startswith("Fleet daemon")), "")

    @property
    def url(self) -> str:
        for line in self.lines:
            if line.startswith("API listening on "):
                return line.split()[3]
        return ""

    async def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(self.proc.wait, 60)
        await self._reader
        return code


class Fleet:
    """The database's view: which live holder runs each bot, and in which state."""

    def __init__(self, store: CrashStore) -> None:
        self.store = store
        self.rows: dict[str, tuple[str, bool, str]] = {}

    async def read(self) -> dict[str, tuple[str, bool, str]]:
        now_ms = int(time.time() * 1000)  # the server's clock: same host
        leases, states = await rows(
            self.store,
            select(FleetLeaseRow.bot, FleetLeaseRow.holder, FleetLeaseRow.expires_ms),
            select(BotRow.name, BotRow.state),
        )
        state = {name: str(s) for name, s in states}
        self.rows = {
            bot: (holder, expires > now_ms, state.get(bot, ""))
            for bot, holder, expires in leases
            if not bot.startswith(MEMBER_PREFIX)
        }
        return self.rows

    def running(self, bot: str, holders: set[str]) -> bool:
        holder, live, state = self.rows.get(bot, ("", False, ""))
        return live and holder in holders and state == "RUNNING"

    def held_by(self, holder: str) -> list[str]:
        return sorted(b for b, (h, live, _) in self.rows.items() if h == holder and live)


async def until(
    condition: Callable[[], object], timeout_s: float, what: str, fleet: Fleet | None = None
) -> float:
    """Seconds it took `condition()` to hold (re-reading `fleet` first; fails after
    `timeout_s`)."""
    began = time.monotonic()
    while True:
        if fleet is not None:
            await fleet.read()
        if condition():
            return time.monotonic() - began
        assert time.monotonic() - began < timeout_s, f"{what}: not within {timeout_s} s"
        await asyncio.sleep(0.2)


async def test_three_daemons_six_bots_spread_one_killed_its_bots_run_elsewhere_books_exact(
    postgres_url: str, tmp_path: Path
) -> None:
    store = CrashStore("postgresql", postgres_url)
    config = write_config(tmp_path, config_text(postgres_url))
    daemons = [Daemon(config, tmp_path) for _ in range(3)]
    fleet = Fleet(store)
    try:
        await until(lambda: all(d.holder and d.url for d in daemons), 120, "three daemons up")
        holders = {d.holder for d in daemons}
        await until(
            lambda: (
                all(fleet.running(b, holders) for b in BOTS)
                and all(fleet.held_by(d.holder) for d in daemons)
            ),
            120,
            "six bots running, spread over the three daemons",
            fleet,
        )
        spread = {d.holder: fleet.held_by(d.holder) for d in daemons}
        print(f"spread: {spread}")
        assert sorted(b for held in spread.values() for b in held) == BOTS  # each in one

        token = _token(tmp_path)
        idle = daemons[0]
        # a bot is listed as its daemon journalled it: RUNNING once its first candle started it,
        # a moment after its lease row says where it runs (wait for that, bounded: a loaded
        # machine is slow to get there)
        deadline = time.monotonic() + 120
        while True:
            listed = await _fleet_api(idle.url, token)
            settled = [
                v["live"] and v["holder"] in holders and v["state"] == "RUNNING" for v in listed
            ]
            if len(listed) == len(BOTS) and all(settled):
                break
            assert time.monotonic() < deadline, f"the fleet API never showed all running: {listed}"
            await asyncio.sleep(0.5)
        assert [b["bot"] for b in listed] == BOTS  # any daemon lists every bot of the fleet
        for view in listed:
            assert view["holder"] in holders and view["live"]
            assert view["pid"] == int(str(view["holder"]).split(":")[1])
            assert view["here"] == (view["holder"] == idle.holder)
            assert view["state"] == "RUNNING"

        victim = max(daemons, key=lambda d: len(fleet.held_by(d.holder)))
        its_bots = fleet.held_by(victim.holder)
        survivors = [d for d in daemons if d is not victim]
        alive = {d.holder for d in survivors}
        victim.proc.send_signal(signal.SIGKILL)
        took = await until(
            lambda: (
                all(fleet.running(b, alive) for b in BOTS)
                and all(_taken_over(b, survivors) for b in its_bots)
            ),
            BOUND_S,
            f"{its_bots} running again",
            fleet,
        )
        print(f"{its_bots} ran again {took:.1f} s after the SIGKILL (bound {BOUND_S:g} s)")
        assert all(fleet.held_by(d.holder) for d in survivors)

        # a live daemon that loses one bot's lease stops that bot alone and trades on
        loser = survivors[0]
        stolen = fleet.held_by(loser.holder)[0]
        kept = [b for b in fleet.held_by(loser.holder) if b != stolen]
        await _steal(store, stolen)
        await until(
            lambda: any(line.startswith(f"lost: {stolen}:") for line in loser.lines),
            3 * TTL_S,
            f"{loser.holder} stops {stolen}",
        )
        assert loser.proc.poll() is None  # the daemon goes on
        await until(  # the thief never renews: the bot runs in the fleet again
            lambda: all(fleet.running(b, alive) for b in BOTS), BOUND_S, "all six again", fleet
        )
        assert set(kept) <= set(fleet.held_by(loser.holder))
        await asyncio.sleep(3)  # the survivors trade on
    finally:
        codes = [await d.stop() for d in daemons]
    assert codes[daemons.index(victim)] == -signal.SIGKILL
    assert [c for d, c in zip(daemons, codes, strict=True) if d is not victim] == [0, 0], [
        d.lines[-12:] for d in daemons
    ]
    await _books_agree(store)
    await _balances_exact(store)


def _taken_over(bot: str, daemons: list[Daemon]) -> bool:
    """A daemon of `daemons` says it took `bot` over (built, reconciled, started)."""
    return any(line.startswith(f"took over: {bot} ") for d in daemons for line in d.lines)


async def _steal(store: CrashStore, bot: str) -> None:
    """Another holder takes `bot`'s row (as a daemon would once it had expired); its lease
    runs out in a second, as if that daemon had died at once."""
    statement = text(
        "UPDATE fleet_leases SET holder = 'thief:1:0', generation = generation + 1, "
        "expires_ms = CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT) + 1000 "
        "WHERE bot = :bot"
    )
    from crash_harness import reading

    async with reading(store) as connection:
        await connection.execute(statement, {"bot": bot})
        await connection.commit()


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
    traded = set()
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
        if journal.fill_ids:
            traded.add(bot)
    assert positions == Decimal(btc["free"]) + Decimal(btc["locked"])
    assert len(traded) >= 3, traded  # the bots did trade, in more than one daemon


async def _balances_exact(store: CrashStore) -> None:
    """The shared account holds the opening balance plus every fill of every daemon, exactly
    (a fill counted twice, or a daemon's balances overwriting another's, would show)."""
    (fills, account) = await rows(
        store,
        select(
            PaperFillRow.side,
            PaperFillRow.price,
            PaperFillRow.qty,
            PaperFillRow.fee,
            PaperFillRow.fee_asset,
        ),
        select(PaperAccountRow.balances),
    )
    expected = {"USDT": OPENING_USDT, "BTC": Decimal(0)}
    for side, price, qty, fee, fee_asset in fills:
        sign = 1 if side is Side.BUY else -1
        expected["BTC"] += sign * qty
        expected["USDT"] -= sign * price * qty
        expected[fee_asset] -= fee
    stored = load_payload(account[0][0])
    held = {a: Decimal(b["free"]) + Decimal(b["locked"]) for a, b in stored.items()}
    assert held == expected
