"""Resting limit orders of one symbol, kept best price first on each side."""

from __future__ import annotations

from bisect import insort
from dataclasses import dataclass
from decimal import Decimal

from traderagent.domain import Order, Side


@dataclass(slots=True, eq=False)
class RestingOrder:
    """An accepted order with the funds it locked. Compared by identity."""

    order: Order
    price: Decimal
    lock_asset: str
    lock: Decimal
    taker: bool = False  # marketable on arrival: its fill pays the taker fee
    # float(price) is correctly rounded, so it equals a candle price parsed from the same
    # decimal text: a candle that only touches the limit compares equal and does not fill.
    key: float = 0.0

    def __post_init__(self) -> None:
        self.key = float(self.price)


def _buy_rank(r: RestingOrder) -> float:
    return -r.key


def _sell_rank(r: RestingOrder) -> float:
    return r.key


class SymbolBook:
    """Buys highest first, sells lowest first; equal prices keep arrival order (FIFO).

    Grids hold tens of orders, so plain sorted lists beat heaps or trees here.
    """

    __slots__ = ("buys", "sells")

    def __init__(self) -> None:
        self.buys: list[RestingOrder] = []
        self.sells: list[RestingOrder] = []

    def __len__(self) -> int:
        return len(self.buys) + len(self.sells)

    def add(self, r: RestingOrder) -> None:
        if r.order.side is Side.BUY:
            insort(self.buys, r, key=_buy_rank)
        else:
            insort(self.sells, r, key=_sell_rank)

    def discard(self, r: RestingOrder) -> bool:
        """Remove `r` if it rests here; False if it does not."""
        side = self.buys if r.order.side is Side.BUY else self.sells
        for i, other in enumerate(side):
            if other is r:
                del side[i]
                return True
        return False

    def may_cross(self, low: float, high: float) -> bool:
        """Whether any order could fill on a candle spanning [low, high] (the cheap pre-check)."""
        buys, sells = self.buys, self.sells
        return bool((buys and buys[0].key > low) or (sells and sells[0].key < high))

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
