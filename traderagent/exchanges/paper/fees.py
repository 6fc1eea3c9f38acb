"""Fee schedule of the paper venue: Bybit spot's rules (`traderagent.exchanges.fee_rules`).

A buy pays its fee in the base coin, a sell in the quote coin, at 0.1 % maker and taker unless
the config sets other rates. Fees are exact (`qty x rate` or `notional x rate` as a Decimal, never
rounded): a rounding would make the paper account and a fast kernel drift apart.
"""

from __future__ import annotations

from traderagent.exchanges.fee_rules import SPOT_MAKER_FEE, SPOT_TAKER_FEE, FeeRules

FeeSchedule = FeeRules
"""The paper venue's name for the fee rules it charges (spot unless told otherwise)."""
DEFAULT_MAKER_FEE = SPOT_MAKER_FEE
DEFAULT_TAKER_FEE = SPOT_TAKER_FEE

__all__ = ["DEFAULT_MAKER_FEE", "DEFAULT_TAKER_FEE", "FeeSchedule"]
