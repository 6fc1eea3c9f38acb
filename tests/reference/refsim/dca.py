"""The DCA as README.md's "How it trades" states it.

A cycle buys a base order at market (at most `base_order` quote at the current price), then
rests safety orders below the base price: safety order n sits d*(1 + s + ... + s^(n-1)) % below
it with volume v*vs^(n-1) quote (3Commas), `active_safety_orders` of them at a time (the next
one placed when one fills). One take-profit sell of the whole position rests at the average
entry + M %, re-placed after every safety fill; an optional stop loss rests as a stop order
for the whole position at the average entry - `stop_loss` % (re-placed with the take profit).
A new cycle opens after the take profit (or the stop), once `cooldown_candles` minutes have
passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .rules import BUY, SELL
from .venue import Fill, Order, PaperVenue

ZERO = Decimal(0)
MINUTE_MS = 60_000


@dataclass(frozen=True)
class DcaSpec:
    base_order: Decimal
    safety_order: Decimal
    max_safety_orders: int
    active_safety_orders: int
    price_deviation: Decimal
    step_scale: Decimal
    volume_scale: Decimal
    take_profit: Decimal
    cooldown_candles: int = 0
    stop_loss: Decimal | None = None


@dataclass(frozen=True)
class SafetyOrder:
    number: int
    price: Decimal
    qty: Decimal


def safety_orders(spec: DcaSpec, base_price: Decimal, venue: PaperVenue) -> list[SafetyOrder]:
    """The 3Commas ladder below `base_price`: prices on the tick (a buy rounds down), quantities
    floored to the lot; one the venue would refuse (below its minimums) is left out."""
    inst, ladder = venue.inst, []
    for n in range(1, spec.max_safety_orders + 1):
        steps = sum((spec.step_scale**i for i in range(n)), ZERO)
        price = inst.price_for(BUY, base_price * (1 - spec.price_deviation * steps / 100))
        qty = inst.floor_lot(spec.safety_order * spec.volume_scale ** (n - 1) / price)
        if inst.refusal(price, qty) is None:
            ladder.append(SafetyOrder(n, price, qty))
    return ladder


class ReferenceDca:
    def __init__(self, spec: DcaSpec, venue: PaperVenue) -> None:
        self.spec, self.venue, self.inst = spec, venue, venue.inst
        self.bought_qty = ZERO  # this cycle's quantity bought (as filled)
        self.bought_value = ZERO  # and what it cost at the fill prices
        self.position = ZERO  # base held: credited by buys, debited by sells
        self.cycle_qty = ZERO  # this cycle's credited base not sold yet (README: what it sells)
        self.ladder: list[SafetyOrder] = []
        self.safety: dict[int, Order] = {}  # resting safety orders by number
        self.tp: Order | None = None
        self.stop: Order | None = None
        self.opens_at_ms: int | None = 0  # when the next cycle may open (None: in a cycle)
        self.cycles = 0

    # -- the engine's calls ----------------------------------------------------------------------

    def start(self, price: Decimal) -> None:
        self.on_close(price, self.venue.now_ms)

    def on_close(self, price: Decimal, close_ms: int) -> None:
        """A candle closed at `price`: a cycle due to open opens."""
        if self.opens_at_ms is not None and close_ms >= self.opens_at_ms:
            self._open()

    def on_fill(self, fill: Fill, order: Order) -> None:
        if fill.side == BUY:
            self.bought_qty += fill.qty
            self.bought_value += fill.qty * fill.price
            self.position += fill.credited
            self.cycle_qty += fill.credited
        else:
            self.position -= fill.qty
            self.cycle_qty -= fill.qty
        if fill.tag == "base":
            self.ladder = safety_orders(self.spec, fill.price, self.venue)
            self._exits()
            self._next_safety()
        elif fill.tag.startswith("so"):
            self.safety = {n: o for n, o in self.safety.items() if o is not order}
            self._exits()
            self._next_safety()
        elif fill.tag in ("tp", "sl"):
            self._end_cycle(fill.ts)

    def on_refused(self, order: Order) -> None:
        """The venue refused the triggered stop (the take profit locks the base it would sell):
        the stop loss sells at market now, everything resting cancelled first; the cycle ends
        when that sale fills."""
        if order is not self.stop:
            return
        for resting in [*self.safety.values(), self.tp]:
            if resting is not None:
                self.venue.cancel(resting)
        self.safety, self.ladder, self.tp, self.stop = {}, [], None, None
        self.venue.place_market(SELL, self.inst.floor_lot(self.cycle_qty), "sl")

    # -- the rules -------------------------------------------------------------------------------

    def _open(self) -> None:
        """The base order: at most `base_order` quote at the current price, at market."""
        price = self.inst.nearest_tick(self.venue.last or ZERO)
        qty = self.inst.floor_lot(self.spec.base_order / price)
        if self.inst.refusal(price, qty) is not None:
            return  # too small here: wait for another price
        self.opens_at_ms = None
        self.bought_qty = self.bought_value = self.cycle_qty = ZERO
        self.venue.place_market(BUY, qty, "base")

    def _average_entry_times(self, percent: Decimal) -> Decimal:
        """The average entry (the cycle's buys at their fill prices) times `percent` / 100."""
        return self.bought_value * percent / (self.bought_qty * 100)

    def _exits(self) -> None:
        """Cancel the take profit and the stop; place them again for the whole position: the
        cycle's credited base floored to the lot (README "Fees": dust below a lot stays)."""
        for order in (self.tp, self.stop):
            if order is not None:
                self.venue.cancel(order)
        self.tp = self.stop = None
        qty = self.inst.floor_lot(self.cycle_qty)
        price = self.inst.price_for(SELL, self._average_entry_times(100 + self.spec.take_profit))
        if self.inst.refusal(price, qty) is None:
            self.tp = self.venue.place_limit(SELL, qty, price, "tp")
        if self.spec.stop_loss is None:
            return
        trigger = self.inst.price_for(BUY, self._average_entry_times(100 - self.spec.stop_loss))
        if self.inst.refusal(trigger, qty) is None:
            self.stop = self.venue.place_stop(SELL, qty, trigger, "sl")
            if not self.stop.open:  # already through the stop: sell at market now
                self.venue.place_market(SELL, qty, "sl")

    def _next_safety(self) -> None:
        while len(self.safety) < self.spec.active_safety_orders and self.ladder:
            so = self.ladder.pop(0)
            order = self.venue.place_limit(BUY, so.qty, so.price, f"so{so.number}")
            if order.open:
                self.safety[so.number] = order

    def _end_cycle(self, at_ms: int) -> None:
        """The take profit filled: cancel what rests; the next cycle opens after the cooldown
        (at once when it is 0: at the price of this moment)."""
        for order in [*self.safety.values(), self.tp, self.stop]:
            if order is not None:
                self.venue.cancel(order)
        self.safety, self.ladder, self.tp, self.stop = {}, [], None, None
        self.cycles += 1
        self.opens_at_ms = at_ms + self.spec.cooldown_candles * MINUTE_MS
        if self.spec.cooldown_candles == 0:
            self._open()
