"""The metrics of a backtest as plain text: (label, value) rows and the terminal table.

Pure functions of the result; the CLI prints `metrics_table`, the TUI lays out `metric_rows`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from traderagent.clock import format_ts

if TYPE_CHECKING:
    from traderagent.backtest.metrics import Metrics
    from traderagent.backtest.runner import BacktestResult


def _money(value: Decimal, signed: bool = False) -> str:
    return f"{value:+,.2f}" if signed else f"{value:,.2f}"


def _ratio(value: float | None, places: int = 2) -> str:
    return "n/a" if value is None else f"{value:,.{places}f}"


def _seconds(value: float) -> str:
    """Wall-clock time: milliseconds below a tenth of a second (a kernel run is that quick)."""
    return f"{value:.2f} s" if value >= 0.1 else f"{value * 1000:.1f} ms"


def _rate(metrics: Metrics) -> str:
    candles, seconds = metrics.candles, metrics.elapsed_s
    return f"{candles / seconds:,.0f} candles/s" if seconds > 0 else "-"


def metric_rows(metrics: Metrics) -> list[tuple[str, str]]:
    """One (label, value) per metric, in the order of `Metrics.as_json()` but for `rejected`
    (the venue's refusals, next to the orders) and `not sent` (the allocator's refusals, shown
    when there are some); n/a = undefined. `halted` is shown only when
    the account's risk limits halted the bots."""
    win = "n/a" if metrics.win_rate is None else f"{metrics.win_rate * 100:.1f} %"
    return [
        ("candles", f"{metrics.candles:,}"),
        ("orders", f"{metrics.orders:,}"),
        ("rejected", metrics.rejected_orders.describe()),
        *(
            [("not sent", f"{metrics.allocator_refused:,} (refused by the capital allocator)")]
            if metrics.allocator_refused
            else []
        ),
        ("fills", f"{metrics.fills:,}"),
        ("trades", f"{metrics.trades:,}"),
        ("fees", f"{metrics.fees:,.4f}"),
        ("net PnL", _money(metrics.net_pnl, signed=True)),
        ("return", f"{metrics.return_pct:+.2f} %"),
        ("max drawdown", f"{metrics.max_drawdown_pct:.2f} %"),
        ("Sharpe", _ratio(metrics.sharpe)),
        ("Sortino", _ratio(metrics.sortino)),
        ("win rate", win),
        ("profit factor", _ratio(metrics.profit_factor)),
        ("final equity", _money(metrics.final_equity)),
        ("grid cycles", "-" if metrics.grid_cycles is None else f"{metrics.grid_cycles:,}"),
        ("elapsed", f"{_seconds(metrics.elapsed_s)} ({_rate(metrics)})"),
        *([("halted", metrics.halted.describe())] if metrics.halted is not None else []),
    ]


def _prepared(result: BacktestResult) -> str:
    """A fast kernel's one-off compile or cache load, reported apart from its run."""
    if result.compiled:
        return f", compile {result.compile_s:.1f} s"
    return f", kernel load {_seconds(result.compile_s)}" if result.compile_s > 0 else ""


def heading(result: BacktestResult) -> list[str]:
    """What was run: the bots, the data and the period (engine time, UTC)."""
    bots = ", ".join(f"{b.name} ({b.kind})" for b in result.config.bots)
    candles = result.candles
    lines = [f"Backtest of {bots}", f"  data     {result.data_label}"]
    if len(candles):
        end = candles.last_ts + candles.interval_ms
        lines.append(f"  period   {format_ts(candles.first_ts)} -> {format_ts(end)} UTC")
    lines.append(
        f"  account  {_money(result.equity.starting)} {result.quote_asset} at the first close,"
        f" fill model {result.config.paper.fill_model}"
    )
    if result.cancelled:
        lines.append("  (cancelled: the figures cover the candles replayed until then)")
    return lines


def metrics_table(result: BacktestResult, extra: Sequence[tuple[str, str]] = ()) -> str:
    """The heading, then one metric per line (then the `extra` rows), labels aligned."""
    rows = [
        (label, value + _prepared(result) if label == "elapsed" else value)
        for label, value in metric_rows(result.metrics)
    ]
    rows.extend(extra)
    width = max(len(label) for label, _ in rows)
    lines = heading(result)
    lines.append("")
    lines.extend(f"  {label:<{width}}  {value}" for label, value in rows)
    return "\n".join(lines)
