"""Several configs backtested on the same candles, side by side: one table (a column per
config, a row per metric) and one chart (their equity curves in percent of the starting
equity, on one time axis). `traderagent backtest --config A.yaml --config B.yaml`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import plotext as plt  # type: ignore[import-untyped]

from traderagent.backtest.analysis import Analysis
from traderagent.backtest.plots import MIN_HEIGHT, MIN_WIDTH
from traderagent.backtest.report import metric_rows
from traderagent.backtest.stress import LabelStats
from traderagent.clock import format_ts

if TYPE_CHECKING:
    from traderagent.backtest.runner import BacktestResult

COLOURS = ("blue", "orange", "green", "magenta", "cyan", "red")
MARKERS = ("braille", "dot", "+", "x", "o", "*")
"""Each curve its own marker as well as colour, so the chart reads without colour."""
SKIPPED = frozenset({"elapsed", "rejected", "not sent"})
"""Rows that describe the run, not the strategy: left out of the comparison."""


def names_of(paths: Sequence[Path | None]) -> list[str]:
    """A short column name per config: its file name, with a number if two share one."""
    names = [path.stem if path is not None else "default" for path in paths]
    return [f"{name} ({k + 1})" if names.count(name) > 1 else name for k, name in enumerate(names)]


def comparison_rows(
    results: Sequence[BacktestResult], analyses: Sequence[Analysis]
) -> list[tuple[str, list[str]]]:
    """(label, one value per config): the metrics, then the costliest regime and the Monte
    Carlo's bootstrapped 5th-percentile return and 95th-percentile drawdown."""
    columns = [dict(metric_rows(r.metrics)) for r in results]
    labels = [label for label, _ in metric_rows(results[0].metrics) if label not in SKIPPED]
    rows = [(label, [c.get(label, "-") for c in columns]) for label in labels]
    worst, p5, dd95 = [], [], []
    for analysis in analyses:
        worst.append(costliest_cell(analysis.regimes))
        boot = analysis.monte_carlo.distributions[1] if analysis.monte_carlo else None
        p5.append("-" if boot is None else f"{boot.return_pct[0]:+.2f} %")
        dd95.append("-" if boot is None else f"{boot.max_drawdown_pct[2]:.2f} %")
    rows.extend(
        [("costliest regime", worst), ("MC trades p5 return", p5), ("MC trades p95 DD", dd95)]
    )
    return rows


def costliest_cell(regimes: Sequence[LabelStats]) -> str:
    """The regime that lost most, or that none lost (a cell short enough for 80 columns; each
    config's own regime table names the weakest)."""
    if not regimes:
        return "-"
    loser = min(regimes, key=lambda s: s.pnl)
    if loser.pnl >= 0:
        return "none lost"
    return f"{loser.label} {loser.pnl:+,.2f}"


def comparison_table(names: Sequence[str], rows: Sequence[tuple[str, list[str]]]) -> str:
    """The rows under a header of config names, each column as wide as its widest cell."""
    label_width = max(len(label) for label, _ in rows)
    widths = [
        max(len(name), *(len(values[k]) for _, values in rows)) for k, name in enumerate(names)
    ]
    header = (
        "  "
        + " " * label_width
        + "".join(f"  {name:>{w}}" for name, w in zip(names, widths, strict=True))
    )
    lines = [header]
    for label, values in rows:
        cells = "".join(f"  {v:>{w}}" for v, w in zip(values, widths, strict=True))
        lines.append(f"  {label:<{label_width}}{cells}")
    return "\n".join(lines)


def comparison_chart(
    names: Sequence[str],
    results: Sequence[BacktestResult],
    width: int,
    height: int,
    *,
    color: bool = True,
) -> str:
    """Every config's equity, as percent of its starting equity, on the first run's time axis
    (about two points per column, each the bucket's last value)."""
    if width < MIN_WIDTH or height < MIN_HEIGHT or not results or len(results[0].equity) < 2:
        return "(too small for a chart)"
    plt.clear_figure()
    plt.limit_size(False, False)
    plt.plotsize(width, height)
    plt.theme("clear")
    plt.title("equity, % of the start")
    close_ts = results[0].equity.close_ts
    n = len(close_ts)
    step = max(1, -(-n // max(2 * width, 1)))
    for k, (name, result) in enumerate(zip(names, results, strict=True)):
        start = float(result.equity.starting) or 1.0
        values = result.equity.values[step - 1 :: step] / start * 100.0 - 100.0
        plt.plot(
            list(range(len(values))),
            values.tolist(),
            marker=MARKERS[k % len(MARKERS)],
            color=COLOURS[k % len(COLOURS)],
            label=name,
        )
    points = max(1, n // step)
    ticks = [0, (points - 1) // 2, points - 1] if points > 2 else [0]
    labels = [format_ts(int(close_ts[min((t + 1) * step - 1, n - 1)]))[5:16] for t in ticks]
    plt.xticks(ticks, labels)
    text: str = plt.build()
    return text if color else str(plt.uncolorize(text))


def comparison_json(
    names: Sequence[str], results: Sequence[BacktestResult], analyses: Sequence[Analysis]
) -> dict[str, Any]:
    """`{"compare": [{"config", "metrics", "analysis"}...]}`: each run as a single run's JSON."""
    return {
        "compare": [
            {"config": name, "metrics": r.metrics.as_json(), **a.as_json()}
            for name, r, a in zip(names, results, analyses, strict=True)
        ]
    }
