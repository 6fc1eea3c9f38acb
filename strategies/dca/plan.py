"""Safety orders in the 3Commas convention, and where and how large each one is.

With first deviation d (percent), step scale s and volume scale vs, safety order n sits
d * (1 + s + ... + s^(n-1)) percent below the base price (above it, for a short DCA) and
spends v0 * vs^(n-1) quote.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from traderagent.domain import Instrument, Side


def deviation_pct(first: Decimal, step_scale: Decimal, n: int) -> Decimal:
    """Percent below the base price of safety order n (n >= 1; 0 for the base order itself)."""
    return first * sum((step_scale**i for i in range(n)), Decimal(0))


def volume(first: Decimal, volume_scale: Decimal, n: int) -> Decimal:
    """Quote amount of safety order n (n >= 1)."""
    return first * volume_scale ** (n - 1)


@dataclass(frozen=True, slots=True)
class SafetyOrder:
    number: int
    """1 for the first safety order."""
    deviation_pct: Decimal
    amount: Decimal
    """Quote amount planned (before the quantity is floored to the lot)."""
    price: Decimal
    """Limit price on the tick (rounded down: a buy never pays more than planned)."""
    qty: Decimal
    """Base quantity, floored to the lot."""


class SafetyOrderPlan:
    """The safety orders of one cycle, anchored at its base price."""

    def __init__(
        self,
        base_price: Decimal,
        first_amount: Decimal,
        first_deviation: Decimal,
        step_scale: Decimal,
        volume_scale: Decimal,
        count: int,
        instrument: Instrument,
        short: bool = False,
    ) -> None:
        self.base_price = base_price
        orders = []
        for n in range(1, count + 1):
            deviation = deviation_pct(first_deviation, step_scale, n)
            amount = volume(first_amount, volume_scale, n)
            if short:  # a sell above: on the tick upwards, never selling for less than planned
                price = instrument.round_price(base_price * (1 + deviation / 100), Side.SELL)
            else:
                price = instrument.round_price(base_price * (1 - deviation / 100), Side.BUY)
            qty = instrument.floor_qty(amount / price) if price > 0 else Decimal(0)
            orders.append(SafetyOrder(n, deviation, amount, price, qty))
        self.orders = tuple(orders)

    def __len__(self) -> int:
        return len(self.orders)

    def order(self, n: int) -> SafetyOrder:
        return self.orders[n - 1]

    @property
    def capital(self) -> Decimal:
        """Quote the safety orders of one cycle commit when every one fills."""
        return sum((so.price * so.qty for so in self.orders), Decimal(0))
