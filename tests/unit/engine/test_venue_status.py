"""The venue's connection troubles reach the operator: once per change, in the log and header."""

from __future__ import annotations

from decimal import Decimal

from traderagent.bus import EventBus
from traderagent.clock import ReplayClock
from traderagent.domain import TradingMode
from traderagent.domain.events import LogRecord
from traderagent.engine.orchestrator import Engine
from traderagent.exchanges.ports import UpdateListener
from traderagent.facade import EngineSnapshot
from tui.render import header_text


class TroubledVenue:
    name = "bybit"

    def __init__(self) -> None:
        self.status_line = ""

    def set_listener(self, listener: UpdateListener) -> None:
        self.listener = listener


def test_status_changes_are_logged_once_and_shown_in_the_header() -> None:
    venue = TroubledVenue()
    bus = EventBus()
    logs: list[LogRecord] = []
    bus.subscribe(LogRecord, logs.append)
    engine = Engine(
        mode=TradingMode.DEMO,
        clock=ReplayClock(0),
        exchange=venue,  # type: ignore[arg-type]
        journal=None,  # type: ignore[arg-type]
        bus=bus,
        bots=[],
        feed=[],
    )
    engine.refresh_venue_status()
    assert logs == []  # healthy: nothing to say
    venue.status_line = "bybit rest: IP banned (HTTP 403): sending nothing for 600 s"
    engine.refresh_venue_status()
    engine.refresh_venue_status()
    assert [r.message for r in logs] == [venue.status_line]
    assert logs[0].level == "warning"
    snapshot = EngineSnapshot(
        TradingMode.DEMO, "bybit", 0, Decimal(0), Decimal(0), venue_status=engine.venue_status
    )
    assert "⚠ bybit rest: IP banned" in header_text(snapshot, "TraderAgent", 200).plain
    venue.status_line = ""
    engine.refresh_venue_status()
    assert logs[-1].message == "venue connection healthy again"
    assert engine.venue_status == ""
