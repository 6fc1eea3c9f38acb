"""An `Analysis` as plain text: the regime and route tables, the Monte Carlo lines, the period
table and its bar chart. Fits 80 columns; reads without colour (the CLI prints it, the TUI
shows it as it is)."""

from __future__ import annotations

from collections.abc import Sequence

from traderagent.backtest.analysis import Analysis
from traderagent.backtest.montecarlo import MonteCarlo
from traderagent.backtest.periods import PeriodRow
from traderagent.backtest.perturb import Perturbation
from traderagent.backtest.stress import LabelStats, costliest

BAR_WIDTH = 24
"""Columns of each side of the period bar chart (losses left of the axis, gains right)."""


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.0f} %"


def label_table(stats: Sequence[LabelStats], title: str) -> list[str]:
    """One line per label: time share, closed trades, net PnL (equity), max drawdown, win
    rate and average exposure."""
    if not stats:
        return []
    width = max(len(title), *(len(s.label) for s in stats))
    lines = [
        f"  {title:<{width}}  {'time':>7}  {'trades':>6}  {'net PnL':>11}  {'max DD':>7}"
        f"  {'win':>5}  {'exposure':>8}"
    ]
    lines.extend(
        f"  {s.label:<{width}}  {s.time_pct:>5.1f} %  {s.trades:>6,}  {s.pnl:>+11,.2f}"
        f"  {s.max_drawdown_pct:>5.2f} %  {_pct(s.win_rate):>5}  {s.exposure_pct:>6.1f} %"
        for s in stats
    )
    return lines


def regime_lines(analysis: Analysis) -> list[str]:
    """The regime table, the costliest regime in one line, then one table per routed bot."""
    lines = ["Regimes (the classifier's timeline; net PnL marked to market)"]
    lines.extend(label_table(analysis.regimes, "regime") or ["  (no candles)"])
    lines.append(f"  {analysis.costliest_regime}")
    for bot, stats in analysis.routes.items():
        lines.append("")
        lines.append(f"Routes of {bot} (the strategy the router ran)")
        lines.extend(label_table(stats, "route"))
        lines.append(f"  {costliest(stats, 'route')}")
    return lines


def monte_carlo_lines(mc: MonteCarlo | None, trades: int) -> list[str]:
    """Percentiles of return and drawdown per resampling, the halt chance, and a plain
    warning when a few trades make the result."""
    if mc is None:
        return [f"Robustness: no closed trade to resample ({trades} trades)"]
    halt_head = "no halt set" if mc.halt_pct is None else f"halt {mc.halt_pct:g} %"
    lines = [
        f"Robustness: Monte Carlo over {mc.trades:,} closed trades,"
        f" {mc.runs:,} runs, seed {mc.seed}",
        "  (closed trades only: an open position and its drawdown are not in the paths)",
        f"  {'':<9}  {'return % p5 / p50 / p95':>25}  {'max DD % p5 / p50 / p95':>23}  {halt_head}",
    ]
    for d in mc.distributions:
        r, dd = d.return_pct, d.max_drawdown_pct
        halt = "n/a" if d.halt_chance is None else f"{d.halt_chance * 100:.1f} %"
        lines.append(
            f"  {d.method:<9}  {r[0]:>+7.2f} {r[1]:>+7.2f} {r[2]:>+7.2f} %"
            f"  {dd[0]:>6.2f} {dd[1]:>6.2f} {dd[2]:>6.2f} %  {halt:>{len(halt_head)}}"
        )
    if mc.fragility is not None:
        lines.append(f"  (!) {mc.fragility}")
    return lines


def period_table(rows: Sequence[PeriodRow], period: str) -> list[str]:
    """One line per period: closed trades, wins, their PnL, the equity change, max drawdown."""
    width = max(len(period), *(len(r.period) for r in rows)) if rows else len(period)
    lines = [
        f"  {period:<{width}}  {'trades':>6}  {'win':>5}  {'trade PnL':>11}  {'equity chg':>11}"
        f"  {'max DD':>7}"
    ]
    for r in rows:
        win = f"{r.wins / r.trades * 100:.0f} %" if r.trades else "-"
        lines.append(
            f"  {r.period:<{width}}  {r.trades:>6,}  {win:>5}  {r.pnl:>+11,.2f}"
            f"  {r.equity_change:>+11,.2f}  {r.max_drawdown_pct:>5.2f} %"
        )
    return lines


def period_bars(rows: Sequence[PeriodRow], width: int = BAR_WIDTH) -> list[str]:
    """A bar per period of its equity change: `█` to the right of the axis for a gain, to the
    left for a loss, scaled to the largest; the figure follows the bar."""
    if not rows:
        return []
    label = max(len(r.period) for r in rows)
    scale = max(abs(r.equity_change) for r in rows) or 1.0
    lines = []
    for r in rows:
        size = round(abs(r.equity_change) / scale * width)
        left = ("█" * size if r.equity_change < 0 else "").rjust(width)
        right = ("█" * size if r.equity_change > 0 else "").ljust(width)
        lines.append(f"  {r.period:<{label}} {left}│{right} {r.equity_change:+,.2f}")
    return lines


def period_lines(analysis: Analysis, *, bars: bool = True) -> list[str]:
    if analysis.periods is None or analysis.period is None:
        return []
    lines = [f"By {analysis.period} (UTC; trades by their exit)"]
    lines.extend(period_table(analysis.periods, analysis.period))
    if bars:
        lines.append("")
        lines.append(f"Equity change by {analysis.period}")
        lines.extend(period_bars(analysis.periods))
    return lines


def perturbation_lines(perturbation: Perturbation) -> list[str]:
    """The perturbed runs' spread in one line under its heading."""
    return [
        "Robustness: perturbed candles (closes redrawn within each candle's range)",
        f"  {perturbation.line()}",
    ]


def analysis_text(analysis: Analysis, *, bars: bool = True) -> str:
    """Every section, a blank line between them."""
    sections = [
        period_lines(analysis, bars=bars),
        regime_lines(analysis),
        monte_carlo_lines(analysis.monte_carlo, analysis.trades),
    ]
    if analysis.perturbation is not None:
        sections.append(perturbation_lines(analysis.perturbation))
    return "\n\n".join("\n".join(s) for s in sections if s)
