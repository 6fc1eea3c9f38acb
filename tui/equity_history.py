"""The account's equity as the console saw it: one point per engine minute, from the snapshots
it draws, for the bot tab's live equity chart (a local or an attached engine alike)."""

from __future__ import annotations

from collections import deque
from decimal import Decimal

from traderagent.facade import EngineSnapshot

MINUTE_MS = 60_000
KEPT = 1_440
"""A day of engine minutes."""


class EquityHistory:
    def __init__(self, kept: int = KEPT) -> None:
        self._points: deque[tuple[int, Decimal]] = deque(maxlen=kept)
        self.version = 0
        """Bumped with every change: a chart redraws only when it moved."""

    @property
    def points(self) -> tuple[tuple[int, Decimal], ...]:
        """(minute's start, equity at its last snapshot), oldest first."""
        return tuple(self._points)

    def clear(self) -> None:
        self._points.clear()
        self.version += 1

    def record(self, snapshot: EngineSnapshot) -> None:
        """Keep the equity of `snapshot` as its minute's point. An equity not yet known
        (before the first price) is no point: it would draw a fall to zero."""
        if not snapshot.equity_valued:
            return
        minute = snapshot.clock_ms - snapshot.clock_ms % MINUTE_MS
        points = self._points
        if points and points[-1][0] == minute:
            if points[-1][1] == snapshot.equity:
                return
            points[-1] = (minute, snapshot.equity)
        elif points and points[-1][0] > minute:
            return  # the clock never goes back; a stale snapshot is not drawn
        else:
            points.append((minute, snapshot.equity))
        self.version += 1
