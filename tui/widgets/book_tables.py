"""The recent fills and positions panes."""

from __future__ import annotations

from typing import Any

from traderagent.facade import EngineSnapshot
from tui.render_book import FILL_COLUMNS, POSITION_COLUMNS, fill_rows, position_rows
from tui.widgets.snapshot_table import SnapshotTable


class FillsTable(SnapshotTable):
    """The engine's recent fills, newest first."""

    COLUMNS = FILL_COLUMNS

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="none", **kwargs)

    def show(self, snapshot: EngineSnapshot) -> None:
        self.show_rows(fill_rows(snapshot.recent_fills))


class PositionsTable(SnapshotTable):
    """Each bot's position at its last price."""

    COLUMNS = POSITION_COLUMNS

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="none", **kwargs)

    def show(self, snapshot: EngineSnapshot) -> None:
        self.show_rows(position_rows(snapshot.bots))
