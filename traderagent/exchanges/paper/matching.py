"""The fill model: the price path a candle is assumed to take and which resting orders it crosses.

Pessimistic by default (see docs/PERFORMANCE.md): the path is open -> the extreme nearer the
open -> the other extreme -> close, so a candle that opens near its high fills the sells above
it before the buys below it. A tie goes high first: a tie says nothing about which extreme came
first, and the path is one for the whole venue (every bot on the account sees the same), so
"the worse path for the side that fills" is undefined when both sides rest; O-H-L-C is the
common convention. A resting order fills only when the path goes strictly through its price (a
touch is not a fill), and always at its own limit price. The path points are the candle's prices
on the instrument's tick (`Instrument.market_price`), so float noise in the data never decides a
fill, a tie or the path's order.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, get_args

from traderagent.domain import Candle, Instrument
from traderagent.exchanges.paper.book import RestingOrder, SymbolBook

FillModel = Literal["pessimistic", "ohlc", "olhc"]
FILL_MODELS: tuple[FillModel, ...] = get_args(FillModel)

Path = tuple[float, float, float, float]


def candle_path(candle: Candle, inst: Instrument, model: FillModel = "pessimistic") -> Path:
    """The four path points on the tick: open, one extreme, the other extreme, close (the
    nearer extreme decided exactly, in Decimal)."""
    price = inst.market_price
    o, h, lo, c = price(candle.open), price(candle.high), price(candle.low), price(candle.close)
    if model == "ohlc" or (model == "pessimistic" and h - o <= o - lo):
        return (float(o), float(h), float(lo), float(c))
    return (float(o), float(lo), float(h), float(c))


def point_ts(candle: Candle, k: int) -> int:
    """Timestamp of path point k (0..3): spread evenly over the candle, the close at 3/3."""
    return candle.ts + k * candle.interval_ms // 3


def crossings(
    book: SymbolBook, path: Path, previous: float | None
) -> Iterator[tuple[RestingOrder, int, float]]:
    """Walk `path`, removing and yielding (order, point index, point price) for each fill.

    Within a point, orders fill in the order the price travelled through them: going down,
    buys from the highest price; going up, sells from the lowest. The book is re-read after each
    yield, so the consumer may cancel orders in between; orders it adds must not go into `book`
    until the walk is over (no same-candle round trip).
    """
    sell_below, buy_above = book.pop_sell_below, book.pop_buy_above
    for k, price in enumerate(path):
        first, then = (
            (sell_below, buy_above)
            if previous is not None and price > previous
            else (buy_above, sell_below)
        )
        while (r := first(price)) is not None:
            yield r, k, price
        while (r := then(price)) is not None:
            yield r, k, price
        previous = price
