"""A linear paper bot (a neutral perpetual grid: longs and shorts, reduce-only closes, funding)
stopped or SIGKILLed and restarted on the same database resumes the venue's book exactly: the
position and resting orders the venue kept are the ones recovery adopts, no client order id
reaches the venue twice, each fill and each funding settlement is journalled exactly once, the
bot holds what the venue holds, the wallet is the opening balance plus every fill's PnL less
fees and funding (nothing reset, nothing counted twice), and the run trades on."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from crash_harness import (
    CrashStore,
    child_env,
    crash_store,
    headless,
    kill_and_restart,
    read_journal,
    rows,
    run_to_end,
)
from kit.factories import write_config
from sqlalchemy import select

from storage.jsontext import load_payload
from storage.models import (
    FundingRow,
    OrderRow,
    PaperAccountRow,
    PaperFillRow,
    PaperOrderRow,
    PaperPositionRow,
)
from traderagent.domain import OrderStatus, OrderType, Side

__all__ = ["crash_store"]  # fixtures

BOT = "grid-perp"
OPENING = Decimal(10000)
PRECISION = Decimal("1e-20")
CONFIG = """\
mode: paper
replay:
  data: bundled
  speed: {speed}
  end: "{end}"
paper:
  balances: {{USDT: "10000"}}
  category: linear
  linear:
    leverage: 3
    long_only: false
    funding_file: bundled
bots:
  - name: grid-perp
    symbol: BTCUSDT
    strategy:
      kind: grid
      direction: {direction}
      lower: "19000"
      upper: "29000"
      levels: 41
      spacing: arithmetic
      amount_per_level: "200"
"""


@dataclass(frozen=True)
class VenueBook:
    """The linear paper venue's side, as stored."""

    order_ids: list[str]
    open_ids: set[str]
    filled: dict[str, Decimal]  # the filled orders' quantities
    fill_ids: list[str]
    position: Decimal  # signed: negative when short
    wallet: Decimal  # free + locked USDT
    ledger: Decimal  # the opening balance plus every fill's PnL less fees, less funding
    funding: Decimal  # paid in total (negative: received)


async def venue_book(store: CrashStore) -> VenueBook:
    orders, fills, account, positions = await rows(
        store,
        select(PaperOrderRow.client_order_id, PaperOrderRow.status, PaperOrderRow.filled_qty),
        select(PaperFillRow.fill_id, PaperFillRow.fee, PaperFillRow.exec_pnl),
        select(PaperAccountRow.balances),
        select(
            PaperPositionRow.symbol,
            PaperPositionRow.side,
            PaperPositionRow.size,
            PaperPositionRow.funding,
        ),
    )
    usdt = load_payload(account[0][0])["USDT"]
    held = {symbol: (side, size) for symbol, side, size, _ in positions}
    side, size = held["BTCUSDT"]
    funding = sum((paid for _, _, _, paid in positions), Decimal(0))
    realised = sum((pnl - fee for _, fee, pnl in fills), Decimal(0))
    return VenueBook(
        order_ids=[cid for cid, _, _ in orders],
        open_ids={cid for cid, status, _ in orders if status.is_open},
        filled={cid: qty for cid, status, qty in orders if status is OrderStatus.FILLED},
        fill_ids=[fid for fid, _, _ in fills],
        position=size if side is Side.BUY else -size,
        wallet=Decimal(usdt["free"]) + Decimal(usdt["locked"]),
        ledger=OPENING + realised - funding,
        funding=funding,
    )


async def journal_funding(store: CrashStore) -> tuple[list[str], Decimal]:
    (booked,) = await rows(store, select(FundingRow.funding_id, FundingRow.amount))
    return [fid for fid, _ in booked], sum((amount for _, amount in booked), Decimal(0))


async def check_consistent(store: CrashStore) -> VenueBook:
    """The invariants that must hold whenever no session runs; the venue's book."""
    journal = await read_journal(store, BOT)
    venue = await venue_book(store)
    funding_ids, funding_paid = await journal_funding(store)
    assert journal.duplicate_rejections == 0  # no client order id was sent twice
    assert len(journal.order_ids) == len(set(journal.order_ids))
    assert set(venue.order_ids) <= set(journal.order_ids)  # every venue order journalled first
    assert len(journal.fill_ids) == len(set(journal.fill_ids))
    assert sorted(journal.fill_ids) == sorted(venue.fill_ids)  # each venue fill exactly once
    assert journal.position == journal.fills_qty == venue.position  # what the venue holds
    # and rests what the venue rests (a reduce-only order the venue cut to the position as it
    # filled is filled in both: the venue says the cut before the fill)
    assert journal.open_ids == venue.open_ids
    assert len(funding_ids) == len(set(funding_ids))  # each settlement booked once
    assert funding_paid == venue.funding  # and every one the venue settled
    # the wallet: what the fills and funding moved (to Decimal's 28 digits, which a margin
    # over leverage 3 uses up: locking and releasing it rounds in the last one)
    assert abs(venue.wallet - venue.ledger) < PRECISION
    return venue


async def session(command: list[str], env: Mapping[str, str], timeout_s: float = 120) -> str:
    """One session that ends by itself (its data's end): its output and its log lines."""
    child = await asyncio.create_subprocess_exec(
        *command,
        env=dict(env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(child.communicate(), timeout_s)
    assert child.returncode == 0, out.decode()
    return out.decode()


def recovered(output: str) -> tuple[Decimal, int]:
    """What the session's recovery adopted: the position and the resting orders."""
    found = re.search(r"recovered: position (-?[\d.]+), (\d+) open orders adopted", output)
    assert found is not None, output
    return Decimal(found.group(1)), int(found.group(2))


async def test_a_stopped_linear_paper_bot_restarts_where_it_stopped(
    tmp_path: Path, crash_store: CrashStore
) -> None:
    # each session replays its span at full speed and ends with it: how far a session timed in
    # wall seconds gets depends on the machine's load (at load 8-12 one traded nothing)
    def config(end: str) -> Path:
        text = CONFIG.format(speed="max", end=end, direction="neutral")
        return write_config(tmp_path, crash_store.config(text))

    env = child_env(tmp_path, TRADERAGENT_LOG_LEVEL="info")  # recovery's line is info
    await session(headless(config("2023-03-04"), crash_store), env)
    first = await check_consistent(crash_store)
    assert first.fill_ids  # it traded

    again = await session(headless(config("2023-03-10"), crash_store), env)
    assert recovered(again) == (first.position, len(first.open_ids))  # the venue's, exactly
    second = await check_consistent(crash_store)
    assert set(first.fill_ids) < set(second.fill_ids)  # kept, and it traded on


async def test_a_linear_paper_bot_survives_random_sigkills(
    tmp_path: Path, crash_store: CrashStore
) -> None:
    config = write_config(
        tmp_path,
        crash_store.config(CONFIG.format(speed=20_000, end="2023-03-08", direction="short")),
    )
    env = child_env(tmp_path)
    started = time.monotonic()
    # a short grid: short from its start, so funding is settled (received) across the kills
    run = await kill_and_restart(headless(config, crash_store), env, kills=4, seed=7)
    # the last session replays at full speed to the end of 1 March, whatever the kills left
    # of it (on a loaded machine they may not reach a settlement): the short held across the
    # 08:00 and 16:00 settlements for sure, not for as long as a timed session happens to run
    last = write_config(
        tmp_path,
        crash_store.config(CONFIG.format(speed="max", end="2023-03-02", direction="short")),
        name="last.yaml",
    )
    final = await run_to_end(headless(last, crash_store), env)
    venue = await check_consistent(crash_store)
    assert run.kills >= 1  # at least one session really died mid-run
    assert venue.fill_ids  # the bot traded
    assert venue.funding < 0  # and its short received funding
    assert venue.position < 0  # a short grid in its range holds its short through restarts
    (orders,) = await rows(crash_store, select(OrderRow.tag, OrderRow.type))
    bought_back = [tag for tag, kind in orders if tag.startswith("b") and kind is OrderType.MARKET]
    assert bought_back == []  # no restart bought the short back at market (by intent)
    print(
        f"{crash_store.backend}: {run.kills} kills, {len(venue.fill_ids)} fills, position "
        f"{venue.position} BTC, funding {venue.funding} in {time.monotonic() - started:.0f}s "
        f"(final session: {final.splitlines()[3].strip()})"
    )
