import asyncio
import time

import pytest

from traderagent.bus import EventBus
from traderagent.clock import ReplayClock, VenueClock, format_ts
from traderagent.domain import BotState
from traderagent.domain.events import EquityUpdated, Event, LogRecord
from traderagent.engine.lifecycle import IllegalTransition, Lifecycle


def test_handlers_receive_their_type_and_subclasses_in_order() -> None:
    bus = EventBus()
    seen: list[str] = []
    bus.subscribe(LogRecord, lambda e: seen.append(f"log:{e.message}"))
    bus.subscribe(Event, lambda e: seen.append(f"any:{type(e).__name__}"))
    bus.publish(LogRecord(1, "info", "hello"))
    bus.publish(EquityUpdated(2, 1, 0))  # type: ignore[arg-type]
    assert seen == ["log:hello", "any:LogRecord", "any:EquityUpdated"]


def test_unsubscribe_stops_delivery() -> None:
    bus = EventBus()
    seen: list[Event] = []
    off = bus.subscribe(LogRecord, seen.append)
    off()
    bus.publish(LogRecord(1, "info", "x"))
    assert seen == []


def test_stream_is_bounded_and_coalesces_high_rate_events() -> None:
    bus = EventBus()
    stream = bus.stream(maxsize=3)
    for i in range(5):
        bus.publish(LogRecord(i, "info", str(i)))
        bus.publish(EquityUpdated(i, i, 0))  # type: ignore[arg-type]
    items = stream.drain()
    logs = [e.message for e in items if isinstance(e, LogRecord)]
    equities = [e for e in items if isinstance(e, EquityUpdated)]
    assert logs == ["2", "3", "4"]
    assert stream.dropped == 2
    assert [e.ts for e in equities] == [4]
    assert stream.drain() == []


def test_stream_filters_kinds_and_wakes_a_waiting_reader() -> None:
    async def scenario() -> list[Event]:
        bus = EventBus()
        stream = bus.stream((LogRecord,))
        reader = asyncio.create_task(stream.next_batch())
        await asyncio.sleep(0)
        bus.publish(EquityUpdated(1, 1, 0))  # type: ignore[arg-type]
        bus.publish(LogRecord(2, "info", "wake"))
        return await asyncio.wait_for(reader, 1)

    (event,) = asyncio.run(scenario())
    assert isinstance(event, LogRecord) and event.message == "wake"


def test_replay_clock_as_fast_as_possible_never_sleeps() -> None:
    async def scenario() -> float:
        clock = ReplayClock(start_ms=0, speed=None)
        started = time.perf_counter()
        for minute in range(1, 5001):
            await clock.advance_to(minute * 60_000)
        assert clock.now_ms() == 5000 * 60_000
        return time.perf_counter() - started

    assert asyncio.run(scenario()) < 5  # 5,000 simulated minutes with no pacing at all


def test_replay_clock_paces_by_speed() -> None:
    async def scenario() -> float:
        clock = ReplayClock(start_ms=0, speed=600.0)  # 10 simulated minutes per real second
        await clock.advance_to(0)
        started = time.perf_counter()
        await clock.advance_to(60_000)  # one minute = 0.1 s real
        return time.perf_counter() - started

    assert asyncio.run(scenario()) >= 0.09


def test_replay_clock_refuses_to_go_back_and_bad_speeds() -> None:
    clock = ReplayClock(start_ms=1000)
    with pytest.raises(ValueError, match="backwards"):
        asyncio.run(clock.advance_to(10))
    with pytest.raises(ValueError, match="positive"):
        ReplayClock(speed=0)


def test_an_unsynced_venue_clock_is_wall_time_and_format_is_utc() -> None:
    assert abs(VenueClock().now_ms() - time.time() * 1000) < 1000
    assert format_ts(1677628800000) == "2023-03-01 00:00"


def test_lifecycle_allows_the_designed_paths_only() -> None:
    life = Lifecycle("b")
    for state in (BotState.STARTING, BotState.RUNNING, BotState.PAUSED, BotState.RUNNING):
        life.move(state)
    life.move(BotState.EMERGENCY)
    with pytest.raises(IllegalTransition, match="EMERGENCY: it cannot go to RUNNING"):
        life.move(BotState.RUNNING)
    life.move(BotState.STOPPING)
    life.move(BotState.STOPPED)
    with pytest.raises(IllegalTransition):
        life.move(BotState.PAUSED)
