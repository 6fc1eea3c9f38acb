"""The bots pane: one row per bot; the cursor row is the bot that keys act on."""

from __future__ import annotations

from traderagent.facade import EngineSnapshot
from tui.render import BOT_COLUMNS, bot_rows
from tui.widgets.snapshot_table import SnapshotTable


class BotsTable(SnapshotTable):
    COLUMNS = BOT_COLUMNS

    def show(self, snapshot: EngineSnapshot) -> None:
        self.show_rows(bot_rows(snapshot))
        self.border_title = f"Bots ({len(snapshot.bots)})"
