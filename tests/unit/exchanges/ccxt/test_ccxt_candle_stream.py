"""The `watch_ohlcv` feed's rules on a live clock: the newest row is forming until a newer
one is pushed (or its close is well past), a row pushed twice is one candle, and a push that
skips candles is preceded by the missing ones read by REST."""

from __future__ import annotations

import asyncio
from typing import Any

from traderagent.domain import Candle
from traderagent.exchanges.ccxt.candle_stream import CLOSE_GRACE_MS, CandleStream
from traderagent.exchanges.ccxt.market import CandlePoller

M = 60_000
T0 = 1_700_000_040_000 - 1_700_000_040_000 % M


def row(ts: int, close: float) -> list[Any]:
    return [ts, 1.0, 2.0, 0.5, close, 10.0]


class Pushing:
    """A ccxt.pro client whose pushes and clock the test sets; REST klines by open time."""

    def __init__(self, pushes: list[tuple[int, list[list[Any]]]], rest: list[list[Any]]) -> None:
        self.pushes = pushes  # (clock at the push, rows pushed)
        self.rest = rest
        self.now = T0
        self.fetched: list[int] = []

    def milliseconds(self) -> int:
        return self.now

    async def watch_ohlcv(self, market: str, frame: str) -> list[list[Any]]:
        if not self.pushes:
            await asyncio.Event().wait()  # silent from here on
        self.now, rows = self.pushes.pop(0)
        return rows

    async def fetch_ohlcv(self, market: str, frame: str, **kwargs: Any) -> list[list[Any]]:
        since = kwargs["since"]
        self.fetched.append(since)
        return [r for r in self.rest if r[0] >= since]


async def closed(client: Pushing, count: int, after: Candle | None = None) -> list[Candle]:
    stream = CandleStream(client, CandlePoller(client, lambda s: "BTC/USDT", 1.0))
    feed = stream.candles("BTCUSDT", M, after)
    try:
        return [await asyncio.wait_for(anext(feed), 10) for _ in range(count)]
    finally:
        await feed.aclose()


async def test_a_forming_row_waits_for_the_next_and_a_repeat_is_one_candle() -> None:
    client = Pushing(
        [
            (T0 + 10_000, [row(T0, 100.0)]),  # forming
            (T0 + 59_000, [row(T0, 101.0)]),  # still forming
            (T0 + M + 500, [row(T0, 102.0), row(T0 + M, 200.0)]),  # the last word, and next
            (T0 + M + 900, [row(T0 + M, 201.0)]),
            (T0 + 2 * M + 100, [row(T0 + 2 * M, 300.0)]),
        ],
        rest=[],
    )
    got = await closed(client, 2)
    assert [(c.ts, c.close) for c in got] == [(T0, 102.0), (T0 + M, 201.0)]
    assert client.fetched == []  # nothing read by REST


async def test_a_quiet_market_closes_the_row_once_its_close_is_past() -> None:
    late = T0 + M + CLOSE_GRACE_MS
    client = Pushing([(T0 + 30_000, [row(T0, 100.0)]), (late, [row(T0, 100.5)])], rest=[])
    assert [(c.ts, c.close) for c in await closed(client, 1)] == [(T0, 100.5)]


async def test_skipped_candles_are_read_by_rest_before_the_push_that_skipped_them() -> None:
    after = Candle("BTCUSDT", T0, 1.0, 2.0, 0.5, 100.0, 10.0, M)
    client = Pushing(
        [(T0 + 4 * M + 10, [row(T0 + 3 * M, 400.0), row(T0 + 4 * M, 500.0)])],
        rest=[row(T0 + M, 200.0), row(T0 + 2 * M, 300.0), row(T0 + 3 * M, 399.0)],
    )
    got = await closed(client, 3, after)
    assert [(c.ts, c.close) for c in got] == [
        (T0 + M, 200.0),
        (T0 + 2 * M, 300.0),
        (T0 + 3 * M, 400.0),  # the stream's own row, not REST's
    ]
    assert client.fetched == [T0 + M]
