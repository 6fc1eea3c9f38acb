"""Balances and positions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from traderagent.domain.enums import Side
from traderagent.domain.orders import ZERO, Fill
from traderagent.domain.values import quick_init


@quick_init
@dataclass(frozen=True, slots=True)
class Balance:
    asset: str
    free: Decimal
    locked: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.free + self.locked


@quick_init
@dataclass(frozen=True, slots=True)
class Position:
    """A position at average cost of the base it holds (credited quantities): long-only on
    spot (`apply`), signed on a one-way perpetual (`apply_signed`: negative when short);
    realised PnL is net of every fee, a base-coin fee valued at its fill's price, and of the
    funding a perpetual's position paid (`funding`: received, negative when paid)."""

    symbol: str
    qty: Decimal = ZERO
    avg_price: Decimal = ZERO
    realised_pnl: Decimal = ZERO
    fees: Decimal = ZERO
    funding: Decimal = ZERO

    def apply(self, fill: Fill) -> Position:
        """The position after `fill`: a buy adds the credited base (net of a base-coin fee) at
        the fill price; every fee is charged to realised PnL at its quote value."""
        fee = fill.fee_value
        moved = fill.base_qty
        if fill.side is Side.BUY:
            qty = self.qty + moved
            avg = (self.avg_price * self.qty + fill.price * moved) / qty if qty > 0 else ZERO
            return Position(
                self.symbol, qty, avg, self.realised_pnl - fee, self.fees + fee, self.funding
            )
        closed = min(fill.qty, self.qty)
        gain = (fill.price - self.avg_price) * closed
        qty = self.qty - moved
        return Position(
            self.symbol,
            qty,
            self.avg_price if qty > 0 else ZERO,
            self.realised_pnl + gain - fee,
            self.fees + fee,
            self.funding,
        )

    def apply_signed(self, fill: Fill) -> Position:
        """The position after `fill` on a one-way perpetual (a linear venue): `qty` is signed
        (negative: short). A fill on the position's side (or from flat) adds at the average
        price; one against it closes up to the position, realising `(price - avg) x closed`
        (flipped for a short), and what it trades beyond opens the other side at its price.
        Fees (in the quote on a linear venue) are charged to realised PnL."""
        fee = fill.fee_value
        moved = fill.base_qty if fill.side is Side.BUY else -fill.base_qty
        held = self.qty
        qty = held + moved
        if not held or (held > 0) == (moved > 0):  # opening or adding
            avg = (self.avg_price * abs(held) + fill.price * abs(moved)) / abs(qty) if qty else ZERO
            gain = ZERO
        else:  # reducing, closing or flipping
            closed = min(abs(moved), abs(held))
            gain = (fill.price - self.avg_price) * closed * (1 if held > 0 else -1)
            if not qty:
                avg = ZERO
            elif (qty > 0) == (held > 0):
                avg = self.avg_price
            else:
                avg = fill.price  # flipped: the rest opens the other side at the fill's price
        return Position(
            self.symbol, qty, avg, self.realised_pnl + gain - fee, self.fees + fee, self.funding
        )

    def with_funding(self, received: Decimal) -> Position:
        """The position after a funding settlement: `received` (negative: paid) is realised."""
        return Position(
            self.symbol,
            self.qty,
            self.avg_price,
            self.realised_pnl + received,
            self.fees,
            self.funding + received,
        )

    def unrealised(self, mark: Decimal) -> Decimal:
        return (mark - self.avg_price) * self.qty if self.qty else ZERO
