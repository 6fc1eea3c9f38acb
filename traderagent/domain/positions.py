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
    """A long-only position at average cost of the base it holds (credited quantities);
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
