"""The Trades and Profit tabs: closed trades and profit by period, from `closed_trades`.

The ledger is read from the database (or the daemon) in a worker, at most every
`REFRESH_SECONDS` and only while a tab shows it; the tables redraw from the last one read.
"""

from __future__ import annotations

import time
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from traderagent.facade import EngineAPI
from traderagent.ledger import TradeLedger
from tui.render_trades import (
    PROFIT_COLUMNS,
    TRADE_COLUMNS,
    ledger_summary,
    profit_rows,
    trade_rows,
)
from tui.widgets.snapshot_table import SnapshotTable

REFRESH_SECONDS = 2.0
PERIODS = ("day", "week", "month")


class TradesTable(SnapshotTable):
    COLUMNS = TRADE_COLUMNS

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="none", **kwargs)


class ProfitTable(SnapshotTable):
    COLUMNS = PROFIT_COLUMNS

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="none", **kwargs)


class LedgerSource:
    """Reads the engine's closed trades in a worker of `owner`, no more often than needed."""

    def __init__(self, engine: EngineAPI) -> None:
        self.engine = engine
        self.ledger: TradeLedger | None = None
        self.error = ""
        self._read_at = 0.0

    def due(self, force: bool = False) -> bool:
        return force or time.monotonic() - self._read_at >= REFRESH_SECONDS

    async def read(self) -> None:
        self._read_at = time.monotonic()
        try:
            self.ledger = await self.engine.closed_trades()
            self.error = ""
        except Exception as err:  # shown in the tab; the console stays up
            self.error = f"closed trades unavailable: {type(err).__name__}: {err}"


class LedgerPane(Vertical):
    """A summary line over a table, drawn from the ledger the source last read."""

    def __init__(self, source: LedgerSource, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source = source

    def compose(self) -> ComposeResult:
        yield Static(id=f"{self.id}-summary", classes="ledger-summary")
        yield from self.tables()

    def tables(self) -> ComposeResult:
        yield from ()

    def refresh_ledger(self, force: bool = False) -> None:
        self.draw()
        if self.source.due(force):
            self._read()

    @work(exclusive=True, group="ledger")
    async def _read(self) -> None:
        await self.source.read()
        self.draw()

    def draw(self) -> None:
        summary = self.query_one(f"#{self.id}-summary", Static)
        if self.source.error:
            summary.update(self.source.error)
        elif self.source.ledger is None:
            summary.update("reading closed trades…")
        else:
            summary.update(ledger_summary(self.source.ledger))
            self.draw_tables(self.source.ledger)

    def draw_tables(self, ledger: TradeLedger) -> None: ...


class TradesPane(LedgerPane):
    """Every bot's closed trades, newest first: entry, exit, quantity, fees, PnL, time held."""

    def tables(self) -> ComposeResult:
        yield TradesTable(id="trades-table")

    def draw_tables(self, ledger: TradeLedger) -> None:
        self.query_one(TradesTable).show_rows(trade_rows(ledger))


class ProfitPane(LedgerPane):
    """Closed trades' PnL by day, week and month, side by side."""

    def compose(self) -> ComposeResult:
        yield Static(id=f"{self.id}-summary", classes="ledger-summary")
        with Horizontal(id="profit-tables"):
            for period in PERIODS:
                table = ProfitTable(id=f"profit-{period}", classes="profit-table")
                table.border_title = f"By {period}"
                yield table

    def draw_tables(self, ledger: TradeLedger) -> None:
        for period in PERIODS:
            self.query_one(f"#profit-{period}", ProfitTable).show_rows(profit_rows(ledger, period))
