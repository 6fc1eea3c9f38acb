"""`EventBus.wants`: whether an event of a kind would reach anyone, kept up to date as
handlers and streams come and go."""

from traderagent.bus import EventBus
from traderagent.domain.events import CandleClosed, EquityUpdated, Event, LogRecord, OrderFilled


def test_nobody_listening_wants_nothing() -> None:
    bus = EventBus()
    assert not bus.wants(OrderFilled)
    assert not bus.wants(Event)


def test_a_handler_wants_its_kind_and_its_subclasses() -> None:
    bus = EventBus()
    assert not bus.wants(LogRecord)  # remembered as unwanted, then a handler arrives
    off = bus.subscribe(LogRecord, lambda e: None)
    assert bus.wants(LogRecord)
    assert not bus.wants(EquityUpdated)
    off_all = bus.subscribe(Event, lambda e: None)
    assert bus.wants(EquityUpdated)
    off_all()
    assert not bus.wants(EquityUpdated)
    off()
    assert not bus.wants(LogRecord)


def test_a_stream_wants_its_kinds_or_everything() -> None:
    bus = EventBus()
    orders = bus.stream((OrderFilled,))
    assert bus.wants(OrderFilled) and not bus.wants(CandleClosed)
    everything = bus.stream()
    assert bus.wants(CandleClosed)
    everything.close()
    assert not bus.wants(CandleClosed) and bus.wants(OrderFilled)
    orders.close()
    assert not bus.wants(OrderFilled)


def test_what_it_wants_is_what_publish_delivers() -> None:
    bus = EventBus()
    seen: list[Event] = []
    bus.subscribe(LogRecord, seen.append)
    stream = bus.stream((EquityUpdated,))
    events: list[Event] = [
        LogRecord(1, "info", "x"),
        EquityUpdated(2, 1, 0),  # type: ignore[arg-type]
        CandleClosed(3, None),  # type: ignore[arg-type]
    ]
    for event in events:
        handled = len(seen)
        bus.publish(event)
        reached = len(seen) > handled or bool(stream.drain())
        assert bus.wants(type(event)) is reached
