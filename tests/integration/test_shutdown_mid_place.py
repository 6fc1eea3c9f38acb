"""A shutdown while a bot places an order on a fill (issue 19's rehearsal mismatch): the engine's
update pump routes a fill, the grid places the level across it, and the stop comes while that
create is on its way. The engine used to cancel the pump at the end of `run()` whatever it was
doing: the create was cut off before it was sent and its journal row stayed `New` for an order
the venue never had (`grid-demo-43: New` in a rehearsal's findings), with nothing logged.
Now the pump is stopped between two drains: the create is sent and its answer journalled."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from kit.waits import wait_until

from traderagent.config import parse_config
from traderagent.domain import Order, OrderRequest, OrderStatus
from traderagent.exchanges.emulator import running_emulator
from traderagent.marketdata import load_bundled
from traderagent.wiring.runtime import build_engine

pytest.importorskip("ccxt")

BOT = "grid-stop"
PUMP = "engine-update-pump"
WAIT_S = 60.0  # generous: the machine is loaded
CONFIG = """\
mode: live
exchange:
  venue: ccxt
  exchange: bybit
  url: {url}
  streams: false
  throttle: false
  poll_interval_s: 0.3
  credentials: emulator
  timeout_s: 5
bots:
  - name: grid-stop
    symbol: BTCUSDT
    strategy:
      kind: grid
      lower: "22800"
      upper: "23800"
      levels: 21
      amount_per_level: "100"
"""


async def test_a_stop_lets_a_create_routed_by_the_pump_finish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_emulator(load_bundled().head(3_000), speed=None, warmup=60) as emu:
        monkeypatch.setenv("TRADERAGENT_EMULATOR_API_KEY", emu.api_key)
        monkeypatch.setenv("TRADERAGENT_EMULATOR_API_SECRET", emu.api_secret)
        config = parse_config(CONFIG.format(url=emu.rest_url), "stop.yaml", {})
        built = await build_engine(config, tmp_path / "stop.db")
        engine, exchange = built.engine, built.engine.exchange
        send = exchange.place_order
        held: list[str] = []
        cut: list[str] = []
        gate = asyncio.Event()

        async def held_in_the_pump(request: OrderRequest) -> Order:
            """A create the pump makes waits for `gate` (a slow venue); the rest go at once."""
            task = asyncio.current_task()
            if not held and task is not None and task.get_name() == PUMP:
                held.append(request.client_order_id)
                try:
                    await gate.wait()
                except asyncio.CancelledError:
                    cut.append(request.client_order_id)
                    raise
            return await send(request)

        exchange.place_order = held_in_the_pump  # type: ignore[method-assign]
        run = asyncio.create_task(engine.run())
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + WAIT_S * 3
            while not held:  # the market moves until a fill routed by the pump places a level
                assert loop.time() < deadline, "no fill led the pump to place an order"
                assert not run.done(), run
                seen = engine.candles
                await emu.step(1)
                await wait_until(lambda s=seen: engine.candles > s or held, WAIT_S, "a candle")
            stopping = asyncio.create_task(engine.shutdown())
            # before the fix the end of `run()` cancels the create here; after, it waits for it
            with contextlib.suppress(AssertionError):  # nothing cut: the engine waits
                await wait_until(lambda: cut or run.done(), 3.0, "a cut")
            gate.set()
            await asyncio.wait_for(stopping, WAIT_S)
            await asyncio.wait_for(run, WAIT_S)
            ours = {o.client_order_id: o for o in await built.journal.orders_of(BOT)}
        finally:
            gate.set()
            if not run.done():
                run.cancel()
            await engine.close()
        venue = {o.order_link_id: o.status for o in emu.orders()}
    (cid,) = held
    assert not cut, f"the stop cut {cid}'s create off"
    assert cid in venue, f"{cid} never reached the venue; journal: {ours[cid].status.value}"
    assert ours[cid].status is not OrderStatus.REJECTED
    assert ours[cid].status.value == venue[cid]
