"""A backtest's three charts, drawn with plotext as text: price with the grid levels and the
fills, equity, and drawdown. The CLI prints them; the TUI shows them (`Text.from_ansi`).

Pure functions of the data and a size. Long runs are bucketed to about two points per column
(the braille resolution), so a year of candles draws as fast as a day. Each marker has its own
symbol as well as a colour, so a chart reads without colour: price `⠿` (drawn last, on top),
grid levels `·` (faint dotted lines, only those inside the range the price traded in), buys `▲`,
sells `▼` and `◆` where both filled in one character cell (neither hides the other). The drawdown
chart's axis runs to its deepest point, labelled with the figure the metrics report.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
import plotext as plt  # type: ignore[import-untyped]

from traderagent.clock import format_ts
from traderagent.domain import Fill, Side

if TYPE_CHECKING:
    from traderagent.backtest.runner import BacktestResult

MIN_WIDTH, MIN_HEIGHT = 30, 6
PLOT_CHROME_ROWS = 4
"""Rows of a chart that are not the plot: title, frame top and bottom, the time ticks."""
PLOT_CHROME_COLUMNS = 10
"""Columns of a chart that are not the plot: the price ticks and the frame."""
LEVEL_DOT_EVERY = 3
"""A grid level is drawn as a dot every this many columns (faint, under the price)."""
Floats = np.ndarray[Any, np.dtype[np.float64]]


def _start(width: int, height: int, title: str) -> None:
    plt.clear_figure()
    plt.limit_size(False, False)  # the size asked for, not the terminal plotext would read
    plt.plotsize(width, height)
    plt.theme("clear")
    plt.title(title)


def _finish(color: bool) -> str:
    text: str = plt.build()
    return text if color else str(plt.uncolorize(text))


def _bucket(n: int, width: int) -> int:
    """Candles per plotted point: about two points per column."""
    return max(1, -(-n // max(2 * width, 1)))


def _x_ticks(close_ts: Sequence[int] | np.ndarray[Any, Any], points: int, step: int) -> None:
    if points < 2:
        plt.xticks([])
        return
    ticks = [0, (points - 1) // 2, points - 1]
    labels = [format_ts(int(close_ts[min(t * step, len(close_ts) - 1)]))[5:16] for t in ticks]
    plt.xticks(ticks, labels)


def _too_small(width: int, height: int) -> str | None:
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        return "(too small for a chart)"
    return None


def price_chart(
    result: BacktestResult, width: int, height: int, *, color: bool = True, bot: str | None = None
) -> str:
    """Closes as a line, the grid's levels (every k-th when they would fill every row) and
    the fills as triangles at the candle that made them."""
    small = _too_small(width, height)
    if small is not None or len(result.candles) == 0:
        return small or "(no candles)"
    closes = result.candles.close
    step = _bucket(len(closes), width)
    points = closes[step - 1 :: step] if step > 1 else closes
    if len(points) == 0 or (len(closes) - 1) % step != step - 1:
        points = np.append(points, closes[-1])
    lo, hi = float(result.candles.low.min()), float(result.candles.high.max())
    _start(width, height, f"price {result.candles.symbol}")
    name = bot or next(iter(result.grid_levels), "")
    pad = max((hi - lo) * 0.05, hi * 0.001)
    rows = max(height - PLOT_CHROME_ROWS, 1)
    row_price = (hi - lo + 2 * pad) / rows
    cell = max(len(points) / max(width - PLOT_CHROME_COLUMNS, 1), 1.0)
    _levels(result.grid_levels.get(name, ()), points, len(points), rows, cell)
    plt.plot(list(range(len(points))), points.tolist(), marker="braille")  # over the levels
    _fills(result.fills, result.equity.fill_candles, step, len(points), cell, (lo - pad, row_price))
    plt.ylim(lo - pad, hi + pad)
    _x_ticks(result.equity.close_ts, len(points), step)
    return _finish(color)


def _levels(levels: Sequence[Decimal], prices: Floats, points: int, rows: int, cell: float) -> None:
    """The grid's levels the price came near (within the range it traded in), as faint dotted
    lines under the price: one dot every few columns, at most one level per three rows."""
    lo, hi = float(prices.min()), float(prices.max())
    near = [float(p) for p in levels if lo <= float(p) <= hi]
    every = max(1, -(-len(near) // max(rows // 3, 1)))
    xs = np.arange(0, max(points, 2), cell * LEVEL_DOT_EVERY).tolist()
    for price in near[::every]:
        plt.scatter(xs, [price] * len(xs), marker="·", color="gray")


def _fills(
    fills: Sequence[Fill],
    candles: np.ndarray[Any, Any],
    step: int,
    points: int,
    cell: float,
    rows: tuple[float, float],
) -> None:
    """One marker per character cell: `▲` where only buys filled, `▼` only sells, `◆` both
    (so neither side hides the other), at the cell's first fill price of that side."""
    bottom, row_price = rows
    marks: dict[tuple[int, int], tuple[set[Side], float]] = {}
    for k, fill in enumerate(fills):
        column = int(min(int(candles[k]) // step, points - 1) // cell)
        price = float(fill.price)
        key = (column, int((price - bottom) // row_price))
        sides, first = marks.setdefault(key, (set(), price))
        sides.add(fill.side)
    for wanted, marker, colour in (
        ({Side.BUY}, "▲", "green"),
        ({Side.SELL}, "▼", "red"),
        ({Side.BUY, Side.SELL}, "◆", "yellow"),
    ):
        shown = sorted((c, price) for (c, _), (sides, price) in marks.items() if sides == wanted)
        if shown:
            xs = [min(c * cell, max(points - 1, 0)) for c, _ in shown]
            plt.scatter(xs, [price for _, price in shown], marker=marker, color=colour)


def _curve_chart(
    values: Floats, close_ts: np.ndarray[Any, Any], width: int, height: int, title: str
) -> None:
    step = _bucket(len(values), width)
    if step > 1:  # the worst point of each bucket keeps a drawdown's depth visible
        usable = len(values) - len(values) % step
        head = values[:usable].reshape(-1, step).min(axis=1)
        values = np.append(head, values[usable:].min()) if usable < len(values) else head
    _start(width, height, title)
    plt.plot(list(range(len(values))), values.tolist(), marker="braille")
    _x_ticks(close_ts, len(values), step)


def equity_chart(result: BacktestResult, width: int, height: int, *, color: bool = True) -> str:
    """Equity after every candle (the lowest point of each plotted bucket)."""
    small = _too_small(width, height)
    if small is not None or len(result.equity) < 2:
        return small or "(not enough candles for an equity chart)"
    _curve_chart(result.equity.values, result.equity.close_ts, width, height, "equity")
    return _finish(color)


def drawdown_chart(result: BacktestResult, width: int, height: int, *, color: bool = True) -> str:
    """Percent below the running peak of equity, as a negative number (0 at a new high)."""
    small = _too_small(width, height)
    values = result.equity.values
    if small is not None or len(values) < 2:
        return small or "(not enough candles for a drawdown chart)"
    drawdown = drawdown_series(result)
    _curve_chart(drawdown, result.equity.close_ts, width, height, "drawdown %")
    deepest = float(drawdown.min())
    if deepest < 0:  # the axis reaches the deepest point, and says it in the metric's figure
        plt.ylim(deepest * 1.08, -deepest * 0.04)
        plt.yticks([deepest, deepest / 2, 0.0], [f"{deepest:.2f}", f"{deepest / 2:.2f}", "0"])
    return _finish(color)


def drawdown_series(result: BacktestResult) -> Floats:
    """Percent below the running peak after each candle (the starting equity is the first
    peak), <= 0: the series whose minimum is minus the metrics' `max_drawdown_pct`."""
    values = result.equity.values
    peaks = np.maximum.accumulate(np.maximum(values, float(result.equity.starting)))
    falls: Floats = (values - peaks) / np.where(peaks > 0, peaks, 1.0) * 100
    return falls


def backtest_charts(result: BacktestResult, width: int, height: int, *, color: bool = True) -> str:
    """Price, equity and drawdown one under the other, each `height` rows."""
    return "\n".join(
        (
            price_chart(result, width, height, color=color),
            equity_chart(result, width, height, color=color),
            drawdown_chart(result, width, height, color=color),
        )
    )
