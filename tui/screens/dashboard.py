"""The main screen: header, emergency banner, bots, the selected bot's tabs, risk and the log;
attached to a fleet daemon, a Fleet tab with every bot of the fleet and where it runs.

Every pane is drawn from one `EngineSnapshot`, read by a timer twelve times a second, so a
burst of engine events costs at most twelve redraws a second however fast it arrives (the chart
and the log pane, the costliest to draw, take new data less often: see their modules). Below 130
columns everything stacks and risk is a tab; from 130 columns risk and the log stand beside.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.app import ComposeResult
from textual.containers import Container
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Footer, TabbedContent, TabPane

from traderagent.api.fleet_view import FleetView
from traderagent.bus import EventStream
from traderagent.facade import BotSnapshot, EngineSnapshot
from tui.equity_history import EquityHistory
from tui.render_risk import breached_count
from tui.widgets.book_tables import FillsTable, PositionsTable
from tui.widgets.bot_pane import BotPane, ChartSource
from tui.widgets.bots_table import BotsTable
from tui.widgets.emergency_banner import EmergencyBanner
from tui.widgets.engine_header import EngineHeader
from tui.widgets.event_log import EventLog
from tui.widgets.finished_banner import FinishedBanner
from tui.widgets.fleet_table import FleetTable
from tui.widgets.orders_table import OrdersTable
from tui.widgets.risk_pane import RiskPane
from tui.widgets.trade_tables import LedgerSource, ProfitPane, TradesPane

REFRESH_SECONDS = 1 / 12
WIDE = 130
TALL = 40
"""From this many rows the bot tab has room for an equity chart, not only its sparkline."""


class DashboardScreen(Screen[None]):
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (TALL, "-tall")]

    snapshot = var[EngineSnapshot | None](None, always_update=True)
    """The snapshot on screen now: set by the refresh tick, bound into the header and the
    banners (which draw it themselves); the rest is drawn by `watch_snapshot`."""
    reset_key = var("N")
    """The key the finished-replay banner names (the app sets the user's)."""

    def __init__(
        self,
        snapshot: Callable[[], EngineSnapshot],
        stream: EventStream,
        title: str,
        chart: ChartSource,
        ledger: LedgerSource,
        fleet: Callable[[], Sequence[FleetView]] | None = None,
    ) -> None:
        super().__init__()
        self._fleet = fleet
        """Every bot of the fleet and where it runs (a console attached to a fleet daemon:
        a Fleet tab), else None."""
        self._read_snapshot = snapshot
        self._stream = stream
        self._title = title
        self._chart = chart
        self._ledger = ledger
        self._force = False
        self.equity_history = EquityHistory()
        """The account's equity per engine minute, for the bot tab's equity chart."""
        self.redraws = 0
        """Snapshots drawn so far (the benchmark's redraw count)."""

    def compose(self) -> ComposeResult:
        yield EngineHeader(self._title, id="header").data_bind(DashboardScreen.snapshot)
        yield EmergencyBanner(id="banner").data_bind(DashboardScreen.snapshot)
        yield FinishedBanner(id="finished").data_bind(
            DashboardScreen.snapshot, DashboardScreen.reset_key
        )
        with Container(id="body"):
            with Container(id="main"):
                yield BotsTable(id="bots")
                with TabbedContent(id="tabs"):
                    with TabPane("Bot", id="tab-bot"):
                        yield BotPane(self._chart, self.equity_history, id="bot")
                    with TabPane("Orders", id="tab-orders"):
                        yield OrdersTable(id="orders")
                    with TabPane("Fills", id="tab-fills"):
                        yield FillsTable(id="fills")
                    with TabPane("Positions", id="tab-positions"):
                        yield PositionsTable(id="positions")
                    with TabPane("Risk", id="tab-risk"):
                        yield RiskPane(id="risk")
                    with TabPane("Trades", id="tab-trades"):
                        yield TradesPane(self._ledger, id="trades")
                    with TabPane("Profit", id="tab-profit"):
                        yield ProfitPane(self._ledger, id="profit")
                    if self._fleet is not None:
                        with TabPane("Fleet", id="tab-fleet"):
                            yield FleetTable(id="fleet")
            with Container(id="side"):
                yield RiskPane(id="risk-side")
                yield EventLog(self._stream, id="log")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#risk-side").border_title = "Risk"
        self.refresh_snapshot()
        self.set_interval(REFRESH_SECONDS, self.refresh_snapshot)

    @property
    def log_pane(self) -> EventLog:
        return self.query_one(EventLog)

    @property
    def selected_bot(self) -> BotSnapshot | None:
        """The bot under the cursor of the bots table, as last drawn."""
        key = self.query_one(BotsTable).selected_key
        if self.snapshot is None or key is None:
            return None
        return next((bot for bot in self.snapshot.bots if bot.name == key), None)

    @property
    def wide(self) -> bool:
        return self.has_class("-wide")

    def show_command_result(self) -> None:
        """What a command just did, at once: its events in the log, the state it left."""
        self.log_pane.catch_up(force=True)
        self.refresh_snapshot()

    def refresh_snapshot(self, force: bool = False) -> None:
        """Draw the engine's state now; `force` redraws the chart even if drawn moments ago."""
        self.log_pane.catch_up(force)
        self.show(self._read_snapshot(), force)

    def show(self, snapshot: EngineSnapshot, force: bool = False) -> None:
        self._force = force
        self.snapshot = snapshot

    def watch_snapshot(self, snapshot: EngineSnapshot | None) -> None:
        if snapshot is None:
            return
        force, self._force = self._force, False
        self.redraws += 1
        self.equity_history.record(snapshot)
        self.query_one(BotsTable).show(snapshot)
        tab = self.query_one(TabbedContent).active
        # hidden panes are not drawn: what they show is drawn when their tab opens
        if tab == "tab-bot":
            self.query_one(BotPane).show(snapshot, self.selected_bot, force)
        elif tab == "tab-orders":
            self.query_one(OrdersTable).show(snapshot)
        elif tab == "tab-fills":
            self.query_one(FillsTable).show(snapshot)
        elif tab == "tab-positions":
            self.query_one(PositionsTable).show(snapshot)
        elif tab == "tab-risk":
            self.query_one("#risk", RiskPane).show(snapshot)
        elif tab == "tab-trades":
            self.query_one(TradesPane).refresh_ledger(force)
        elif tab == "tab-profit":
            self.query_one(ProfitPane).refresh_ledger(force)
        elif tab == "tab-fleet" and self._fleet is not None:
            self.query_one(FleetTable).show(self._fleet())
        if self.wide:
            self.query_one("#risk-side", RiskPane).show(snapshot)
        breached = breached_count(snapshot.risk_limits)
        self._label_tab("tab-risk", f"Risk ⚠{breached}" if breached else "Risk")
        self._label_tab("tab-orders", f"Orders {len(snapshot.open_orders)}")
        if self._fleet is not None:
            self._label_tab("tab-fleet", f"Fleet {len(self._fleet())}")

    def _label_tab(self, tab_id: str, label: str) -> None:
        tab = self.query_one(TabbedContent).get_tab(tab_id)
        if str(tab.label) != label:
            tab.label = label

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if self.snapshot is not None:
            self.show(self.snapshot, force=True)

    def on_data_table_row_highlighted(self) -> None:
        if self.snapshot is not None:
            self.query_one(BotPane).show(self.snapshot, self.selected_bot)
