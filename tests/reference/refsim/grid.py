"""The grid as README.md's "How it trades" states it.

Levels are spaced arithmetically or geometrically between `lower` and `upper` and rounded to
the tick. Slot k lies between level k and k+1; its quantity is `amount_per_level / level k`,
floored to the lot. At start the bot buys at market the base of every slot whose lower level
is at or above the price, then places a sell one level above each of those slots and a buy at
every level below the price (the first level at or above the price stays free). Each filled
buy gets a counter-sell one level up (of the base it was credited, floored to the lot); each
filled sell a counter-buy one level down (less the dust below one lot the slot kept).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext

from .rules import BUY, SELL, Instrument
from .venue import Fill, Order, PaperVenue

ZERO = Decimal(0)


@dataclass(frozen=True)
class GridSpec:
    lower: Decimal
    upper: Decimal
    levels: int
    amount_per_level: Decimal
    spacing: str = "arithmetic"


def grid_levels(spec: GridSpec, inst: Instrument) -> list[Decimal]:
    """The level prices, lowest first, each on the nearest tick."""
    n = spec.levels
    with localcontext() as ctx:
        ctx.prec = 34
        if spec.spacing == "arithmetic":
            step = (spec.upper - spec.lower) / (n - 1)
            raw = [spec.lower + step * i for i in range(n)]
        else:
            ratio = (spec.upper / spec.lower) ** (Decimal(1) / (n - 1))
            raw = [spec.lower * ratio**i for i in range(n)]
    raw[-1] = spec.upper
    return [inst.nearest_tick(p) for p in raw]


class ReferenceGrid:
    """Slots, each either empty (a buy at its level) or holding base (a sell one level up)."""

    def __init__(self, spec: GridSpec, venue: PaperVenue) -> None:
        self.venue, self.inst = venue, venue.inst
        self.levels = grid_levels(spec, self.inst)
        self.quantity = [self.inst.floor_lot(spec.amount_per_level / p) for p in self.levels[:-1]]
        for price, qty in zip(self.levels, self.quantity, strict=False):
            reason = self.inst.refusal(price, qty)
            assert reason is None, f"grid slot at {price}: {reason}"
        self.held = [ZERO] * len(self.quantity)  # base credited to each slot
        self.seed_slots: list[int] = []
        self.orders: dict[int, tuple[int, str]] = {}  # venue order id -> (slot, side)

    def start(self, price: Decimal) -> None:
        """README: buy at market the base of "every slot whose lower level is at or above the
        price", then the sells above those slots and a buy at every level below the price; "the
        first level at or above the price stays free"."""
        self.seed_slots = [k for k, level in enumerate(self.levels[:-1]) if level >= price]
        seed = sum((self.quantity[k] for k in self.seed_slots), ZERO)
        below = [k for k in range(len(self.quantity)) if k not in self.seed_slots]
        if seed > 0:
            self.venue.place_market(BUY, seed, "seed")  # its fill places the seed slots' sells
        for k in below:
            self._buy(k)

    def on_fill(self, fill: Fill, order: Order) -> None:
        if fill.tag == "seed":
            self._share_seed(fill.credited)
            for k in self.seed_slots:
                self._sell(k)
            return
        slot, side = self.orders.pop(order.oid)
        if side == BUY:
            self.held[slot] += fill.credited
            self._sell(slot)  # the counter-sell one level up
        else:
            self.held[slot] -= fill.qty
            self._buy(slot)  # the counter-buy one level down

    def _share_seed(self, credited: Decimal) -> None:
        """The seed's credited base goes to its slots, the lowest first, each up to its
        quantity (the README is silent on which slot carries the seed's base-coin fee)."""
        left = credited
        for k in self.seed_slots:
            take = min(left, self.quantity[k])
            self.held[k] += take
            left -= take

    def _buy(self, slot: int) -> None:
        """README: a slot keeps the dust its floored sell left, and its next buy buys that
        much less."""
        qty = self.inst.floor_lot(self.quantity[slot] - self.held[slot])
        order = self.venue.place_limit(BUY, qty, self.levels[slot], f"b{slot}")
        if order.open:
            self.orders[order.oid] = (slot, BUY)

    def _sell(self, slot: int) -> None:
        qty = self.inst.floor_lot(self.held[slot])
        order = self.venue.place_limit(SELL, qty, self.levels[slot + 1], f"s{slot}")
        if order.open:
            self.orders[order.oid] = (slot, SELL)
