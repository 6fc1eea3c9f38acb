"""The grid's slots: what each holds and which order it wants resting.

Slot k lies between level k and level k+1. An EMPTY slot wants a buy at level k; a HOLDING slot
owns base and wants a sell at level k+1. Partial fills: a slot's `held` quantity follows every
fill, so a partially filled buy holds what it got. The counter-sell is placed when the buy is
complete and sells what the slot holds, floored to the lot (never the nominal slot quantity).
A buy credits its quantity less a fee paid in the base coin (Bybit spot), so a slot holds a
little less than it bought: the part below one lot stays in the slot as dust, and the slot's
next buy buys that much less. If a partly
filled buy is cancelled instead (pause re-sync, wind-down), the slot keeps its part: a re-sync
buys only the remainder, or sells what the slot has when the remainder is below the venue's
minimum. Sells mirror this.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from decimal import Decimal

from traderagent.domain import ZERO, Instrument, PlaceOrder, Purpose, Side


class SlotBook:
    def __init__(
        self, levels: tuple[Decimal, ...], quantities: tuple[Decimal, ...], instrument: Instrument
    ) -> None:
        self.levels = levels
        self.quantities = quantities
        self.instrument = instrument
        self.holding = [False] * len(quantities)
        self.held = [ZERO] * len(quantities)
        self.countered = [False] * len(quantities)  # a buy after a sell is a counter-order
        self.cycles = 0

    def open_at(self, price: Decimal, keep_countered: bool = False) -> None:
        """Slots at or above the price hold base (to sell above); the others want to buy.
        `keep_countered`: a restart of this grid, whose slots have cycled already."""
        self.holding = [level >= price for level in self.levels[:-1]]
        self.held = [ZERO] * len(self.quantities)
        if not keep_countered:
            self.countered = [False] * len(self.quantities)

    def adopt_live(self, live_tags: AbstractSet[str]) -> frozenset[int]:
        """Orders still resting from before a restart say what their slots are doing: a slot
        with a live sell holds base, one with a live buy is empty. The slots with live sells."""
        selling = set()
        for slot in range(len(self.holding)):
            if f"s{slot}" in live_tags:
                self.holding[slot] = True
                selling.add(slot)
            elif f"b{slot}" in live_tags:
                self.holding[slot] = False
        return frozenset(selling)

    # -- inventory ---------------------------------------------------------------------------

    def deficit(self, slots: frozenset[int]) -> Decimal:
        """Base those slots still lack (what a seed order must buy for them)."""
        return sum((self.quantities[k] - self.held[k] for k in slots), ZERO)

    def allocate(self, qty: Decimal, slots: frozenset[int]) -> Decimal:
        """Give `qty` of base to those slots, lowest (nearest the price) first; return the rest."""
        left = qty
        for slot in sorted(slots):
            take = min(left, self.quantities[slot] - self.held[slot])
            self.held[slot] += take
            left -= take
        return left

    def cover(self, qty: Decimal) -> Decimal:
        """Base beyond what the holding slots take (held from before a restart, bought higher
        up) stands in for the buys of the empty slots, nearest the price first: they hold it
        and sell it one level up instead of buying it again. Returns what no slot can take."""
        left = qty
        for slot in reversed(range(len(self.holding))):
            if left <= 0:
                break
            if self.holding[slot]:
                continue
            take = min(left, self.quantities[slot] - self.held[slot])
            if take > 0:
                self.held[slot] += take
                self.holding[slot] = True
                left -= take
        return left

    # -- fills -------------------------------------------------------------------------------

    def bought(self, slot: int, qty: Decimal, complete: bool) -> PlaceOrder | None:
        """A fill of slot's buy; when the buy is complete, the counter-sell one level up."""
        self.held[slot] += qty
        if not complete:
            return None
        self.holding[slot] = True
        return self.order_for(slot)

    def sold(self, slot: int, qty: Decimal, complete: bool) -> PlaceOrder | None:
        """A fill of slot's sell; when complete, one cycle is done: the counter-buy one down."""
        self.held[slot] = max(ZERO, self.held[slot] - qty)
        if not complete:
            return None
        self.holding[slot] = False
        self.countered[slot] = True
        self.cycles += 1
        return self.order_for(slot)

    # -- desired orders ----------------------------------------------------------------------

    def order_for(self, slot: int) -> PlaceOrder | None:
        """The order slot wants resting, or None when it can place nothing valid."""
        if self.holding[slot]:
            return self._sell(slot) or self._buy(slot)  # dust left by a partial sell: top up
        return self._buy(slot) or self._sell(slot)  # remainder too small to buy: sell it

    def short_slots(self) -> frozenset[int]:
        """Holding slots that lack part of their base (the seed order is buying it)."""
        return frozenset(
            slot
            for slot, on in enumerate(self.holding)
            if on and self.held[slot] < self.quantities[slot]
        )

    def desired(self, skip: frozenset[int] = frozenset()) -> dict[str, PlaceOrder]:
        wanted: dict[str, PlaceOrder] = {}
        for slot in range(len(self.holding)):
            if slot in skip:
                continue
            order = self.order_for(slot)
            if order is not None:
                wanted[order.tag] = order
        return wanted

    def _buy(self, slot: int) -> PlaceOrder | None:
        price = self.levels[slot]
        qty = self.instrument.floor_qty(self.quantities[slot] - self.held[slot])
        if self.instrument.check_order(price, qty):
            return None
        purpose = Purpose.COUNTER if self.countered[slot] else Purpose.ENTRY
        return PlaceOrder(f"b{slot}", Side.BUY, qty, price, purpose=purpose)

    def _sell(self, slot: int) -> PlaceOrder | None:
        price = self.levels[slot + 1]
        qty = self.instrument.floor_qty(self.held[slot])
        if self.instrument.check_order(price, qty):
            return None
        return PlaceOrder(f"s{slot}", Side.SELL, qty, price, purpose=Purpose.COUNTER)


def slot_of(tag: str) -> int | None:
    """The slot index in a grid order tag (`b3`, `s3`), or None for other tags."""
    if len(tag) < 2 or tag[0] not in "bs" or not tag[1:].isdigit():
        return None
    return int(tag[1:])
