"""A live feed that repeats the warmup's last candle (or sends an older one) does not kill the
engine: the candle is dropped, logged for the operator and counted (issue 14's crash)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from traderagent.bus import EventBus
from traderagent.clock import ReplayClock
from traderagent.domain import Candle, TradingMode
from traderagent.domain.events import LogRecord
from traderagent.engine.orchestrator import Engine

MIN = 60_000
BASE = 1_677_628_800_000


def candle(k: int) -> Candle:
    return Candle("BTCUSDT", BASE + k * MIN, 100.0, 101.0, 99.0, 100.0, 1.0)


class QuietVenue:
    name = "bybit"
    status_line = ""

    def set_listener(self, listener: object) -> None:
        self.listener = listener


async def live(*ks: int) -> AsyncIterator[Candle]:
    for k in ks:
        yield candle(k)


async def test_the_live_feed_takes_only_candles_after_the_warmup_and_each_once() -> None:
    bus = EventBus()
    logs: list[LogRecord] = []
    bus.subscribe(LogRecord, logs.append)
    engine = Engine(
        mode=TradingMode.DEMO,
        clock=ReplayClock(0),
        exchange=QuietVenue(),  # type: ignore[arg-type]
        journal=None,  # type: ignore[arg-type]
        bus=bus,
        bots=[],
        feed=live(2, 3, 3, 1, 4),
    )
    engine.warm_up([candle(0), candle(1), candle(2)])
    taken = [c.ts async for c in engine._candles()]
    assert taken == [candle(3).ts, candle(4).ts]
    assert engine.intake.dropped == 3
    dropped = [r.message for r in logs if r.level == "warning"]
    assert len(dropped) == 3
    assert (
        dropped[0]
        == f"dropped a BTCUSDT candle at {candle(2).ts} ms: not after the last one the engine took"
    )
