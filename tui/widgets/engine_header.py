"""The header: mode, venue, engine clock, equity, PnL and replay progress."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.reactive import var
from textual.widgets import Static

from traderagent.facade import EngineSnapshot
from tui.render import header_text


class EngineHeader(Static):
    """Shows the engine's clock, never the wall clock, so replays and snapshots read true."""

    snapshot = var[EngineSnapshot | None](None, always_update=True)
    """Bound to the dashboard's snapshot."""

    def __init__(self, title: str, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self._title = title
        self._snapshot: EngineSnapshot | None = None
        self._lines = 0

    def watch_snapshot(self, snapshot: EngineSnapshot | None) -> None:
        if snapshot is not None:
            self.show(snapshot)

    def show(self, snapshot: EngineSnapshot) -> None:
        if snapshot != self._snapshot:
            self._snapshot = snapshot
            self._render_snapshot()

    def on_resize(self, event: events.Resize) -> None:
        self._render_snapshot()

    def _render_snapshot(self) -> None:
        if self._snapshot is not None:
            width = self.content_size.width or 160
            text = header_text(self._snapshot, self._title, width)
            lines = text.plain.count("\n") + 1
            # a layout pass only when the header grows or shrinks: the figures change every tick
            self.update(text, layout=lines != self._lines)
            self._lines = lines
