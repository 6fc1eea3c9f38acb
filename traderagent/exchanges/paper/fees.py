"""Fee schedule of the paper venue: a rate on notional, charged in the quote asset.

Fees are kept exact (`notional * rate` as a Decimal, never rounded to cents or to the quote's
precision) so that balances reconcile to the last digit with the fills that produced them. A real
venue rounds its fees; the simulated one has no reason to, and rounding would make the paper
account and a fast kernel drift apart by sub-cent amounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from traderagent.domain import ZERO, Liquidity

DEFAULT_MAKER_FEE = Decimal("0.0002")
DEFAULT_TAKER_FEE = Decimal("0.00055")


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """Maker and taker rates as fractions of notional (0.0002 = 0.02 %)."""

    maker: Decimal = DEFAULT_MAKER_FEE
    taker: Decimal = DEFAULT_TAKER_FEE

    def rate(self, liquidity: Liquidity) -> Decimal:
        return self.maker if liquidity is Liquidity.MAKER else self.taker

    def fee(self, notional: Decimal, liquidity: Liquidity) -> Decimal:
        """The exact fee on `notional` (quote asset), unrounded."""
        return notional * self.rate(liquidity)

    @property
    def lock_rate(self) -> Decimal:
        """Fee rate reserved with a buy: the worst a fill can cost (the taker rate by default)."""
        return max(self.maker, self.taker, ZERO)
