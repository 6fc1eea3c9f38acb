"""A backtest's three charts, drawn with plotext as text: price with the grid levels and the
fills, equity, and drawdown. The CLI prints them; the TUI shows them (`Text.from_ansi`).

Pure functions of the data and a size. Long runs are bucketed to about two points per column
(the braille resolution), so a year of candles draws as fast as a day. Each marker has its own
symbol as well as a colour, so a chart reads without colour: price `⠿`, grid levels `-`, buys
`▲`, sells `▼`.
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
    _levels(result.grid_levels.get(name, ()), lo, hi, len(points), height)
    plt.plot(list(range(len(points))), points.tolist(), marker="braille")
    _fills(result.fills, result.equity.fill_candles, step, len(points))
    pad = max((hi - lo) * 0.05, hi * 0.001)
    plt.ylim(lo - pad, hi + pad)
    _x_ticks(result.equity.close_ts, len(points), step)
    return _finish(color)


def _levels(levels: Sequence[Decimal], lo: float, hi: float, points: int, height: int) -> None:
    shown = [float(p) for p in levels if lo * 0.98 <= float(p) <= hi * 1.02]
    every = max(1, -(-len(shown) // max(height // 3, 1)))
    for price in shown[::every]:
        plt.plot([0, max(points - 1, 1)], [price, price], marker="-", color="gray")


def _fills(fills: Sequence[Fill], candles: np.ndarray[Any, Any], step: int, points: int) -> None:
    for side, marker, colour in ((Side.BUY, "▲", "green"), (Side.SELL, "▼", "red")):
        seen = {
            (min(int(candles[k]) // step, points - 1), float(f.price))
            for k, f in enumerate(fills)
            if f.side is side
        }
        if seen:
            xs, ys = zip(*sorted(seen), strict=True)
            plt.scatter(list(xs), list(ys), marker=marker, color=colour)


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
    peaks = np.maximum.accumulate(np.maximum(values, float(result.equity.starting)))
    drawdown = (values - peaks) / np.where(peaks > 0, peaks, 1.0) * 100
    _curve_chart(drawdown, result.equity.close_ts, width, height, "drawdown %")
    return _finish(color)


def backtest_charts(result: BacktestResult, width: int, height: int, *, color: bool = True) -> str:
    """Price, equity and drawdown one under the other, each `height` rows."""
    return "\n".join(
        (
            price_chart(result, width, height, color=color),
            equity_chart(result, width, height, color=color),
            drawdown_chart(result, width, max(height * 2 // 3, MIN_HEIGHT), color=color),
        )
    )
