"""The bot tab's live equity chart: the account's equity since the console started.

A plotext chart where the pane is tall enough, else a one-line sparkline. Like the price chart
it is redrawn at most once a second, and only while the bot tab is open.
"""

from __future__ import annotations

import time
from typing import Any

from textual.widgets import Static

from tui.equity_history import EquityHistory
from tui.render_chart import MIN_HEIGHT, equity_chart, equity_sparkline

CHART_SECONDS = 1.0


class EquityChart(Static):
    def __init__(self, history: EquityHistory, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self._history = history
        self._drawn: tuple[int, int, int] | None = None
        self._drawn_at = 0.0

    def show(self, force: bool = False) -> None:
        size = self.content_size
        key = (self._history.version, size.width, size.height)
        if key == self._drawn or not size.width:
            return
        now = time.monotonic()
        same_size = self._drawn is not None and self._drawn[1:] == key[1:]
        if same_size and not force and now - self._drawn_at < CHART_SECONDS:
            return  # drawn moments ago: the next tick draws the newest point
        self._drawn, self._drawn_at = key, now
        points = self._history.points
        if size.height < MIN_HEIGHT or len(points) < 2:
            self.update(equity_sparkline(points, size.width), layout=False)
        else:
            self.update(equity_chart(points, size.width, size.height), layout=False)
