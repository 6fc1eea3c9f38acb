"""The default grid trading through the ccxt venue (ccxt's own `bybit` class) against the
emulator, SIGKILLed at random moments and restarted each time: the emulator's `orders()` and
`executions()` are the ground truth, as in test_crash_bybit. Afterwards no client order id
reached the venue twice, each execution is journalled exactly once, and the bot's position is
what those executions add up to."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from crash_harness import (
    CrashStore,
    child_env,
    crash_store,
    headless,
    kill_and_restart,
    read_journal,
)
from emulator_session import final_session, keep_stepping
from kit.factories import write_config

from traderagent.exchanges.emulator import running_emulator
from traderagent.marketdata import load_bundled

__all__ = ["crash_store"]  # fixture

BOT = "grid-ccxt"
CONFIG = """\
mode: live
exchange:
  venue: ccxt
  exchange: bybit
  url: ${TRADERAGENT_EMULATOR_URL}
  streams: false
  throttle: false
  poll_interval_s: 0.3
  credentials: emulator
  timeout_s: 2
bots:
  - name: grid-ccxt
    symbol: BTCUSDT
    strategy:
      kind: grid
      lower: "22800"
      upper: "23800"
      levels: 21
      amount_per_level: "100"
"""

CANDLE_EVERY_S = 0.04
KILL_WINDOW_S = (7.0, 11.0)
"""A session needs a few seconds to start (ccxt's import, markets, warm-up): kills land before,
during and after its first orders."""


async def test_ccxt_bot_on_the_emulator_survives_random_sigkills(
    tmp_path: Path, crash_store: CrashStore
) -> None:
    config = write_config(tmp_path, crash_store.config(CONFIG))
    series = load_bundled().head(3_000)
    async with running_emulator(series, speed=None, warmup=60) as emu:
        env = child_env(
            tmp_path,
            TRADERAGENT_EMULATOR_URL=emu.rest_url,
            TRADERAGENT_EMULATOR_API_KEY=emu.api_key,
            TRADERAGENT_EMULATOR_API_SECRET=emu.api_secret,
        )
        market = asyncio.create_task(keep_stepping(emu, CANDLE_EVERY_S))
        run = await kill_and_restart(headless(config, crash_store), env, 2, 7, KILL_WINDOW_S)
        killed_with_orders = [o for o in emu.orders() if o.order_link_id.startswith(f"{BOT}-")]
        final, _ = await final_session(headless(config, crash_store), env, market, emu, BOT)
        venue_orders = [o for o in emu.orders() if o.order_link_id.startswith(f"{BOT}-")]
        venue_fills = [e for e in emu.executions() if e.order_link_id.startswith(f"{BOT}-")]
    journal = await read_journal(crash_store, BOT)
    link_ids = [o.order_link_id for o in venue_orders]
    venue_position = sum(
        (
            e.exec_qty - (e.exec_fee if e.fee_currency == "BTC" else 0)
            if e.side == "Buy"
            else -e.exec_qty
            for e in venue_fills
        ),
        Decimal(0),
    )
    assert run.kills >= 1
    assert killed_with_orders, "no session placed an order before it was killed"
    assert len(link_ids) == len(set(link_ids))  # no client order id reached the venue twice
    assert set(link_ids) <= set(journal.order_ids)  # each was journalled before it was sent
    assert len(journal.fill_ids) == len(set(journal.fill_ids))
    assert sorted(journal.fill_ids) == sorted(e.exec_id for e in venue_fills), final
    assert journal.position == journal.fills_qty == venue_position
    assert venue_fills, final  # the bot traded
    resting = {o.order_link_id for o in venue_orders if o.status in ("New", "PartiallyFilled")}
    assert journal.open_ids == resting, (journal.open_ids ^ resting, final)
    print(
        f"{crash_store.backend}: {run.kills} kills at {[round(k, 1) for k in run.kill_after_s]} s "
        f"({len(killed_with_orders)} orders placed by the killed sessions); "
        f"{len(link_ids)} orders on the venue, "
        f"{len(venue_fills)} executions, position {venue_position} BTC\n{final}"
    )
