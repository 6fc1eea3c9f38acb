"""The parts of a fast-forward: the scan kernel, the lazy candle history, the snapshot timer
over a quiet span, the paper book's band, and when a replay may be fast-forwarded at all."""

from __future__ import annotations

import math
from collections import deque
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from kit.factories import BTCUSDT

from traderagent.backtest.fastforward import enable_fast_forward, first_wake
from traderagent.domain import (
    MINUTE_MS,
    BotState,
    Candle,
    OrderRequest,
    OrderType,
    Position,
    Side,
)
from traderagent.engine.checkpoints import SnapshotSchedule
from traderagent.engine.history import CandleHistory
from traderagent.engine.orchestrator import Engine
from traderagent.exchanges.paper.exchange import PaperExchange
from traderagent.exchanges.paper.instruments import DEFAULT_INSTRUMENTS
from traderagent.marketdata import CandleSeries

T0 = 1_677_628_800_000  # 2023-03-01 00:00 UTC
DAY = 86_400_000
INF = math.inf
NO_BARS = np.zeros(0, dtype=np.int64)


def series(closes: list[float], minutes: list[int] | None = None) -> CandleSeries:
    minutes = minutes if minutes is not None else list(range(len(closes)))
    c = np.array(closes, dtype=np.float64)
    ts = T0 + np.array(minutes, dtype=np.int64) * MINUTE_MS
    return CandleSeries("BTCUSDT", MINUTE_MS, ts, c, c + 1.0, c - 1.0, c, np.ones(len(c)))


def scan(s: CandleSeries, start: int = 0, **kw: Any) -> int:
    args: dict[str, Any] = {
        "low_below": -INF,
        "high_above": INF,
        "bars": NO_BARS,
        "until_ms": 2**62,
        "watch": False,
        "base": 0.0,
        "qty": 0.0,
        "peak": 0.0,
        "day": -1,
        "day_start": 0.0,
        "max_loss": INF,
        "max_drawdown_pct": INF,
    }
    args.update(kw)
    return int(first_wake(s.ts, s.low, s.high, s.close, start, s.interval_ms, *args.values()))


def test_a_price_wakes_only_when_strictly_crossed() -> None:
    s = series([100.0, 100.5, 101.0, 98.0])  # lows 99, 99.5, 100, 97; highs 101 .. 102
    assert scan(s, low_below=99.0) == 3  # touching 99 is not crossing it
    assert scan(s, low_below=99.0001) == 0
    assert scan(s, high_above=102.0) == 4  # nothing wakes: the length
    assert scan(s, high_above=101.9) == 2
    assert scan(s, start=3, high_above=101.9) == 4


def test_bar_closes_and_timers_wake() -> None:
    s = series([100.0] * 40)
    quarter = np.array([15 * MINUTE_MS], dtype=np.int64)
    assert scan(s, bars=quarter) == 14  # closes at :15
    assert scan(s, start=15, bars=quarter) == 29
    assert scan(s, until_ms=T0 + 7 * MINUTE_MS) == 6  # the candle closing then
    gap = series([100.0] * 6, minutes=[0, 1, 2, 3, 20, 21])
    assert scan(gap, start=1, bars=quarter) == 4  # a later bucket's candle finishes :00-:15


def test_the_equity_limits_wake_at_the_first_candle_that_may_breach() -> None:
    closes = [100.0, 99.0, 98.0, 97.0, 96.0]
    s = series(closes)
    # equity = 1000 + 10 x close: 2000, 1990, 1980 ...; day opened at 2000
    limits = {"watch": True, "base": 1000.0, "qty": 10.0, "peak": 2000.0, "day_start": 2000.0}
    day = (T0 // DAY) * 1
    assert scan(s, **limits, day=day, max_loss=25.0) == 3  # loss 30 > 25 at close 97
    assert scan(s, **limits, day=day, max_loss=30.0) == 3  # at the limit: the engine decides
    assert scan(s, **limits, day=day, max_loss=30.5) == 4
    assert scan(s, **limits, day=day, max_drawdown_pct=1.0) == 2  # 20 / 2000 = 1 %, then 1.5
    yesterday = {**limits, "day_start": 2100.0}
    assert scan(s, **yesterday, day=day, max_loss=25.0) == 0  # 100 down on the day already
    assert scan(s, **yesterday, day=day - 1, max_loss=25.0) == 3  # a new day: from 2000 again
    assert scan(s, **{**limits, "peak": 2100.0}, day=day, max_drawdown_pct=5.0) == 1


def candles(n: int) -> list[Candle]:
    return list(series([float(100 + i) for i in range(n)]))


def test_a_history_of_spans_reads_like_a_bounded_deque_of_candles() -> None:
    s = series([float(100 + i) for i in range(50)])
    every = list(s)
    history, reference = CandleHistory(12), deque[Candle](maxlen=12)
    history.append(every[0])
    reference.append(every[0])
    for lo, hi in ((1, 5), (5, 6), (6, 30)):
        history.extend_span(s, lo, hi)
        reference.extend(every[lo:hi])
        assert list(history) == list(reference)
    for candle in every[30:33]:
        history.append(candle)
        reference.append(candle)
    history.extend_span(s, 33, 36)
    reference.extend(every[33:36])
    assert len(history) == 12 and list(history) == list(reference)
    assert history[0] == reference[0] and history[-1] == reference[-1] and history[5] == every[29]
    assert list(history[2:4]) == list(reference)[2:4]
    with pytest.raises(IndexError):
        history[12]
    copied = CandleHistory(5)
    copied.extend(history)  # a bot built on reload takes another's memory
    assert list(copied) == list(reference)[-5:]


def bot(name: str = "b") -> SimpleNamespace:
    strategy = SimpleNamespace(kind="grid", describe=lambda: "grid")
    return SimpleNamespace(
        name=name,
        state=BotState.RUNNING,
        state_reason="",
        execution=SimpleNamespace(seq=1),
        position=Position("BTCUSDT"),
        strategy=strategy,
        strategy_started=True,
        router=None,
        orders={"b-1": None},
        order_set_changes=1,
    )


class Writes:
    def __init__(self) -> None:
        self.at: list[int] = []

    async def save_snapshot(self, bot: str, payload: dict[str, Any], ts: int) -> int:
        self.at.append(ts)
        return len(self.at)


@pytest.mark.parametrize("interval_ms", [30_000, 150_000, 600_000])
async def test_a_quiet_span_moves_the_snapshot_timer_as_stepping_would(interval_ms: int) -> None:
    opens = T0 + np.arange(40, dtype=np.int64) * MINUTE_MS
    close = [int(t) + MINUTE_MS for t in opens]
    changes = {1: 2, 17: 3}  # candle index -> the bot's sequence changes then (an event)
    stepped_journal, fast_journal = Writes(), Writes()
    stepped = SnapshotSchedule(stepped_journal, interval_ms)  # type: ignore[arg-type]
    fast = SnapshotSchedule(fast_journal, interval_ms)  # type: ignore[arg-type]
    b, twin = bot(), bot()
    for i, t in enumerate(close):
        b.execution.seq = changes.get(i, b.execution.seq)
        await stepped.save_due([b], t)
    i = 0
    while i < len(close):  # as the driver does: step events and timers, pass the rest
        due = fast.quiet_until([twin], close[i - 1]) if i else close[0]
        wake = next((k for k in changes if k >= i), len(close))
        if due is not None:
            wake = min(wake, next((k for k in range(i, len(close)) if close[k] >= due), wake))
        fast.pass_quietly([twin], opens[i:wake], MINUTE_MS, MINUTE_MS)
        if wake < len(close):
            twin.execution.seq = changes.get(wake, twin.execution.seq)
            await fast.save_due([twin], close[wake])
        i = wake + 1
    assert fast_journal.at == stepped_journal.at and len(stepped_journal.at) == 3
    assert fast._next_ms == stepped._next_ms


async def test_an_unwritten_change_wakes_the_engine_when_its_snapshot_falls_due() -> None:
    schedule = SnapshotSchedule(Writes(), 150_000)  # type: ignore[arg-type]
    b = bot()
    await schedule.save_due([b], T0)
    assert schedule.quiet_until([b], T0) is None  # compared and written at T0: nothing pends
    b.execution.seq = 2
    await schedule.save_due([b], T0 + MINUTE_MS)  # not due yet: not compared
    assert schedule.quiet_until([b], T0 + MINUTE_MS) == T0 + 150_000
    b.state = BotState.PAUSED
    assert schedule.quiet_until([b], T0 + MINUTE_MS) == T0 + MINUTE_MS  # a state change: now


def test_the_paper_book_band_is_its_best_prices() -> None:
    venue = PaperExchange(DEFAULT_INSTRUMENTS, {"USDT": Decimal(10000)}, now_ms=lambda: T0)
    venue.on_candle(Candle("BTCUSDT", T0, 22000, 22001, 21999, 22000, 1.0))
    assert venue.band("BTCUSDT") == (-INF, INF)
    orders = (("b-1", Side.BUY, "21900"), ("b-2", Side.BUY, "21950"), ("b-3", Side.SELL, "22100"))
    for cid, side, price in orders:
        request = OrderRequest(
            cid, "BTCUSDT", side, OrderType.LIMIT, Decimal("0.01"), Decimal(price)
        )
        if side is Side.SELL:
            venue.place_order_sync(  # 0.0101 credits 0.0100899 (its fee is in BTC)
                OrderRequest("b-0", "BTCUSDT", Side.BUY, OrderType.MARKET, Decimal("0.0101"))
            )
        venue.place_order_sync(request)
    assert venue.band("BTCUSDT") == (21950.0, 22100.0)
    venue.skip_quiet("BTCUSDT", 22050.0, T0 + 5 * MINUTE_MS)
    assert venue.last_price("BTCUSDT") == 22050.0
    assert BTCUSDT.symbol == "BTCUSDT"


class FakeEngine:
    def __init__(self, feed: object, clock: object, mode: str = "PAPER") -> None:
        from traderagent.domain import TradingMode

        self.feed, self.clock = feed, clock
        self.mode = TradingMode(mode)
        self.exchange = PaperExchange(DEFAULT_INSTRUMENTS, {}, now_ms=lambda: T0)
        self.driver: object = None
        self.bots: dict[str, Any] = {"g": SimpleNamespace(symbol="BTCUSDT", router=None)}
        self.classifiers: dict[str, object] = {"BTCUSDT": object()}

    drive_with = Engine.drive_with  # the engine's own: which classifiers stay is its rule


def test_only_a_full_speed_replay_of_a_series_is_fast_forwarded() -> None:
    from traderagent.clock import ReplayClock, VenueClock

    s = series([100.0] * 5)
    assert enable_fast_forward(FakeEngine(s, ReplayClock(T0, speed=60.0))) is None  # type: ignore[arg-type]
    assert enable_fast_forward(FakeEngine(s, VenueClock(T0))) is None  # type: ignore[arg-type]
    assert enable_fast_forward(FakeEngine(list(s), ReplayClock(T0))) is None  # type: ignore[arg-type]
    live = FakeEngine(s, ReplayClock(T0), mode="LIVE")
    assert enable_fast_forward(live) is None  # type: ignore[arg-type]
    replay = FakeEngine(s, ReplayClock(T0))
    driver = enable_fast_forward(replay)  # type: ignore[arg-type]
    assert driver is not None and replay.driver is driver
    assert replay.classifiers == {}  # it would see only the stepped candles: not fed at all
