"""The emergency banner: hidden unless some bot is in EMERGENCY."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from textual.widgets import Static

from tui.render import banner_text


class EmergencyBanner(Static):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self._bots: tuple[str, ...] = ()
        self._reasons: dict[str, str] = {}
        self.display = False

    @property
    def bots(self) -> tuple[str, ...]:
        return self._bots

    def show(self, bots: Sequence[str], reasons: Mapping[str, str] | None = None) -> None:
        if tuple(bots) == self._bots and dict(reasons or {}) == self._reasons:
            return
        self._bots = tuple(bots)
        self._reasons = dict(reasons or {})
        self.update(banner_text(self._bots, self._reasons))
        self.display = bool(self._bots)
