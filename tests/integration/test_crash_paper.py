"""A paper bot SIGKILLed at random moments and restarted each time loses nothing and doubles
nothing: the paper venue's own book (in the database) is the exchange side, and afterwards
no client order id reached it twice, each of its fills is journalled exactly once, and the
bot's position is what the venue holds."""

from __future__ import annotations

import time
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
    rows,
    run_to_end,
    soak_only,
)
from kit.factories import write_config
from sqlalchemy import select

from storage.jsontext import load_payload
from storage.models import PaperAccountRow, PaperFillRow, PaperOrderRow

__all__ = ["crash_store", "soak_only"]  # fixtures

BOT = "grid-btc"
CONFIG = """\
mode: paper
replay:
  data: bundled
  speed: {speed}
  end: "{end}"
bots:
  - name: grid-btc
    symbol: BTCUSDT
    strategy:
      kind: grid
      lower: "21000"
      upper: "25000"
      levels: 41
      spacing: arithmetic
      amount_per_level: "200"
"""


async def venue_book(store: CrashStore) -> tuple[list[str], set[str], list[str], Decimal]:
    """The paper venue's side: every order id, the open ones, every fill id, BTC held."""
    orders, fills, account = await rows(
        store,
        select(PaperOrderRow.client_order_id, PaperOrderRow.status),
        select(PaperFillRow.fill_id),
        select(PaperAccountRow.balances),
    )
    btc = load_payload(account[0][0]).get("BTC", {"free": "0", "locked": "0"})
    return (
        [cid for cid, _ in orders],
        {cid for cid, status in orders if status.is_open},
        [fid for (fid,) in fills],
        Decimal(btc["free"]) + Decimal(btc["locked"]),
    )


async def crash_and_check(
    tmp_path: Path, store: CrashStore, kills: int, seed: int, speed: int, end: str
) -> str:
    config = write_config(tmp_path, store.config(CONFIG.format(speed=speed, end=end)))
    env = child_env(tmp_path)
    started = time.monotonic()
    run = await kill_and_restart(headless(config, store), env, kills, seed)
    # the last session replays the rest of the data at full speed and ends with it: how far the
    # killed sessions got depends on the machine's load, so the trading is finished here
    final = await run_to_end(headless(config, store, "--speed", "max"), env)
    elapsed = time.monotonic() - started
    journal = await read_journal(store, BOT)
    venue_ids, venue_open, venue_fills, held = await venue_book(store)

    assert run.kills >= 1  # at least one session really died mid-run
    assert journal.duplicate_rejections == 0  # no client order id was sent twice
    assert len(journal.order_ids) == len(set(journal.order_ids))
    assert set(venue_ids) <= set(journal.order_ids)  # every venue order was journalled first
    assert len(journal.fill_ids) == len(set(journal.fill_ids))
    assert sorted(journal.fill_ids) == sorted(venue_fills)  # each venue fill exactly once
    assert journal.position == journal.fills_qty == held  # the bot holds what the venue has
    assert journal.open_ids == venue_open  # and rests what the venue rests
    assert venue_fills  # the bot traded
    return (
        f"{store.backend}: {run.kills} kills, {run.finished_early} sessions ended by themselves; "
        f"{len(journal.order_ids)} orders, {len(venue_fills)} fills, position {held} BTC"
        f" in {elapsed:.0f}s (final session: {final.splitlines()[2].strip()})"
    )


async def test_paper_bot_survives_random_sigkills(tmp_path: Path, crash_store: CrashStore) -> None:
    report = await crash_and_check(
        tmp_path, crash_store, kills=3, seed=3, speed=20_000, end="2023-03-08"
    )
    print(report)


@pytest.mark.soak
@pytest.mark.slow
async def test_paper_bot_survives_fifty_sigkills(
    soak_only: None, tmp_path: Path, crash_store: CrashStore
) -> None:
    report = await crash_and_check(
        tmp_path, crash_store, kills=50, seed=50, speed=12_000, end="2023-03-22"
    )
    print(report)
