"""The selected bot: its price chart, over the account's live equity chart, beside its
position, regime and parameters.

The chart (plotext) is the costliest thing on screen, so it is redrawn at most once a second,
and only while the pane is visible; the figures beside it at most twice a second (the bots
table above shows the same bot's PnL at the full refresh rate). A change of size redraws the
chart at once; a change of bot shows that bot's chart from the last second if there is one
(moving along the bots table does not re-plot every bot it passes), otherwise draws it at once.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from traderagent.facade import BotChart, BotSnapshot, CommandError, EngineSnapshot
from tui.equity_history import EquityHistory
from tui.render_bot import bot_detail
from tui.render_chart import price_chart
from tui.widgets.equity_chart import EquityChart

CHART_SECONDS = 1.0
DETAIL_SECONDS = 0.5
CHARTS_KEPT = 8

ChartSource = Callable[[str, int], BotChart]
"""`EngineAPI.bot_chart`: (bot name, minutes) -> chart data."""


class BotPane(Horizontal):
    def __init__(
        self, chart_source: ChartSource, equity: EquityHistory | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._chart_source = chart_source
        self._equity = equity or EquityHistory()
        self._chart_key: tuple[object, ...] | None = None
        self._drawn_at = 0.0
        self._detail: tuple[object, ...] | None = None
        self._detail_bot = ""
        self._detail_state: object = None
        self._detail_at = 0.0
        self._detail_lines = 0
        self._recent: OrderedDict[tuple[str, int, int], tuple[float, Text]] = OrderedDict()
        """(bot, width, height) -> (when drawn, the chart): the last charts drawn, newest last."""

    def compose(self) -> ComposeResult:
        with Vertical(id="charts"):
            yield Static("", id="chart")
            yield EquityChart(self._equity, id="equity")
        with VerticalScroll(id="bot-detail"):
            yield Static("", id="bot-detail-text")

    def show(self, snapshot: EngineSnapshot, bot: BotSnapshot | None, force: bool = False) -> None:
        detail = self.query_one("#bot-detail-text", Static)
        chart = self.query_one("#chart", Static)
        self.query_one(EquityChart).show(force)
        if bot is None:
            detail.update("No bot selected: pick one in the bots table (↑ ↓).")
            chart.update("")
            self._chart_key = self._detail = None
            self._detail_bot = ""
            return
        regime = next((v for v in snapshot.regimes if v.reading.symbol == bot.symbol), None)
        key = (bot, regime, snapshot.clock_ms // 60_000)
        now = time.monotonic()
        force = force or not snapshot.running  # nothing to keep up with: draw what is there
        same_bot = self._detail_bot == bot.name
        # a change of state (a halt, a pause) or of position shows at once (the bots table
        # beside shows the same position from the same snapshot); only the PnL waits its turn
        recent = same_bot and now - self._detail_at < DETAIL_SECONDS
        recent = recent and (bot.state, bot.position_qty) == self._detail_state
        if key != self._detail and (force or not recent):
            text = bot_detail(bot, snapshot)
            lines = self._wrapped_height(text, detail.content_size.width)
            # a layout pass only when the text grows or shrinks: its figures change every tick
            detail.update(text, layout=not same_bot or lines != self._detail_lines)
            self._detail, self._detail_at, self._detail_lines = key, now, lines
            self._detail_bot, self._detail_state = bot.name, (bot.state, bot.position_qty)
        self._draw_chart(bot, snapshot, chart, force)

    def _wrapped_height(self, text: Text, width: int) -> int:
        """Lines on screen once wrapped to `width` (a longer figure can wrap onto one more)."""
        if width <= 0:
            return text.plain.count("\n") + 1
        return len(text.wrap(self.app.console, width))

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
        view = (bot.name, size.width, size.height)
        recent = self._recent.get(view)
        if not same_view and not force and recent and now - recent[0] < CHART_SECONDS:
            self._chart_key, self._drawn_at = key, recent[0]
            chart.update(recent[1], layout=False)  # back on a bot charted a moment ago
            return
        self._chart_key, self._drawn_at = key, now
        try:
            data = self._chart_source(bot.name, max(2 * (size.width - 10), 30))
        except CommandError as err:  # the bot went away between the snapshot and now
            chart.update(str(err))
            return
        drawn = price_chart(data, size.width, size.height)
        self._recent[view] = (now, drawn)
        self._recent.move_to_end(view)
        while len(self._recent) > CHARTS_KEPT:
            self._recent.popitem(last=False)
        chart.update(drawn, layout=False)  # the chart fills a fixed box: no layout pass
