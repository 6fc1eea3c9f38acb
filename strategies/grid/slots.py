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

On a linear perpetual venue a slot may be SHORT (`direction: short`, or above the starting
price of a `neutral` grid): it opens with a sell at level k+1 and closes with a reduce-only buy
at level k. Its `held` is the short it holds; HOLDING means it wants the buy back. The open and
close orders keep their tags by side (`s<k>` the sell, `b<k>` the buy).
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
        self.countered = [False] * len(quantities)  # an open after a close is a counter-order
        self.cycles = 0
        self.short = [False] * len(quantities)  # short slots: sell at k+1 opens, buy at k closes
        self.reduce_only = False  # closes go reduce-only (a grid that may short, on perps)
        self.oriented = False  # a neutral grid's sides are set once, where it first opened

    def open_at(
        self, price: Decimal, keep_countered: bool = False, direction: str = "long"
    ) -> None:
        """Long: slots at or above the price hold base (to sell above); the others want to buy.
        Short: slots at or below the price hold a short (to buy back below); the others want
        to sell. Neutral: slots below the price are long, the others short, none holding (a
        resumed neutral grid keeps the sides it opened with: its long slots' sells and short
        slots' buy-backs still rest). `keep_countered`: a restart of this grid, whose slots
        have cycled already."""
        tops = self.levels[1:]
        if direction == "neutral" and keep_countered and self.oriented:
            self.holding = [False] * len(self.quantities)  # the sides stay as they opened
        elif direction == "short":
            self.short = [True] * len(self.quantities)
            self.holding = [top <= price for top in tops]
        elif direction == "neutral":
            self.short = [level >= price for level in self.levels[:-1]]
            self.holding = [False] * len(self.quantities)
        else:
            self.short = [False] * len(self.quantities)
            self.holding = [level >= price for level in self.levels[:-1]]
        self.held = [ZERO] * len(self.quantities)
        self.oriented = True
        if not keep_countered:
            self.countered = [False] * len(self.quantities)

    def close_tag(self, slot: int) -> str:
        return f"b{slot}" if self.short[slot] else f"s{slot}"

    def open_tag(self, slot: int) -> str:
        return f"s{slot}" if self.short[slot] else f"b{slot}"

    def adopt_live(self, live_tags: AbstractSet[str]) -> frozenset[int]:
        """Orders still resting from before a restart say what their slots are doing: a slot
        with a live close (a long's sell, a short's buy) holds, one with a live open is empty.
        The slots with live closes."""
        closing = set()
        for slot in range(len(self.holding)):
            if self.close_tag(slot) in live_tags:
                self.holding[slot] = True
                closing.add(slot)
            elif self.open_tag(slot) in live_tags:
                self.holding[slot] = False
        return frozenset(closing)

    def orient_held(
        self, price: Decimal, live_tags: AbstractSet[str], qty: Decimal, short: bool
    ) -> None:
        """A neutral grid started by a new process while it holds a position (a crash, a
        restart) does not know the price it first opened at, only the price now, so its
        sides by the price alone would take slots that closed the short and hold it as
        longs wanting to buy (and the reverse). The position says: a short `qty` was sold
        higher and is bought back below the price, so the slots nearest below the price
        whose buy-back rests (or whose order was lost) are short and hold it, as many as it
        fills; a long is held by the slots nearest above it whose sell rests. A slot whose
        opening order rests (a long's buy below the price) keeps its side."""
        left = qty
        n = len(self.quantities)
        order = (
            [k for k in reversed(range(n)) if self.levels[k] <= price]
            if short
            else [k for k in range(n) if self.levels[k + 1] >= price]
        )
        opening = "s" if short else "b"  # the other side's close: that slot is not ours
        for slot in order:
            if left <= 0:
                break
            if f"{opening}{slot}" in live_tags:
                continue
            self.short[slot] = short
            self.holding[slot] = True
            left -= self.quantities[slot]

    def sided(self, slots: AbstractSet[int], short: bool) -> frozenset[int]:
        """Those of `slots` on one side (short or long)."""
        return frozenset(k for k in slots if self.short[k] == short)

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

    def cover(self, qty: Decimal, short: bool = False, price: Decimal | None = None) -> Decimal:
        """Base beyond what the holding slots take (held from before a restart, bought higher
        up) stands in for the buys of the empty slots, nearest the price first: they hold it
        and sell it one level up instead of buying it again. Returns what no slot can take.
        `short`: a short position beyond the short slots' stands in for their sells (the
        lowest first, nearest the price), only where the buy-back is not above `price`: a
        short slot above the price would buy its short back at market, closing what the
        grid holds merely because it restarted (what no slot takes stays unmanaged)."""
        left = qty
        order = range(len(self.holding)) if short else reversed(range(len(self.holding)))
        for slot in order:
            if left <= 0:
                break
            if self.holding[slot] or self.short[slot] != short:
                continue
            if short and price is not None and self.levels[slot] > price:
                break  # the slots are in price order: every later one is above it too
            take = min(left, self.quantities[slot] - self.held[slot])
            if take > 0:
                self.held[slot] += take
                self.holding[slot] = True
                left -= take
        return left

    # -- fills -------------------------------------------------------------------------------

    def bought(self, slot: int, qty: Decimal, complete: bool) -> PlaceOrder | None:
        """A fill of slot's buy: a long slot's open (when complete, the counter-sell one level
        up), a short slot's close."""
        if self.short[slot]:
            return self._closed(slot, qty, complete)
        return self._opened(slot, qty, complete)

    def sold(self, slot: int, qty: Decimal, complete: bool) -> PlaceOrder | None:
        """A fill of slot's sell: a long slot's close (when complete, one cycle is done: the
        counter-buy one level down), a short slot's open."""
        if self.short[slot]:
            return self._opened(slot, qty, complete)
        return self._closed(slot, qty, complete)

    def _opened(self, slot: int, qty: Decimal, complete: bool) -> PlaceOrder | None:
        self.held[slot] += qty
        if not complete:
            return None
        self.holding[slot] = True
        return self.order_for(slot)

    def _closed(self, slot: int, qty: Decimal, complete: bool) -> PlaceOrder | None:
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
        if self.short[slot]:  # a short slot opens with its sell and closes with its buy
            if self.holding[slot]:
                return self._buy(slot) or self._sell(slot)
            return self._sell(slot) or self._buy(slot)
        if self.holding[slot]:
            return self._sell(slot) or self._buy(slot)  # dust left by a partial sell: top up
        return self._buy(slot) or self._sell(slot)  # remainder too small to buy: sell it

    def lacking(self) -> frozenset[int]:
        """Holding slots that lack part of their base or short (the seed order opens it)."""
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
        """A long slot's buy takes what it lacks (ENTRY, COUNTER after a cycle); a short
        slot's buy-back what it holds (reduce-only on a grid that may short)."""
        price = self.levels[slot]
        short = self.short[slot]
        left = self.held[slot] if short else self.quantities[slot] - self.held[slot]
        qty = self.instrument.floor_qty(left)
        if self.instrument.check_order(price, qty):
            return None
        if short:
            return PlaceOrder(
                f"b{slot}", Side.BUY, qty, price, purpose=Purpose.COUNTER,
                reduce_only=self.reduce_only,
            )  # fmt: skip
        purpose = Purpose.COUNTER if self.countered[slot] else Purpose.ENTRY
        return PlaceOrder(f"b{slot}", Side.BUY, qty, price, purpose=purpose)

    def _sell(self, slot: int) -> PlaceOrder | None:
        """A long slot's sell sells what it holds (reduce-only on a grid that may short); a
        short slot's sell opens what it lacks, an ENTRY every time: the risk limits see only
        buys and entries as adding exposure (a long slot's counter-buy is limited as a buy)."""
        price = self.levels[slot + 1]
        short = self.short[slot]
        left = self.quantities[slot] - self.held[slot] if short else self.held[slot]
        qty = self.instrument.floor_qty(left)
        if self.instrument.check_order(price, qty):
            return None
        if short:
            return PlaceOrder(f"s{slot}", Side.SELL, qty, price)
        return PlaceOrder(
            f"s{slot}", Side.SELL, qty, price, purpose=Purpose.COUNTER,
            reduce_only=self.reduce_only,
        )  # fmt: skip


def slot_of(tag: str) -> int | None:
    """The slot index in a grid order tag (`b3`, `s3`), or None for other tags."""
    if len(tag) < 2 or tag[0] not in "bs" or not tag[1:].isdigit():
        return None
    return int(tag[1:])
