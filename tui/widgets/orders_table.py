"""The open orders pane, highest price first."""

from __future__ import annotations

from typing import Any

from traderagent.facade import EngineSnapshot
from tui.render import ORDER_COLUMNS, order_rows
from tui.widgets.snapshot_table import SnapshotTable


class OrdersTable(SnapshotTable):
    COLUMNS = ORDER_COLUMNS

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="none", **kwargs)

    def show(self, snapshot: EngineSnapshot) -> None:
        self.show_rows(order_rows(snapshot.open_orders))
        self.border_title = f"Open orders ({len(snapshot.open_orders)})"
