"""Trading fees as Bybit charges them, per category: the rates and the coin each side pays in.

Spot (base tier, maker and taker 0.1 %): a buy pays its fee in the base coin (a buy of `q`
credits `q - q x rate` of base), a sell in the quote coin (`q x price x (1 - rate)` of quote).
Linear (USDT perpetuals, maker 0.02 %, taker 0.055 %): every fee in the settle (quote) coin.
A user may set other rates; the coin rule stays the category's. Fees are exact (never rounded):
balances then reconcile to the last digit with the fills that produced them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from traderagent.domain import ZERO, Instrument, Liquidity, Side

Category = Literal["spot", "linear"]

SPOT_MAKER_FEE = Decimal("0.001")
SPOT_TAKER_FEE = Decimal("0.001")
LINEAR_MAKER_FEE = Decimal("0.0002")
LINEAR_TAKER_FEE = Decimal("0.00055")


@dataclass(frozen=True, slots=True)
class FeeRules:
    """Maker and taker rates (fractions: 0.001 = 0.1 %) and the category's fee-coin rule."""

    maker: Decimal = SPOT_MAKER_FEE
    taker: Decimal = SPOT_TAKER_FEE
    category: Category = "spot"

    def rate(self, liquidity: Liquidity) -> Decimal:
        return self.maker if liquidity is Liquidity.MAKER else self.taker

    def in_base(self, side: Side) -> bool:
        """Whether a fill of `side` pays its fee in the base coin (a spot buy)."""
        return self.category == "spot" and side is Side.BUY

    def fee_asset(self, side: Side, inst: Instrument) -> str:
        return inst.base if self.in_base(side) else inst.quote

    def fee(self, side: Side, qty: Decimal, price: Decimal, liquidity: Liquidity) -> Decimal:
        """The exact fee of a fill, in `fee_asset`: `qty x rate` of base for a spot buy, else
        `qty x price x rate` of quote."""
        rate = self.rate(liquidity)
        return qty * rate if self.in_base(side) else qty * price * rate

    @property
    def lock_rate(self) -> Decimal:
        """Fee rate a buy reserves in quote on top of its notional: none on spot (its fee comes
        out of the base it receives), the worst rate on linear."""
        return ZERO if self.category == "spot" else max(self.maker, self.taker, ZERO)


SPOT_FEES = FeeRules(SPOT_MAKER_FEE, SPOT_TAKER_FEE, "spot")
LINEAR_FEES = FeeRules(LINEAR_MAKER_FEE, LINEAR_TAKER_FEE, "linear")
