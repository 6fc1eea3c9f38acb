"""The backtest screen's output: a message, or a result's metrics and its three charts.

The metrics come from `traderagent.backtest.report` and the charts from
`traderagent.backtest.plots`, the same text the CLI prints.
"""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from traderagent.backtest.plots import drawdown_chart, equity_chart, price_chart
from traderagent.backtest.report import heading, metric_rows
from traderagent.backtest.runner import BacktestResult

CHART_HEIGHT = 12
SIGNED = frozenset({"net PnL", "return"})
"""Rows coloured by their sign (the sign itself says it without colour)."""


def metrics_text(result: BacktestResult, *, show_elapsed: bool = True) -> Text:
    """The heading and one metric per line; `show_elapsed` False leaves out wall-clock time."""
    rows = [row for row in metric_rows(result.metrics) if show_elapsed or row[0] != "elapsed"]
    width = max(len(label) for label, _ in rows)
    lines = [
        Text(line, style="bold" if i == 0 else "dim") for i, line in enumerate(heading(result))
    ]
    pnl = result.metrics.net_pnl.quantize(Decimal("0.01"))
    sign_style = "green" if pnl > 0 else "red" if pnl < 0 else ""
    for label, value in rows:
        style = sign_style if label in SIGNED else ""
        lines.append(Text.assemble(f"  {label:<{width}}  ", (value, style)))
    return Text("\n").join(lines)


class BacktestOutput(VerticalScroll):
    """Scrolls when the result is taller than the screen."""

    def compose(self) -> ComposeResult:
        yield Static("Enter runs the backtest; escape goes back.", id="bt-result")
        yield Static("", id="bt-chart")

    def say(self, message: str, style: str = "") -> None:
        """A one-line message instead of a result (the charts are cleared)."""
        self.query_one("#bt-result", Static).update(Text(message, style=style))
        self.query_one("#bt-chart", Static).update("")

    def show(self, result: BacktestResult, width: int, *, show_elapsed: bool = True) -> None:
        """The metrics, then price, equity and drawdown charts `width` columns wide."""
        self.query_one("#bt-result", Static).update(metrics_text(result, show_elapsed=show_elapsed))
        charts = [
            price_chart(result, width, CHART_HEIGHT),
            equity_chart(result, width, CHART_HEIGHT),
            drawdown_chart(result, width, CHART_HEIGHT * 2 // 3),
        ]
        self.query_one("#bt-chart", Static).update(
            Text("\n").join(Text.from_ansi(chart) for chart in charts)
        )
