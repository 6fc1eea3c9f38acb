"""The main screen: header, emergency banner, bots, open orders and the log.

Every pane is drawn from one `EngineSnapshot`, read by a timer at most ten times a second, so
a burst of engine events costs at most ten redraws a second however fast it arrives.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Container
from textual.screen import Screen
from textual.widgets import Footer

from traderagent.bus import EventStream
from traderagent.facade import BotSnapshot, EngineSnapshot
from tui.render import emergency_bots, halt_reasons
from tui.widgets.bots_table import BotsTable
from tui.widgets.emergency_banner import EmergencyBanner
from tui.widgets.engine_header import EngineHeader
from tui.widgets.event_log import EventLog
from tui.widgets.orders_table import OrdersTable
from tui.widgets.regime_pane import RegimePane

REFRESH_SECONDS = 0.1


class DashboardScreen(Screen[None]):
    # Bots and orders beside the log from 130 columns; everything stacked below that.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (130, "-wide")]

    def __init__(
        self, snapshot: Callable[[], EngineSnapshot], stream: EventStream, title: str
    ) -> None:
        super().__init__()
        self._read_snapshot = snapshot
        self._stream = stream
        self._title = title
        self._snapshot: EngineSnapshot | None = None

    def compose(self) -> ComposeResult:
        yield EngineHeader(self._title, id="header")
        yield EmergencyBanner(id="banner")
        yield RegimePane(id="regime")
        with Container(id="body"):
            with Container(id="trading"):
                yield BotsTable(id="bots")
                yield OrdersTable(id="orders")
            yield EventLog(self._stream, id="log")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(EventLog).border_title = "Fills & log"
        self.refresh_snapshot()
        self.set_interval(REFRESH_SECONDS, self.refresh_snapshot)

    @property
    def snapshot(self) -> EngineSnapshot | None:
        """The snapshot on screen now."""
        return self._snapshot

    @property
    def log_pane(self) -> EventLog:
        return self.query_one(EventLog)

    @property
    def selected_bot(self) -> BotSnapshot | None:
        """The bot under the cursor of the bots table, as last drawn."""
        key = self.query_one(BotsTable).selected_key
        if self._snapshot is None or key is None:
            return None
        return next((bot for bot in self._snapshot.bots if bot.name == key), None)

    def refresh_snapshot(self) -> None:
        self.show(self._read_snapshot())

    def show(self, snapshot: EngineSnapshot) -> None:
        self._snapshot = snapshot
        self.query_one(EngineHeader).show(snapshot)
        self.query_one(EmergencyBanner).show(emergency_bots(snapshot), halt_reasons(snapshot))
        self.query_one(RegimePane).show(snapshot)
        self.query_one(BotsTable).show(snapshot)
        self.query_one(OrdersTable).show(snapshot)
