"""The numbers the README's rules need, written down once (no code shared with the engine).

Each constant names the README rule it comes from. The instrument figures are Bybit's spot
rules for BTCUSDT, which the paper venue lists (README: "Money is exact ... quantised to the
instrument's tick ... and lot step ... The venue rejects anything off-tick or below the minimum
quantity or notional").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

BUY = "buy"
SELL = "sell"
MAKER = "maker"
TAKER = "taker"


@dataclass(frozen=True)
class Instrument:
    """A spot pair's trading rules: tick, lot, minimum quantity and order value."""

    base: str
    quote: str
    tick: Decimal
    lot: Decimal
    min_qty: Decimal
    min_notional: Decimal

    # README "Money is exact": prices on the tick (a buy rounds down, a sell rounds up).
    def price_for(self, side: str, price: Decimal) -> Decimal:
        return price.quantize(self.tick, ROUND_FLOOR if side == BUY else ROUND_CEILING)

    # The price a strategy sees, and a level or a market price: the nearest tick (half-even).
    def nearest_tick(self, price: Decimal) -> Decimal:
        return price.quantize(self.tick, ROUND_HALF_EVEN)

    # README "Money is exact": quantities floor to the lot step.
    def floor_lot(self, qty: Decimal) -> Decimal:
        return qty.quantize(self.lot, ROUND_FLOOR)

    def refusal(self, price: Decimal, qty: Decimal) -> str | None:
        """Why the venue refuses (price, qty), or None: off tick or lot, below the minimums."""
        if qty <= 0 or price <= 0:
            return f"price {price} and quantity {qty} must be positive"
        if price % self.tick:
            return f"price {price} is off the tick {self.tick}"
        if qty % self.lot:
            return f"quantity {qty} is off the lot {self.lot}"
        if qty < self.min_qty:
            return f"quantity {qty} is below the minimum {self.min_qty}"
        if price * qty < self.min_notional:
            return f"order value {price * qty} is below the minimum {self.min_notional}"
        return None


BTCUSDT = Instrument(
    base="BTC",
    quote="USDT",
    tick=Decimal("0.01"),
    lot=Decimal("0.000001"),
    min_qty=Decimal("0.000048"),
    min_notional=Decimal("5"),
)
"""Bybit spot BTCUSDT as the paper venue lists it (the README's default bot trades it)."""


@dataclass(frozen=True)
class FeeRule:
    """README / Bybit spot: a maker and a taker rate on the order value; a BUY pays its fee in
    the base coin (the account is credited qty - qty * rate), a SELL in the quote coin. Fees
    are exact (never rounded)."""

    maker: Decimal
    taker: Decimal

    def rate(self, liquidity: str) -> Decimal:
        return self.maker if liquidity == MAKER else self.taker


DEFAULT_FEES = FeeRule(maker=Decimal("0.001"), taker=Decimal("0.001"))
"""Bybit's base-tier spot rates (0.1 % maker and taker), the paper venue's default."""
