"""A stream frame's updates routed by the pump before the reader reads on when the engine is
idle (`EngineLoop.deliver`, `ports.DeliversInline`), else left, in order, to whoever holds
the lock."""

from __future__ import annotations

import asyncio
from collections import deque
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from traderagent.domain import Fill, Liquidity, Side
from traderagent.engine.loop import EngineLoop
from traderagent.exchanges.ports import Deliverer, DeliversInline, UpdateListener


class Venue:
    """A venue whose stream awaits the deliverer after handing a frame's updates over."""

    def __init__(self) -> None:
        self.listener: UpdateListener | None = None
        self.deliverer: Deliverer | None = None

    def set_listener(self, listener: UpdateListener) -> None:
        self.listener = listener

    def set_deliverer(self, deliverer: Deliverer) -> None:
        self.deliverer = deliverer

    async def frame(self, *fills: Fill) -> None:
        """What the Bybit reader does with one execution frame."""
        assert self.listener is not None and self.deliverer is not None
        for fill in fills:
            self.listener(fill)
        await self.deliverer()


class Bot:
    def __init__(self, seen: list[str]) -> None:
        self.seen = seen
        self.unsure = SimpleNamespace(since=0)

    async def on_fill(self, fill: Fill) -> None:
        self.seen.append(fill.fill_id)


class Sync:
    async def after_updates(self) -> None:
        return None


def fill(n: int) -> Fill:
    return Fill(
        f"f-{n}", f"grid-1-{n:06d}", "BTCUSDT", Side.BUY, Decimal(1), Decimal(100), Decimal(0),
        "USDT", Liquidity.MAKER, n, bot="grid-1", tag="L1",
    )  # fmt: skip


def rig() -> tuple[Any, EngineLoop, Venue, list[str]]:
    seen: list[str] = []
    host = SimpleNamespace(
        running=True,
        lock=asyncio.Lock(),
        bots={"grid-1": Bot(seen)},
        recent_fills=deque(),
        balance_sync=Sync(),
        lease_lost="",
        venue_status="",
        outage=SimpleNamespace(reason="", line=lambda: ""),
    )
    venue = Venue()
    loop = EngineLoop(host, venue)  # type: ignore[arg-type]  # the parts the pump uses
    return host, loop, venue, seen


async def pumping(loop: EngineLoop) -> asyncio.Task[None]:
    pump = asyncio.create_task(loop.pump())
    await asyncio.sleep(0)  # waiting for updates
    return pump


async def test_an_idle_engine_routes_a_frame_s_fills_before_the_reader_reads_on() -> None:
    host, loop, venue, seen = rig()
    pump = await pumping(loop)
    assert isinstance(venue, DeliversInline) and venue.deliverer == loop.deliver
    await venue.frame(fill(1), fill(2))
    assert seen == ["f-1", "f-2"] and not loop.updates  # routed by the pump meanwhile
    assert list(host.recent_fills) == [fill(1), fill(2)]
    pump.cancel()


async def test_a_busy_engine_leaves_them_queued_in_order_for_the_lock_s_holder() -> None:
    host, loop, venue, seen = rig()
    pump = await pumping(loop)
    async with host.lock:  # a candle step or a command: the reader does not wait for it
        await venue.frame(fill(1))
        await venue.frame(fill(2))
        assert seen == [] and list(loop.updates) == [fill(1), fill(2)]
    await venue.frame(fill(3))  # idle again: the queue first, then this frame's
    assert seen == ["f-1", "f-2", "f-3"]
    pump.cancel()


async def test_an_engine_not_running_routes_nothing_before_the_reader_reads_on() -> None:
    host, loop, venue, seen = rig()
    host.running = False  # before `run` (recovery) or after it ended
    await venue.frame(fill(1))
    assert seen == [] and len(loop.updates) == 1
