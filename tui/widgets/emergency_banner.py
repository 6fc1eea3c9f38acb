"""The emergency banner: hidden unless some bot is in EMERGENCY."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from textual.reactive import var
from textual.widgets import Static

from traderagent.facade import EngineSnapshot
from tui.render import banner_text, emergency_bots, halt_reasons


class EmergencyBanner(Static):
    snapshot = var[EngineSnapshot | None](None, always_update=True)
    """Bound to the dashboard's snapshot."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self._bots: tuple[str, ...] = ()
        self._reasons: dict[str, str] = {}
        self.display = False

    @property
    def bots(self) -> tuple[str, ...]:
        return self._bots

    def watch_snapshot(self, snapshot: EngineSnapshot | None) -> None:
        if snapshot is not None:
            self.show(emergency_bots(snapshot), halt_reasons(snapshot))

    def show(self, bots: Sequence[str], reasons: Mapping[str, str] | None = None) -> None:
        if tuple(bots) == self._bots and dict(reasons or {}) == self._reasons:
            return
        self._bots = tuple(bots)
        self._reasons = dict(reasons or {})
        self.update(banner_text(self._bots, self._reasons))
        self.display = bool(self._bots)
