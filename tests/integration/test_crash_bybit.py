"""A grid bot trading through the real Bybit client against the emulator, SIGKILLed at random
moments and restarted each time: the emulator's `orders()`, `executions()` and `balances()`
are the ground truth. Afterwards no orderLinkId reached it twice, every order's status and
fill agree with the journal's (none left unknown), each execution is journalled exactly once
as the venue made it, and each coin's wallet is its opening balance plus what the journalled
fills moved (fees in the coin Bybit charges them), to the last digit."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from crash_harness import (
    CrashStore,
    Journal,
    child_env,
    crash_store,
    headless,
    kill_and_restart,
    read_journal,
    soak_only,
)
from emulator_session import final_session, keep_stepping
from kit.factories import write_config

from traderagent.exchanges.emulator import (
    Emulator,
    ExecutionRecord,
    OrderRecord,
    running_emulator,
)
from traderagent.marketdata import load_bundled

__all__ = ["crash_store", "soak_only"]  # fixtures

BOT = "grid-emu"
CONFIG = """\
mode: live
exchange:
  venue: bybit
  env: custom
  url: ${TRADERAGENT_EMULATOR_URL}
  category: spot
  credentials: emulator
  timeout_s: 2
bots:
  - name: grid-emu
    symbol: BTCUSDT
    strategy:
      kind: grid
      lower: "22800"
      upper: "23800"
      levels: 21
      amount_per_level: "100"
"""
CANDLE_EVERY_S = 0.04
BASE, QUOTE = "BTC", "USDT"


@dataclass(frozen=True)
class VenueTruth:
    """What the emulator holds at the end: the bot's orders and executions, and the account."""

    orders: list[OrderRecord]
    executions: list[ExecutionRecord]
    opening: dict[str, Decimal]
    balances: dict[str, Decimal]

    @classmethod
    def read(cls, emu: Emulator, bot: str) -> VenueTruth:
        return cls(
            [o for o in emu.orders() if o.order_link_id.startswith(f"{bot}-")],
            [e for e in emu.executions() if e.order_link_id.startswith(f"{bot}-")],
            emu.opening_balances(),
            emu.balances(),
        )


def assert_venue_agrees(venue: VenueTruth, journal: Journal, final: str) -> dict[str, Decimal]:
    """The issue's done-when: the venue's orders, executions and balances agree with the bot's
    database: no unknown order, no duplicate orderLinkId, no missing or doubled fill, and each
    coin's wallet is its opening balance plus what the journalled fills moved, to the last
    digit. Returns the venue's final balances of both coins."""
    link_ids = [o.order_link_id for o in venue.orders]
    assert len(link_ids) == len(set(link_ids)), "an orderLinkId reached the venue twice"
    assert len(journal.order_ids) == len(set(journal.order_ids))
    assert set(link_ids) <= set(journal.order_ids), "an order was sent before it was journalled"
    # every order agrees: the journal's status and filled quantity are the venue's; an order
    # the journal holds Rejected never reached it; what the journal has open rests there (an
    # order sent whose answer was lost ends adopted or closed, not left unknown)
    disagree = {
        o.order_link_id: (o.status, o.cum_exec_qty, journal.statuses[o.order_link_id])
        for o in venue.orders
        if journal.statuses[o.order_link_id].value != o.status
        or journal.filled[o.order_link_id] != o.cum_exec_qty
    }
    assert not disagree, (disagree, final)
    never_sent = set(journal.order_ids) - set(link_ids)
    assert not {cid for cid in never_sent if journal.statuses[cid].is_open}, final
    assert not {cid for cid in never_sent if journal.filled[cid]}, final
    resting = {o.order_link_id for o in venue.orders if o.is_open}
    assert journal.open_ids == resting, (journal.open_ids ^ resting, final)
    # every execution journalled exactly once, as the venue made it
    assert len(journal.fill_ids) == len(set(journal.fill_ids)), "a fill journalled twice"
    assert sorted(journal.fill_ids) == sorted(e.exec_id for e in venue.executions), final
    ours = {f.fill_id: (f.client_order_id, f.side, f.price, f.qty, f.fee, f.fee_asset)
            for f in journal.fills}  # fmt: skip
    theirs = {
        e.exec_id: (e.order_link_id, e.side, e.exec_price, e.exec_qty, e.exec_fee, e.fee_currency)
        for e in venue.executions
    }
    assert ours == theirs, {k: (ours[k], theirs[k]) for k in ours if ours[k] != theirs[k]}
    # the balances: the venue's wallet is its opening plus the fills; so is the journal's
    moved = journal.wallet_moves(BASE, QUOTE)
    implied = {c: venue.opening.get(c, Decimal(0)) + moved[c] for c in (BASE, QUOTE)}
    wallet = {c: venue.balances.get(c, Decimal(0)) for c in (BASE, QUOTE)}
    assert wallet == implied, (wallet, implied, final)
    assert set(venue.balances) <= {BASE, QUOTE}, venue.balances
    assert journal.position == journal.fills_qty == moved[BASE], (journal.position, moved)
    return wallet


async def crash_and_check(
    tmp_path: Path,
    store: CrashStore,
    kills: int,
    seed: int,
    candles: int,
    faults: str = "",
    every_s: float = CANDLE_EVERY_S,
    window_s: tuple[float, float] = (1.5, 6.0),
) -> str:
    config = write_config(tmp_path, store.config(CONFIG))
    series = load_bundled().head(candles)
    async with running_emulator(series, speed=None, warmup=60, faults=faults or None) as emu:
        env = child_env(
            tmp_path,
            TRADERAGENT_EMULATOR_URL=emu.rest_url,
            TRADERAGENT_EMULATOR_API_KEY=emu.api_key,
            TRADERAGENT_EMULATOR_API_SECRET=emu.api_secret,
        )
        market = asyncio.create_task(keep_stepping(emu, every_s))
        run = await kill_and_restart(headless(config, store), env, kills, seed, window_s)
        final, metrics = await final_session(headless(config, store), env, market, emu, BOT)
        venue = VenueTruth.read(emu, BOT)
        injected = Counter(f.kind for f in emu.faults_injected())
    journal = await read_journal(store, BOT)
    assert run.kills >= 1
    assert venue.executions, final  # the bot traded
    assert metrics["traderagent_unknown_orders"] == 0, metrics  # as the bot itself sees it
    wallet = assert_venue_agrees(venue, journal, final)
    fees: dict[str, Decimal] = {}
    for e in venue.executions:
        fees[e.fee_currency] = fees.get(e.fee_currency, Decimal(0)) + e.exec_fee
    return (
        f"faults {dict(injected)}; "
        f"{store.backend}: {run.kills} kills, {run.finished_early} sessions ended by themselves; "
        f"{len(venue.orders)} orders on the venue ({len(journal.order_ids)} journalled), "
        f"{len(venue.executions)} executions; "
        f"balances {BASE} {wallet[BASE]} {QUOTE} {wallet[QUOTE]} on both sides "
        f"(opening {venue.opening}); fees paid {dict(fees)}"
    )


async def test_bybit_bot_on_the_emulator_survives_random_sigkills(
    tmp_path: Path, crash_store: CrashStore
) -> None:
    print(await crash_and_check(tmp_path, crash_store, kills=3, seed=11, candles=3_000))


FAULTS = "http5xx=0.03,timeout=0.01,lost_response=0.03,ws_drop=0.005,hold=2.5s,seed={seed}"
"""Answers lost (the order placed), requests failed or held past the bot's 2 s timeout."""
ISSUE_FAULTS = "http5xx=0.05,timeout=0.02,lost_response=0.02,ws_drop=0.01,hold=2.5s,seed={seed}"
"""The issue's done-when faults (`traderagent emulator --faults ...`), held past the 2 s timeout."""


async def test_bybit_bot_survives_sigkills_with_lost_answers_and_failures(
    tmp_path: Path, crash_store: CrashStore
) -> None:
    faults = FAULTS.format(seed=5)
    print(await crash_and_check(tmp_path, crash_store, 3, seed=5, candles=3_000, faults=faults))


@pytest.mark.soak
@pytest.mark.slow
async def test_bybit_bot_survives_thirty_minutes_of_sigkills_and_faults(
    soak_only: None, tmp_path: Path, crash_store: CrashStore
) -> None:
    """The issue's done-when: about 30 minutes of the issue's faults and SIGKILLs (a kill every
    4-12 s, so ~225 sessions, each long enough to trade even on a loaded machine), then the
    venue's orders, executions and balances agree with the bot's database. A candle every
    0.6 s: the 30 minutes replay the first two days, when the price crosses the grid's range
    again and again before it falls out of it (at 0.04 s it left for good within minutes)."""
    faults = ISSUE_FAULTS.format(seed=30)
    print(
        await crash_and_check(
            tmp_path,
            crash_store,
            225,
            seed=30,
            candles=6_000,
            faults=faults,
            every_s=0.6,
            window_s=(4.0, 12.0),
        )
    )


@pytest.mark.soak
@pytest.mark.slow
async def test_bybit_bot_on_the_emulator_survives_fifty_sigkills(
    soak_only: None, tmp_path: Path, crash_store: CrashStore
) -> None:
    print(await crash_and_check(tmp_path, crash_store, kills=50, seed=50, candles=12_000))
