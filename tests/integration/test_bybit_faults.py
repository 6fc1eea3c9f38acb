"""A grid bot through the real Bybit client against the emulator with faults on ~10 % of
requests: it keeps trading, no client order id reaches the venue twice, and at the end the
bot's orders and fills are exactly the venue's."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from kit.waits import wait_until

from traderagent.config import parse_config
from traderagent.domain import BotState
from traderagent.exchanges.bybit import BybitExchange
from traderagent.exchanges.emulator import running_emulator
from traderagent.marketdata import load_bundled
from traderagent.wiring.runtime import build_engine

FAULTS = (
    "latency=2ms,http5xx=0.03,timeout=0.02,ratelimit=0.02,ws_drop=0.01,"
    "lost_response=0.02,hold=1.5s,seed=8"
)
CANDLES = 240

CONFIG = """\
mode: live
exchange:
  venue: bybit
  env: custom
  url: {url}
  category: spot
  credentials: emulator
  timeout_s: 1
  reconnect_max_delay_s: 0.5
bots:
  - name: grid-emu
    strategy:
      kind: grid
      lower: "22800"
      upper: "23800"
      levels: 21
      amount_per_level: "100"
"""


async def test_grid_bot_survives_faults_with_nothing_lost_or_doubled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    series = load_bundled().head(CANDLES + 1)
    async with running_emulator(series, speed=None, faults=FAULTS) as emu:
        monkeypatch.setenv("TRADERAGENT_EMULATOR_API_KEY", emu.api_key)
        monkeypatch.setenv("TRADERAGENT_EMULATOR_API_SECRET", emu.api_secret)
        config = parse_config(CONFIG.format(url=emu.rest_url), "faults.yaml", {})
        db = tmp_path / "faults.db"
        built = await build_engine(config, db)
        engine = built.engine
        exchange = engine.exchange
        assert isinstance(exchange, BybitExchange)
        run = asyncio.create_task(engine.run())
        for _ in range(CANDLES):
            seen = engine.candles
            await emu.step(1)
            await wait_until(lambda seen=seen: engine.candles > seen, 30, "the engine keeping up")
        await exchange.catch_up(10)
        await engine.shutdown()
        summary = await run
        bot = engine.bots["grid-emu"]
        assert bot.state is BotState.RUNNING  # it kept trading through every fault
        await engine.close()
        venue_orders = emu.orders()
        venue_fills = emu.executions()
        injected = emu.faults_injected()

    kinds = Counter(fault.kind for fault in injected)
    assert len(injected) >= 5 and len(kinds) >= 4, kinds  # faults of many kinds happened
    print(f"faults {dict(kinds)}; venue orders {len(venue_orders)}; fills {len(venue_fills)}")
    assert summary.fills > 10
    links = Counter(order.order_link_id for order in venue_orders)
    assert all(count == 1 for count in links.values())  # never the same id twice on the venue
    with sqlite3.connect(db) as conn:
        ours = dict(conn.execute("select client_order_id, status from orders"))
        our_fills = {row[0] for row in conn.execute("select fill_id from fills")}
    sent = {coid: status for coid, status in ours.items() if coid in links}
    assert set(links) == set(sent)  # every venue order is one of ours
    unsent = {coid: status for coid, status in ours.items() if coid not in links}
    assert all(status == "Rejected" for status in unsent.values()), unsent
    for order in venue_orders:
        assert sent[order.order_link_id] == order.status, order.order_link_id
    assert our_fills == {fill.exec_id for fill in venue_fills}  # each fill exactly once
