"""What the linear model reports: fills (with the position they closed), funding charges, and
refusals carrying Bybit's retCode."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from traderagent.domain import ZERO, Fill, Side

MarginMode = Literal["isolated", "cross"]
MARGIN_MODES: tuple[MarginMode, ...] = ("isolated", "cross")

INSUFFICIENT_AB = 110007  # Bybit's retCode: "ab not enough for new order"
REDUCE_ONLY = 110017  # Bybit's retCode: reduce-only rule not satisfied


class LinearRefusal(Exception):
    """An order the venue refuses on entry, with Bybit's retCode for it."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class LinearFill(Fill):
    """A linear fill: what it closed of the position and the PnL that realised (before fees).
    `exec_type` is Bybit's: "Trade", or "BustTrade" for a liquidation."""

    closed_size: Decimal = ZERO
    exec_pnl: Decimal = ZERO
    exec_type: str = "Trade"


@dataclass(frozen=True, slots=True)
class FundingCharge:
    """A funding settlement of one position: `fee` paid (negative: received) in `asset`."""

    symbol: str
    side: Side
    size: Decimal
    mark: Decimal
    rate: Decimal
    fee: Decimal
    asset: str
    ts: int
