"""The fill model: the price path a candle is assumed to take and which resting orders it crosses.

Pessimistic by default (see docs/PERFORMANCE.md): the path is open -> the extreme nearer the
open -> the other extreme -> close, so a candle that opens near its high fills the sells above
it before the buys below it. A tie goes high first: a tie says nothing about which extreme came
first, and the path is one for the whole venue (every bot on the account sees the same), so
"the worse path for the side that fills" is undefined when both sides rest; O-H-L-C is the
common convention. One exception, for the long-only bots this venue serves: when the candle's
low fills a resting buy or reaches a sell stop, the low comes first (a long's stop before its
take profit, its buys before its sells). A resting limit fills only when the path goes strictly
through its price (a touch is not a fill), and always at its own limit price. A stop triggers
when the path reaches its trigger (a touch triggers) and fills at once as a market order at the
trigger, or at the open when the candle opens through it (a gap); at each path point stops go
before limits. The path points are the candle's prices on the instrument's tick
(`Instrument.market_price`), so float noise in the data never decides a fill, a tie or the
path's order.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Literal, get_args

from traderagent.domain import Candle, Instrument
from traderagent.exchanges.paper.book import RestingOrder, SymbolBook

FillModel = Literal["pessimistic", "ohlc", "olhc"]
FILL_MODELS: tuple[FillModel, ...] = get_args(FillModel)

Path = tuple[float, float, float, float]


def candle_path(
    candle: Candle, inst: Instrument, model: FillModel = "pessimistic", adverse: bool = False
) -> Path:
    """The four path points on the tick: open, one extreme, the other extreme, close (the
    nearer extreme decided exactly, in Decimal). `adverse`: the low fills a resting buy or
    triggers a sell stop (a pessimistic path then goes low first)."""
    return ordered_path(*path_points(candle, inst), model, adverse)


def path_points(candle: Candle, inst: Instrument) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """The candle's open, high, low and close on the tick (`Instrument.market_price`)."""
    price = inst.market_price
    return price(candle.open), price(candle.high), price(candle.low), price(candle.close)


def ordered_path(
    o: Decimal,
    h: Decimal,
    lo: Decimal,
    c: Decimal,
    model: FillModel = "pessimistic",
    adverse: bool = False,
) -> Path:
    """`candle_path` from the points on the tick (`path_points`): a matcher that read the
    low already (is it adverse?) converts no point twice."""
    if model == "ohlc" or (model == "pessimistic" and h - o <= o - lo and not adverse):
        return (float(o), float(h), float(lo), float(c))
    return (float(o), float(lo), float(h), float(c))


def point_ts(candle: Candle, k: int) -> int:
    """Timestamp of path point k (0..3): spread evenly over the candle, the close at 3/3."""
    return candle.ts + k * candle.interval_ms // 3


def crossings(
    book: SymbolBook, path: Path, previous: float | None
) -> Iterator[tuple[RestingOrder, int, float]]:
    """Walk `path`, removing and yielding (order, point index, point price) for each fill.

    Within a point, the stops it reaches trigger first (sell stops from the highest trigger,
    then buy stops from the lowest); then limits fill in the order the price travelled through
    them: going down, buys from the highest price; going up, sells from the lowest. The book is
    re-read after each yield, so the consumer may cancel orders in between; orders it adds must
    not go into `book` until the walk is over (no same-candle round trip).
    """
    sell_below, buy_above, stop_at = book.pop_sell_below, book.pop_buy_above, book.pop_stop_at
    for k, price in enumerate(path):
        while (r := stop_at(price)) is not None:
            yield r, k, price
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
