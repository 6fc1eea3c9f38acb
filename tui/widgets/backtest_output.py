"""The backtest screen's output: a message, or a result in seven tabs: its metrics, the price,
equity and drawdown charts, the periods (table and bar chart), the regimes (and routes), the
robustness (Monte Carlo), the perturbed candle paths and the side-by-side comparison with other
configs. `m`, `c`, `p`, `g`, `r`, `t` and `s` switch tabs once a run has ended (the focus is
then on the output), so each is one key away at any terminal size; the last two open on an
Input (how many perturbed runs; which configs) whose Enter runs them.

The text comes from `traderagent.backtest.report`, `analysis_text`, `compare` and `plots`: the
same the CLI prints.
"""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Static, TabbedContent, TabPane

from traderagent.backtest.analysis import Analysis
from traderagent.backtest.analysis_text import monte_carlo_lines, period_lines, regime_lines
from traderagent.backtest.plots import MIN_HEIGHT, drawdown_chart, equity_chart, price_chart
from traderagent.backtest.report import heading, metric_rows
from traderagent.backtest.runner import BacktestResult

MAX_CHART_HEIGHT = 30
SIGNED = frozenset({"net PnL", "return"})
"""Rows coloured by their sign (the sign itself says it without colour)."""
TABS = (
    ("metrics", "Metrics", "bt-result"),
    ("charts", "Charts", "bt-chart"),
    ("periods", "Periods", "bt-periods"),
    ("regimes", "Regimes", "bt-regimes"),
    ("robustness", "Robustness", "bt-robust"),
    ("perturbed", "Perturbed", "bt-perturb"),
    ("compare", "Side by side", "bt-compare"),
)
"""(tab id suffix, title, the Static inside it)."""
ASKS = {
    "perturbed": (
        "bt-perturb-runs",
        "runs, e.g. 5: Enter backtests the run's config on that many perturbed candle paths",
    ),
    "compare": (
        "bt-compare-configs",
        "config files, space-separated: Enter runs them on this run's data, side by side",
    ),
}
"""The tabs that ask for something first: (their Input's id, its placeholder)."""


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


def chart_height(screen_height: int) -> int:
    """Each chart's rows: the output's own height on this screen (below the form, the
    progress bar and the tab bar), so one chart fills the view."""
    return max(MIN_HEIGHT + 2, min(MAX_CHART_HEIGHT, screen_height - 13))


class BacktestOutput(Vertical):
    """The tabs; each scrolls when its text is taller than the screen."""

    def compose(self) -> ComposeResult:
        with TabbedContent(id="bt-tabs"):
            for suffix, title, static in TABS:
                with TabPane(title, id=f"bt-tab-{suffix}"):
                    if suffix in ASKS:
                        ask, placeholder = ASKS[suffix]
                        yield Input(placeholder=placeholder, id=ask, compact=True)
                    with VerticalScroll():
                        yield Static(
                            "Enter runs the backtest; escape goes back."
                            if suffix == "metrics"
                            else "",
                            id=static,
                        )

    def say(self, message: str, style: str = "") -> None:
        """A one-line message instead of a result (the other tabs are cleared)."""
        self.query_one("#bt-result", Static).update(Text(message, style=style))
        for _, _, static in TABS[1:]:
            self.query_one(f"#{static}", Static).update("")
        self.show_tab("metrics")

    def show(
        self,
        result: BacktestResult,
        analysis: Analysis | None,
        width: int,
        height: int,
        *,
        show_elapsed: bool = True,
    ) -> None:
        """The metrics, the charts `width` x `height`, and the analysis' tabs."""
        self.query_one("#bt-result", Static).update(metrics_text(result, show_elapsed=show_elapsed))
        charts = [
            price_chart(result, width, height),
            equity_chart(result, width, height),
            drawdown_chart(result, width, height),
        ]
        self.query_one("#bt-chart", Static).update(
            Text("\n").join(Text.from_ansi(chart) for chart in charts)
        )
        texts = {
            "bt-periods": "",
            "bt-regimes": "",
            "bt-robust": "",
            "bt-perturb": "The run's config on perturbed candle paths (closes redrawn within "
            "each candle's range): type how many runs above, then Enter.",
            "bt-compare": "This run next to other configs on the same data and range: type "
            "their files above, then Enter.",
        }
        if analysis is not None:
            texts["bt-periods"] = "\n".join(period_lines(analysis))
            texts["bt-regimes"] = "\n".join(regime_lines(analysis))
            texts["bt-robust"] = "\n".join(monte_carlo_lines(analysis.monte_carlo, analysis.trades))
        for static, text in texts.items():
            self.query_one(f"#{static}", Static).update(Text(text))

    def show_text(self, static: str, text: Text | str) -> None:
        """One tab's text (the Perturbed and Side by side tabs fill theirs on request)."""
        self.query_one(f"#{static}", Static).update(text)

    def show_tab(self, suffix: str, *, ask: bool = False) -> None:
        """Bring a tab forward and focus its scroll (arrows then scroll it), or with `ask`
        its Input (the tabs that ask for runs or configs)."""
        self.query_one(TabbedContent).active = f"bt-tab-{suffix}"
        if ask and suffix in ASKS:
            self.query_one(f"#{ASKS[suffix][0]}", Input).focus()
        else:
            self.focus_tab()

    def focus_tab(self) -> None:
        tabs = self.query_one(TabbedContent)
        pane = tabs.get_pane(tabs.active) if tabs.active else None
        if pane is not None:
            pane.query_one(VerticalScroll).focus()
