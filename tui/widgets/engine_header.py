"""The header: mode, venue, engine clock, equity, PnL and replay progress."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widgets import Static

from traderagent.facade import EngineSnapshot
from tui.render import header_text


class EngineHeader(Static):
    """Shows the engine's clock, never the wall clock, so replays and snapshots read true."""

    def __init__(self, title: str, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self._title = title
        self._snapshot: EngineSnapshot | None = None

    def show(self, snapshot: EngineSnapshot) -> None:
        if snapshot != self._snapshot:
            self._snapshot = snapshot
            self._render_snapshot()

    def on_resize(self, event: events.Resize) -> None:
        self._render_snapshot()

    def _render_snapshot(self) -> None:
        if self._snapshot is not None:
            width = self.content_size.width or 160
            self.update(header_text(self._snapshot, self._title, width))
