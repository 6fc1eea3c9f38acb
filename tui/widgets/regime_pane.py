"""The regime pane: each traded symbol's market regime, its inputs and where it routes."""

from __future__ import annotations

from textual.widgets import Static

from traderagent.facade import EngineSnapshot, RegimeView
from tui.render_regime import regime_text


class RegimePane(Static):
    def __init__(self, **kwargs: object) -> None:
        super().__init__("", **kwargs)  # type: ignore[arg-type]
        self._shown: tuple[tuple[RegimeView, ...], int] | None = None

    def show(self, snapshot: EngineSnapshot) -> None:
        # redraw when a reading changes, or every simulated minute for the time in regime
        key = (snapshot.regimes, snapshot.clock_ms // 60_000)
        if key != self._shown:
            self._shown = key
            self.update(regime_text(snapshot.regimes, snapshot.clock_ms))
