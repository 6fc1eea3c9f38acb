"""An exchange outage under a running bot: the proxy in front of the emulator goes down (every
stream cut, every request refused) while the market moves on, then comes back with the
candle gap-fill answering 503 for a while (its retries run out). The engine does not crash:
it waits, saying so in the venue status while no candle comes, goes on when the exchange
answers (the feed counts the gap it could not fill), and the bot trades on with its journal
agreeing with the venue."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from kit.fault_proxy import fault_proxy
from kit.waits import wait_until

from traderagent.config import parse_config
from traderagent.domain import BotState
from traderagent.exchanges.bybit import BybitExchange
from traderagent.exchanges.emulator import running_emulator
from traderagent.marketdata import load_bundled
from traderagent.wiring.runtime import build_engine

BOT = "grid-emu"
CONFIG = """\
mode: live
exchange:
  venue: bybit
  env: custom
  url: {url}
  category: spot
  credentials: emulator
  timeout_s: 2
  max_attempts: 2
  reconnect_max_delay_s: 0.3
bots:
  - name: grid-emu
    strategy:
      kind: grid
      lower: "22800"
      upper: "23800"
      levels: 21
      amount_per_level: "100"
"""


def klines(method: str, path: str, body: bytes) -> bool:
    return path.startswith("/v5/market/kline")


async def step_seen(emu: object, engine: object, n: int) -> None:
    for _ in range(n):
        seen = engine.candles  # type: ignore[attr-defined]
        await emu.step(1)  # type: ignore[attr-defined]
        await wait_until(
            lambda seen=seen: engine.candles > seen,  # type: ignore[attr-defined]
            30,
            "the engine keeping up",
        )


async def test_the_engine_waits_out_an_outage_degraded_and_carries_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with (
        running_emulator(load_bundled().head(200), speed=None) as emu,
        fault_proxy(emu.rest_url) as proxy,
    ):
        monkeypatch.setenv("TRADERAGENT_EMULATOR_API_KEY", emu.api_key)
        monkeypatch.setenv("TRADERAGENT_EMULATOR_API_SECRET", emu.api_secret)
        db = tmp_path / "outage.db"
        built = await build_engine(parse_config(CONFIG.format(url=proxy.url), "x.yaml", {}), db)
        engine = built.engine
        bot = engine.bots[BOT]
        run = asyncio.create_task(engine.run())
        await wait_until(lambda: bot.recovered, 30, "the bot reconciling at start")
        while engine.candles == 0:  # until the feed is subscribed and its first candle in
            await emu.step(1)
            await asyncio.sleep(0.1)
        first = engine.candles
        await step_seen(emu, engine, 10)

        proxy.down()  # the exchange is gone: streams cut, requests refused
        statuses: list[str] = []
        await emu.step(8)  # the market moves on meanwhile
        await wait_until(lambda: engine.venue_status, 30, "the outage being shown")
        statuses.append(engine.venue_status)
        proxy.fail(klines, 503, for_s=4)  # back, but the candle gap-fill fails for a while
        proxy.up()
        exchange = engine.exchange
        assert isinstance(exchange, BybitExchange)
        failed = lambda: sum(i.counts["backfill_failed"] for i in exchange.market.intakes)  # noqa: E731
        await wait_until(lambda: failed() >= 1, 30, "the failed gap-fill counted")
        assert not run.done()  # waiting, not crashed
        await asyncio.sleep(4)  # the gap-fill answers again
        await step_seen(emu, engine, 10)
        await wait_until(lambda: not engine.venue_status, 30, "the venue healthy again")
        await exchange.catch_up(10)
        await engine.shutdown()
        await run
        await engine.close()
        venue = [o for o in emu.orders() if o.order_link_id.startswith(f"{BOT}-")]
        fills = {e.exec_id for e in emu.executions() if e.order_link_id.startswith(f"{BOT}-")}

    print(statuses)
    # each candle at most once; those whose gap-fill failed are skipped, logged and counted
    assert first + 20 <= engine.candles <= first + 28
    assert bot.state is BotState.RUNNING
    with sqlite3.connect(db) as conn:
        ours = dict(conn.execute("select client_order_id, status from orders"))
        our_fills = {row[0] for row in conn.execute("select fill_id from fills")}
    links = Counter(o.order_link_id for o in venue)
    assert all(n == 1 for n in links.values())
    for order in venue:
        assert ours[order.order_link_id] == order.status, order.order_link_id
    assert our_fills == fills and fills
