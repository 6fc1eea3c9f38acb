"""A grid bot trading through the real Bybit client against the emulator, SIGKILLed at random
moments and restarted each time: the emulator's `orders()` and `executions()` are the ground
truth. Afterwards no orderLinkId reached it twice, each of its executions is journalled
exactly once, and the bot's position is what those executions add up to."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from crash_harness import (
    CrashStore,
    child_env,
    crash_store,
    headless,
    kill_and_restart,
    read_journal,
    soak_only,
)
from kit.factories import write_config

from traderagent.exchanges.emulator import Emulator, running_emulator
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


async def keep_stepping(emu: Emulator) -> None:
    """The market moves on whether or not the bot is running."""
    while not emu.finished:
        await emu.step(1)
        await asyncio.sleep(CANDLE_EVERY_S)


async def final_session(command: list[str], env: dict[str, str], market: asyncio.Task[None]) -> str:
    """A last session that reconciles, trades while the market moves, then sees it stop and
    catches up before it ends by itself."""
    child = await asyncio.create_subprocess_exec(
        *command,
        "--duration",
        "10",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    await asyncio.sleep(6)
    market.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await market
    out, err = await asyncio.wait_for(child.communicate(), 60)
    assert child.returncode == 0, (out + err).decode()
    return out.decode()


async def crash_and_check(
    tmp_path: Path, store: CrashStore, kills: int, seed: int, candles: int, faults: str = ""
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
        market = asyncio.create_task(keep_stepping(emu))
        run = await kill_and_restart(headless(config, store), env, kills, seed, (1.5, 6.0))
        final = await final_session(headless(config, store), env, market)
        venue_orders = [o for o in emu.orders() if o.order_link_id.startswith(f"{BOT}-")]
        venue_fills = [e for e in emu.executions() if e.order_link_id.startswith(f"{BOT}-")]
        injected = Counter(f.kind for f in emu.faults_injected())
    journal = await read_journal(store, BOT)
    link_ids = [o.order_link_id for o in venue_orders]
    venue_position = sum(  # a spot buy credits its quantity less its fee in BTC
        (
            e.exec_qty - (e.exec_fee if e.fee_currency == "BTC" else 0)
            if e.side == "Buy"
            else -e.exec_qty
            for e in venue_fills
        ),
        Decimal(0),
    )

    assert run.kills >= 1
    assert len(link_ids) == len(set(link_ids))  # no client order id reached the venue twice
    assert set(link_ids) <= set(journal.order_ids)  # each was journalled before it was sent
    assert len(journal.fill_ids) == len(set(journal.fill_ids))
    assert sorted(journal.fill_ids) == sorted(e.exec_id for e in venue_fills), final
    assert journal.position == journal.fills_qty == venue_position
    assert venue_fills, final  # the bot traded
    # no order of unknown fate is left: what the journal has open, the venue has open
    resting = {o.order_link_id for o in venue_orders if o.status in ("New", "PartiallyFilled")}
    assert journal.open_ids == resting, (journal.open_ids ^ resting, final)
    return (
        f"faults {dict(injected)}; "
        f"{store.backend}: {run.kills} kills, {run.finished_early} sessions ended by themselves; "
        f"{len(link_ids)} orders on the venue, {len(venue_fills)} executions, "
        f"position {venue_position} BTC"
    )


async def test_bybit_bot_on_the_emulator_survives_random_sigkills(
    tmp_path: Path, crash_store: CrashStore
) -> None:
    print(await crash_and_check(tmp_path, crash_store, kills=3, seed=11, candles=3_000))


FAULTS = "http5xx=0.03,timeout=0.01,lost_response=0.03,ws_drop=0.005,hold=2.5s,seed={seed}"
"""Answers lost (the order placed), requests failed or held past the bot's 2 s timeout."""


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
    """The issue's done-when: about 30 minutes of faults and SIGKILLs (a kill every 1.5-6 s,
    so ~480 sessions), then the venue's orders, executions and balances agree with the
    bot's database."""
    faults = FAULTS.format(seed=30)
    print(await crash_and_check(tmp_path, crash_store, 480, seed=30, candles=60_000, faults=faults))


@pytest.mark.soak
@pytest.mark.slow
async def test_bybit_bot_on_the_emulator_survives_fifty_sigkills(
    soak_only: None, tmp_path: Path, crash_store: CrashStore
) -> None:
    print(await crash_and_check(tmp_path, crash_store, kills=50, seed=50, candles=12_000))
