"""The selected bot: its price chart beside its position, regime and parameters.

The chart (plotext) is the costliest thing on screen, so it is redrawn at most twice a second,
and only while the pane is visible; a change of bot or size redraws it at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from traderagent.facade import BotChart, BotSnapshot, CommandError, EngineSnapshot
from tui.render_bot import bot_detail
from tui.render_chart import price_chart

CHART_SECONDS = 0.5

ChartSource = Callable[[str, int], BotChart]
"""`EngineAPI.bot_chart`: (bot name, minutes) -> chart data."""


class BotPane(Horizontal):
    def __init__(self, chart_source: ChartSource, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._chart_source = chart_source
        self._chart_key: tuple[object, ...] | None = None
        self._drawn_at = 0.0
        self._detail: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="chart")
        with VerticalScroll(id="bot-detail"):
            yield Static("", id="bot-detail-text")

    def show(self, snapshot: EngineSnapshot, bot: BotSnapshot | None, force: bool = False) -> None:
        detail = self.query_one("#bot-detail-text", Static)
        chart = self.query_one("#chart", Static)
        if bot is None:
            detail.update("No bot selected: pick one in the bots table (↑ ↓).")
            chart.update("")
            self._chart_key = None
            return
        regime = next((v for v in snapshot.regimes if v.reading.symbol == bot.symbol), None)
        key = (bot, regime, snapshot.clock_ms // 60_000)
        if key != self._detail:
            self._detail = key
            detail.update(bot_detail(bot, snapshot))
        self._draw_chart(bot, snapshot, chart, force)

    def _draw_chart(
        self, bot: BotSnapshot, snapshot: EngineSnapshot, chart: Static, force: bool
    ) -> None:
        size = chart.content_size
        key = (bot.name, snapshot.clock_ms, bot.fills, bot.open_orders, size.width, size.height)
        if key == self._chart_key or not size.width:
            return
        old = self._chart_key
        same_view = old is not None and (old[0], old[4], old[5]) == (key[0], key[4], key[5])
        now = time.monotonic()
        if same_view and not force and now - self._drawn_at < CHART_SECONDS:
            return  # drawn moments ago: the next tick draws the newest data
        self._chart_key, self._drawn_at = key, now
        try:
            data = self._chart_source(bot.name, max(2 * (size.width - 10), 30))
        except CommandError as err:  # the bot went away between the snapshot and now
            chart.update(str(err))
            return
        chart.update(price_chart(data, size.width, size.height))
