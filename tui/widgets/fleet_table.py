"""The fleet pane (a console attached to a fleet daemon): every bot of the fleet, where it
runs, its state and lease."""

from __future__ import annotations

from collections.abc import Sequence

from traderagent.api.fleet_view import FleetView
from tui.render_fleet import FLEET_COLUMNS, fleet_rows
from tui.widgets.snapshot_table import SnapshotTable


class FleetTable(SnapshotTable):
    COLUMNS = FLEET_COLUMNS

    def show(self, views: Sequence[FleetView]) -> None:
        self.show_rows(fleet_rows(views))
        daemons = len({v.holder for v in views if v.holder and v.live})
        self.border_title = f"Fleet: {len(views)} bots on {daemons} daemon(s)"
