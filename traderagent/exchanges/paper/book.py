"""Resting orders of one symbol: limits best price first on each side, and untriggered stops
nearest trigger first (a sell stop triggers at or below its price, a buy stop at or above)."""

from __future__ import annotations

from bisect import insort
from dataclasses import dataclass
from decimal import Decimal

from traderagent.domain import Order, OrderType, Side


@dataclass(slots=True, eq=False)
class RestingOrder:
    """An accepted order with the funds it locked. Compared by identity."""

    order: Order
    price: Decimal
    lock_asset: str
    lock: Decimal
    taker: bool = False  # marketable on arrival (or a stop): its fill pays the taker fee
    # float(price) is correctly rounded, so it equals a candle price parsed from the same
    # decimal text: a candle that only touches the limit compares equal and does not fill.
    key: float = 0.0

    def __post_init__(self) -> None:
        self.key = float(self.price)


STOP_REACH = 0.5000001
"""A stop's reach in the cheap pre-checks, in ticks: a raw candle price up to half a tick
beyond the trigger reads as the trigger on the tick, and a touch triggers (the walk decides)."""


def _buy_rank(r: RestingOrder) -> float:
    return -r.key


def _sell_rank(r: RestingOrder) -> float:
    return r.key


class SymbolBook:
    """Buys highest first, sells lowest first; equal prices keep arrival order (FIFO).
    Sell stops highest trigger first, buy stops lowest first (the first the market reaches).

    Grids hold tens of orders, so plain sorted lists beat heaps or trees here.
    """

    __slots__ = ("buys", "reach", "sells", "stop_buys", "stop_sells")

    def __init__(self, tick: float = 0.0) -> None:
        self.reach = tick * STOP_REACH  # how far beyond a trigger a raw price may touch it
        self.buys: list[RestingOrder] = []
        self.sells: list[RestingOrder] = []
        self.stop_buys: list[RestingOrder] = []
        self.stop_sells: list[RestingOrder] = []

    def __len__(self) -> int:
        return len(self.buys) + len(self.sells) + len(self.stop_buys) + len(self.stop_sells)

    def _side(self, r: RestingOrder) -> list[RestingOrder]:
        buy = r.order.side is Side.BUY
        if r.order.type is OrderType.STOP_MARKET:
            return self.stop_buys if buy else self.stop_sells
        return self.buys if buy else self.sells

    def add(self, r: RestingOrder) -> None:
        # a buy stop is reached first when its trigger is lowest: it ranks as a sell limit
        rank = _buy_rank if (r.order.side is Side.BUY) != r.order.type.is_stop else _sell_rank
        insort(self._side(r), r, key=rank)

    def discard(self, r: RestingOrder) -> bool:
        """Remove `r` if it rests here; False if it does not."""
        side = self._side(r)
        for i, other in enumerate(side):
            if other is r:
                del side[i]
                return True
        return False

    def may_cross(self, low: float, high: float) -> bool:
        """Whether any order could fill on a candle spanning [low, high] (the cheap pre-check):
        a limit when the range goes strictly through it, a stop when it reaches the trigger."""
        buys, sells = self.buys, self.sells
        if (buys and buys[0].key > low) or (sells and sells[0].key < high):
            return True
        stop_sells, stop_buys = self.stop_sells, self.stop_buys
        return bool(
            (stop_sells and stop_sells[0].key + self.reach >= low)
            or (stop_buys and stop_buys[0].key - self.reach <= high)
        )

    def adverse(self, low: float) -> bool:
        """Whether a candle reaching `low` fills a buy or triggers a sell stop: what a long
        fears, so a pessimistic path goes there first."""
        buys, stops = self.buys, self.stop_sells
        return bool((buys and buys[0].key > low) or (stops and stops[0].key >= low))

    def pop_stop_at(self, price: float) -> RestingOrder | None:
        """The first stop the market at `price` triggers (sells before buys), removed."""
        if self.stop_sells and self.stop_sells[0].key >= price:
            return self.stop_sells.pop(0)
        if self.stop_buys and self.stop_buys[0].key <= price:
            return self.stop_buys.pop(0)
        return None

    def pop_buy_above(self, price: float) -> RestingOrder | None:
        """The best buy whose limit is strictly above `price`, removed; None if there is none."""
        if self.buys and self.buys[0].key > price:
            return self.buys.pop(0)
        return None

    def pop_sell_below(self, price: float) -> RestingOrder | None:
        """The best sell whose limit is strictly below `price`, removed; None if there is none."""
        if self.sells and self.sells[0].key < price:
            return self.sells.pop(0)
        return None
