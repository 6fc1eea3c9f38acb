"""Intents: what a strategy wants, as data. The engine decides whether and how to act on them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from traderagent.domain.enums import OrderType, Purpose, Side
from traderagent.domain.values import quick_init


@quick_init
@dataclass(frozen=True, slots=True)
class PlaceOrder:
    """Place an order. `tag` names it within the bot (unique among the bot's live orders)."""

    tag: str
    side: Side
    qty: Decimal
    price: Decimal | None = None
    type: OrderType = OrderType.LIMIT
    purpose: Purpose = Purpose.ENTRY
    """Entries may be filtered (SMC) or resized (risk); exits, stops, take-profits and grid
    counter-orders always pass."""
    reduce_only: bool = False
    """Only reduce the position (a perpetual's close): never open the other side."""


@quick_init
@dataclass(frozen=True, slots=True)
class CancelOrder:
    tag: str


@quick_init
@dataclass(frozen=True, slots=True)
class CancelAll:
    reason: str = ""


Intent = PlaceOrder | CancelOrder | CancelAll
