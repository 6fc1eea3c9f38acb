"""Terminal charts drawn with plotext: a bot's price with its levels, and an equity curve.

Pure functions of the data and the size. Each marker has its own symbol as well as a colour,
so a chart reads under NO_COLOR: price `⠿` (braille), resting buys `-`, sells `·`, the average
entry `=`, the stop `x`, fills `▲` (buy) and `▼` (sell).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import plotext as plt  # type: ignore[import-untyped]
from rich.text import Text

from traderagent.clock import format_ts
from traderagent.domain import Side
from traderagent.facade import BotChart

MINUTE_MS = 60_000
MIN_WIDTH, MIN_HEIGHT = 24, 5
LEVEL_MARKERS: dict[str, tuple[str, str]] = {
    "buy": ("-", "green"),
    "sell": ("·", "red"),
    "entry": ("=", "cyan"),
    "stop": ("x", "magenta"),
}
LEGEND = "⠿ price  - buy  · sell  = entry  x stop  ▲▼ fills"


def _start(width: int, height: int) -> None:
    plt.clear_figure()
    plt.limit_size(False, False)  # the pane's size, not the terminal's plotext would read
    plt.plotsize(width, height)
    plt.theme("clear")


def _time_ticks(first_ts: int, count: int, step_ms: int = MINUTE_MS) -> None:
    if count < 2:
        plt.xticks([])
        return
    ticks = [0, (count - 1) // 2, count - 1]
    plt.xticks(ticks, [format_ts(first_ts + t * step_ms)[11:16] for t in ticks])


def _too_small(width: int, height: int) -> Text | None:
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        return Text("(too small for a chart)", style="dim")
    return None


def price_chart(chart: BotChart, width: int, height: int) -> Text:
    """The last closes as a line, the bot's resting orders, entry and stop as flat lines
    (those near the price), and its fills as triangles."""
    small = _too_small(width, height)
    if small is not None:
        return small
    closes = list(chart.closes)
    if not closes:
        return Text(f"{chart.symbol}: waiting for the first candle", style="dim")
    lo, hi = min(closes), max(closes)
    pad = max((hi - lo) * 0.3, hi * 0.002)
    bottom, top = lo - pad, hi + pad
    last = len(closes) - 1
    _start(width, height)
    for level in chart.levels:
        price = float(level.price)
        if bottom <= price <= top:
            marker, color = LEVEL_MARKERS.get(level.kind, ("-", "white"))
            plt.plot([0, last], [price, price], marker=marker, color=color)
    plt.plot(list(range(len(closes))), closes, marker="braille")  # over the levels
    for side, marker, color in ((Side.BUY, "▲", "green"), (Side.SELL, "▼", "red")):
        points = [
            (min(max((f.ts - chart.first_ts) // MINUTE_MS, 0), last), float(f.price))
            for f in chart.fills
            if f.side is side
        ]
        if points:
            plt.scatter([x for x, _ in points], [y for _, y in points], marker=marker, color=color)
    plt.ylim(bottom, top)
    _time_ticks(chart.first_ts, len(closes))
    return Text.from_ansi(plt.build())


SPARKS = "▁▂▃▄▅▆▇█"


def equity_sparkline(points: Sequence[tuple[int, Decimal]], width: int) -> Text:
    """`Equity ▃▄▄▅▆▇▇█ 10,012.35 +0.12 %`: the equity chart in one line, where the pane has
    no room for more; the change since its first point says which way it went."""
    if not points:
        return Text("Equity: no point yet (waiting for prices)", style="dim")
    first, last = points[0][1], points[-1][1]
    change = (last - first) / first * 100 if first else Decimal(0)
    tail = f" {last:,.2f} {change:+.2f} %"
    room = max(width - len("Equity ") - len(tail), 0)
    values = [float(v) for _, v in points[-room:]] if room else []
    lo, hi = (min(values), max(values)) if values else (0.0, 0.0)
    span = hi - lo
    sparks = "".join(
        SPARKS[round((v - lo) / span * (len(SPARKS) - 1))] if span else SPARKS[0] for v in values
    )
    style = "green" if change > 0 else "red" if change < 0 else ""
    return Text.assemble("Equity ", (sparks, style), (tail, style))


def equity_chart(points: Sequence[tuple[int, Decimal]], width: int, height: int) -> Text:
    """Equity over time (one point per stored equity interval)."""
    small = _too_small(width, height)
    if small is not None:
        return small
    if len(points) < 2:
        return Text("not enough equity points for a chart", style="dim")
    first, last = points[0][0], points[-1][0]
    step = max((last - first) // max(len(points) - 1, 1), 1)
    _start(width, height)
    plt.title("Equity")
    plt.plot(list(range(len(points))), [float(v) for _, v in points], marker="braille")
    ticks = [0, (len(points) - 1) // 2, len(points) - 1]
    plt.xticks(ticks, [format_ts(first + t * step)[5:16] for t in ticks])
    return Text.from_ansi(plt.build())
