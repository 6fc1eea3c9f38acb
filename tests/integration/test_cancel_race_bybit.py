"""A cancel in flight on a live venue (issue 13, item 4): a DCA bot through the real Bybit client
against the emulator. The candle after its base order runs through its take profit first and
then through its safety order (an O-H-L-C path): the take profit ends the cycle and the bot
cancels the safety order, but the venue filled it in the same candle, before the cancel
arrived (the venue answers the cancel with the order filled, and its execution report comes
after). That fill is still the strategy's: it opens a cycle with its own take profit, and no
position is left without an exit."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from kit.waits import wait_until

from traderagent.config import parse_config
from traderagent.domain import Side
from traderagent.domain.events import OrderFilled
from traderagent.exchanges.bybit import BybitExchange
from traderagent.exchanges.emulator import running_emulator
from traderagent.marketdata import CandleSeries
from traderagent.wiring.runtime import build_engine

MINUTE = 60_000
T0 = 1_700_006_400_000
FLAT = (100.00, 100.00, 100.00, 100.00)
CANDLES = [FLAT, FLAT, FLAT, FLAT, (100.00, 101.50, 98.50, 100.00), FLAT, FLAT]

CONFIG = """\
mode: live
exchange:
  venue: bybit
  env: custom
  url: {url}
  category: spot
  credentials: emulator
  timeout_s: 2
bots:
  - name: dca-emu
    strategy:
      kind: dca
      base_order: "100"
      safety_order: "100"
      max_safety_orders: 2
      active_safety_orders: 1
      price_deviation: "1"
      step_scale: "1"
      volume_scale: "1"
      take_profit: "1"
      cooldown_candles: 60
"""


def series() -> CandleSeries:
    o, h, lo, c = (np.array(col) for col in zip(*CANDLES, strict=True))
    ts = T0 + np.arange(len(CANDLES), dtype=np.int64) * MINUTE
    return CandleSeries("BTCUSDT", MINUTE, ts, o, h, lo, c, np.full(len(CANDLES), 5.0))


async def test_a_fill_that_crosses_its_cancel_is_managed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_emulator(series(), speed=None, fill_model="ohlc") as emu:
        monkeypatch.setenv("TRADERAGENT_EMULATOR_API_KEY", emu.api_key)
        monkeypatch.setenv("TRADERAGENT_EMULATOR_API_SECRET", emu.api_secret)
        config = parse_config(CONFIG.format(url=emu.rest_url), "race.yaml", {})
        built = await build_engine(config, tmp_path / "race.db")
        engine = built.engine
        exchange = engine.exchange
        assert isinstance(exchange, BybitExchange)
        bot = engine.bots["dca-emu"]
        filled: list[str] = []
        engine.bus.subscribe(OrderFilled, lambda e: filled.append(e.fill.tag))
        run = asyncio.create_task(engine.run())
        for _ in range(len(CANDLES) - 1):
            seen = engine.candles
            await emu.step(1)
            await wait_until(lambda seen=seen: engine.candles > seen, 30, "the engine keeping up")
            await exchange.catch_up(10)
            await wait_until(lambda: not engine.has_pending_updates, 30, "the engine draining")
        fills = [(e.side, e.order_link_id) for e in emu.executions()]
        async with engine.lock:
            held = bot.instrument.floor_qty(bot.position.qty)
            selling = sum((o.qty for o in bot.orders.values() if o.side is Side.SELL), Decimal(0))
            tags = sorted(o.tag for o in bot.orders.values())
        await engine.shutdown()
        await run
        await engine.close()

    assert len(fills) == len(filled)  # the venue's executions, each heard once
    # the take profit ended cycle 1 and cancelled so1.1, which had filled already: its fill
    # opened cycle 2, whose take profit then sold it
    assert filled == ["base1", "tp1.1", "so1.1", "tp2.2"]
    assert held == 0 or selling >= held, (held, selling, tags)
