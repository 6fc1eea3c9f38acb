"""Live candles on their way in (marketdata/intake.py, exchanges/bybit/klines.py): repeats,
replays, stale and forming candles are merged or dropped with a log line and a count, never
fatal; a random mix of them never gets past the feed out of order."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from traderagent.domain import Candle
from traderagent.exchanges.bybit.errors import ServerError
from traderagent.exchanges.bybit.klines import RECONNECTED, Arrival, closed_candles
from traderagent.indicators import CandleAggregator
from traderagent.marketdata.intake import CandleIntake

MIN = 60_000
BASE = 1_677_628_800_000  # 2023-03-01 00:00 UTC, a 15-minute boundary


def candle(k: int, close: float = 100.0) -> Candle:
    return Candle("BTCUSDT", BASE + k * MIN, 100.0, 101.0, 99.0, close, 1.0)


def test_the_warmups_last_candle_pushed_again_is_dropped_not_fatal(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The crash of issue 14: warmup ends at X, the stream's first closed candle is X again."""
    intake = CandleIntake("test")
    bars = CandleAggregator(15 * MIN)
    for k in range(3):
        intake.seed(candle(k))
        bars.update_all(candle(k))
    with caplog.at_level(logging.INFO, "traderagent.marketdata.intake"):
        assert intake.offer(candle(2)) is None
    assert intake.counts["repeat"] == 1 and intake.dropped == 1
    assert "dropped a BTCUSDT candle at" in caplog.text
    taken = intake.offer(candle(3))
    assert taken == candle(3)
    bars.update_all(taken)  # strictly after the warmup: the aggregator takes it


def test_a_later_push_of_the_same_start_replaces_the_forming_candle() -> None:
    intake = CandleIntake("test")
    assert intake.offer(candle(0, 100.5), confirmed=False) is None
    assert intake.offer(candle(0, 100.7), confirmed=False) is None
    forming = intake.forming("BTCUSDT")
    assert forming is not None and forming.close == 100.7
    assert intake.offer(candle(0, 100.9)) == candle(0, 100.9)  # confirm: the closed one goes on
    assert intake.forming("BTCUSDT") is None
    assert intake.offer(candle(0, 100.9), confirmed=False) is None  # a late forming push
    assert intake.counts["stale_forming"] == 1
    assert intake.forming("BTCUSDT") is None


def test_revised_stale_and_gapped_candles_are_logged_and_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    intake = CandleIntake("test")
    with caplog.at_level(logging.INFO, "traderagent.marketdata.intake"):
        intake.offer(candle(0))
        intake.offer(candle(1))
        assert intake.offer(candle(1, 55.0)) is None  # same start, other values: the first stays
        assert intake.offer(candle(0)) is None  # older: a replay
        assert intake.offer(candle(4)) == candle(4)  # two candles never came
    assert (intake.counts["revised"], intake.counts["stale"]) == (1, 1)
    assert (intake.counts["gaps"], intake.counts["missing"]) == (1, 2)
    assert intake.last_ts("BTCUSDT") == candle(4).ts
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 3
    assert "other values" in warnings[0] and "older than" in warnings[1]
    assert "2 missing" in warnings[2]


# -- the feed: random arrivals -------------------------------------------------------------


class _Done(Exception):
    """The scripted arrivals ran out."""


def _script(arrivals: list[Arrival]) -> AsyncIterator[Arrival]:
    async def gen() -> AsyncIterator[Arrival]:
        for item in arrivals:
            yield item

    return gen()


arrival = st.one_of(
    st.tuples(
        st.integers(0, 40), st.booleans(), st.sampled_from([100.0, 100.5, 99.5])
    ),  # (minute, confirmed, close): repeats, replays, revisions, forming pushes
    st.just("reconnect"),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    raw=st.lists(arrival, max_size=60),
    seed=st.one_of(st.none(), st.integers(0, 10)),
    failing=st.booleans(),
)
def test_random_arrivals_come_out_once_in_order_with_every_candle_accounted_for(
    raw: list[tuple[int, bool, float] | str], seed: int | None, failing: bool
) -> None:
    """Whatever the stream and the catch-up send, the feed yields strictly rising open times,
    never raises, leaves no hole it could backfill, and passes on or counts every candle."""
    arrivals: list[Arrival] = [
        RECONNECTED if item == "reconnect" else (candle(item[0], item[2]), item[1]) for item in raw
    ]
    pushed_closes = [a for a in arrivals if isinstance(a, tuple) and a[1]]
    newest = max((a[0].ts for a in arrivals if isinstance(a, tuple)), default=BASE)
    backfilled: list[Candle] = []

    async def backfill(start_ms: int, end_ms: int) -> list[Candle]:
        if failing:
            raise ServerError("HTTP 503")
        rows = [candle(k) for k in range(41) if start_ms <= BASE + k * MIN <= end_ms]
        rows += rows[:1]  # the REST page overlaps itself: a repeat inside the catch-up
        backfilled.extend(rows)
        return rows

    async def run() -> tuple[list[Candle], CandleIntake]:
        intake = CandleIntake("test")
        if seed is not None:
            intake.seed(candle(seed))
        script = _script(arrivals)

        async def next_arrival() -> Arrival:
            try:
                return await anext(script)
            except StopAsyncIteration:
                raise _Done from None

        out: list[Candle] = []
        with pytest.raises(_Done):
            async for got in closed_candles(
                "BTCUSDT", MIN, next_arrival, backfill, lambda: newest + MIN, intake
            ):
                out.append(got)
        return out, intake

    out, intake = asyncio.run(run())
    opens = [c.ts for c in out]
    assert opens == sorted(set(opens))
    if seed is not None:
        assert all(ts > candle(seed).ts for ts in opens)
    if not failing and opens:
        start = opens[0] if seed is None else candle(seed).ts + MIN
        assert opens == list(range(start, opens[-1] + MIN, MIN))  # no hole left
    offered = len(pushed_closes) + len(backfilled)
    closed_drops = sum(intake.counts[k] for k in ("repeat", "revised", "stale"))
    assert intake.counts["accepted"] == len(out)
    assert len(out) + closed_drops == offered
    bars = CandleAggregator(15 * MIN)
    if seed is not None:
        bars.update_all(candle(seed))
    for got in out:
        bars.update_all(got)  # the indicator that used to raise takes all of it


def test_a_failed_backfill_is_logged_and_the_stream_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def backfill(start_ms: int, end_ms: int) -> list[Candle]:
        raise ServerError("HTTP 503", endpoint="/v5/market/kline")

    async def run() -> tuple[list[Candle], CandleIntake]:
        intake = CandleIntake("test")
        intake.seed(candle(0))
        script = _script([(candle(3), True), (candle(4), True)])
        out: list[Candle] = []
        gen = closed_candles("BTCUSDT", MIN, lambda: anext(script), backfill, lambda: 0, intake)
        out.append(await anext(gen))
        out.append(await anext(gen))
        await gen.aclose()
        return out, intake

    with caplog.at_level(logging.WARNING):
        out, intake = asyncio.run(run())
    assert [c.ts for c in out] == [candle(3).ts, candle(4).ts]
    assert intake.counts["backfill_failed"] == 1 and intake.counts["missing"] == 2
    assert "backfill" in caplog.text and "going on without it" in caplog.text
