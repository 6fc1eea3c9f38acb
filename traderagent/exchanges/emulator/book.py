"""A synthetic order book of many levels around the last price, and the replay's public trades.

Level 1 is `quotes.top_of_book` (what tickers show); deeper levels step one spread (at least
one tick) further out each, their size growing with the distance. It is a view for clients that
ask for depth (`market/orderbook`, `orderbook.50`/`.200`): fills never use it, they follow the
paper venue's candle-path model.

Public trades: each closed candle is one trade at its close, sized by its volume, on the side
the candle moved (a Buy when it closed at or above its open).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from traderagent.domain import Candle, Instrument
from traderagent.exchanges.emulator.errors import params_error
from traderagent.exchanges.emulator.instruments import decimal_text as num
from traderagent.exchanges.emulator.quotes import top_of_book

# depth limits of market/orderbook per category: (default, maximum)
REST_DEPTH = {"spot": (1, 200), "linear": (25, 500), "inverse": (25, 500), "option": (1, 25)}
WS_DEPTHS = {"spot": ("1", "50", "200", "1000"), "linear": ("1", "50", "200", "1000")}

Level = tuple[Decimal, Decimal]


@dataclass(frozen=True, slots=True)
class DepthBook:
    """Bids best (highest) first, asks best (lowest) first."""

    bids: list[Level]
    asks: list[Level]

    def side_json(self, side: list[Level]) -> list[list[str]]:
        return [[num(price), num(size)] for price, size in side]


def depth_book(
    inst: Instrument, last: float, volume: float, spread_bps: float, levels: int
) -> DepthBook:
    """`levels` levels each side; level 1 is the ticker's bid and ask."""
    top = top_of_book(inst, last, volume, spread_bps)
    step = max(top.ask - top.bid, inst.tick_size)
    bids, asks = [], []
    for k in range(levels):
        size = inst.floor_qty(top.bid_size * (1 + Decimal(k) / 2)) or inst.min_qty
        bid = top.bid - step * k
        if bid > 0:
            bids.append((bid, size))
        asks.append((top.ask + step * k, size))
    return DepthBook(bids, asks)


def depth_limit(category: str, text: str) -> int:
    """The `limit` of market/orderbook, checked against the category's range."""
    default, maximum = REST_DEPTH[category]
    if not text:
        return default
    if not text.isdigit() or not 1 <= int(text) <= maximum:
        raise params_error(f"limit must be an integer in [1, {maximum}] for {category}")
    return int(text)


def book_delta(old: DepthBook, new: DepthBook) -> tuple[list[Level], list[Level]]:
    """The changed levels of each side: new or resized ones, and gone ones with size 0."""
    return _side_delta(old.bids, new.bids), _side_delta(old.asks, new.asks)


def _side_delta(old: list[Level], new: list[Level]) -> list[Level]:
    before, after = dict(old), dict(new)
    changed = [(p, s) for p, s in new if before.get(p) != s]
    gone = [(p, Decimal(0)) for p in before if p not in after]
    return changed + gone


def public_trade(candle: Candle, inst: Instrument, trade_id: int, ts: int) -> dict[str, object]:
    """One `publicTrade` data item for a closed candle."""
    price = inst.market_price(candle.close)
    rising = candle.close >= candle.open
    size = max(inst.floor_qty(Decimal(repr(float(candle.volume)))), inst.min_qty)
    return {
        "T": ts,
        "s": inst.symbol,
        "S": "Buy" if rising else "Sell",
        "v": num(size),
        "p": num(price),
        "L": "PlusTick" if rising else "MinusTick",
        "i": f"emulator-trade-{trade_id}",
        "BT": False,
        "RPI": False,
        "seq": trade_id,
    }
