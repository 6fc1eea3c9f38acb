"""One DCA cycle's position: what it bought, at what average, and where it takes profit.

For a short DCA (`direction: short`) `bought` is what the cycle's sells opened and `sold` what
its buys closed: the quantities are the short's size, positive."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from traderagent.domain import ZERO


@dataclass(slots=True)
class DcaCycle:
    """Exact running totals of the cycle's own fills. `qty` is the base credited (a buy's fee
    in the base coin is already off it); the take profit and stop sell it floored to the lot,
    and what that leaves below one lot is dust the next cycle does not sell."""

    number: int
    qty: Decimal = ZERO
    cost: Decimal = ZERO
    """Quote spent on the quantity still held (sells remove cost at the average entry)."""
    safety_filled: int = 0
    """Safety orders completely filled."""

    def bought(self, qty: Decimal, price: Decimal) -> None:
        self.qty += qty
        self.cost += qty * price

    def sold(self, qty: Decimal) -> None:
        if self.qty <= 0:
            return
        if qty >= self.qty:
            self.qty = self.cost = ZERO
            return
        self.cost -= self.cost * qty / self.qty
        self.qty -= qty

    @property
    def average_entry(self) -> Decimal | None:
        return self.cost / self.qty if self.qty > 0 else None

    def take_profit_price(self, pct: Decimal, short: bool = False) -> Decimal | None:
        """Average entry plus `pct` percent (minus, for a short), unrounded (the caller puts
        it on the tick).

        One division of exact totals, so the result is the true value correctly rounded to the
        context precision, and a tick boundary is never crossed by an intermediate rounding."""
        return self._scaled(100 - pct if short else 100 + pct)

    def stop_price(self, pct: Decimal, short: bool = False) -> Decimal | None:
        """Average entry minus `pct` percent (plus, for a short), unrounded."""
        return self._scaled(100 + pct if short else 100 - pct)

    def _scaled(self, percent: Decimal) -> Decimal | None:
        return self.cost * percent / (self.qty * 100) if self.qty > 0 else None
