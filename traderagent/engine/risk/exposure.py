"""What the risk gate looks at: which intents it limits, and a bot's exposure as figures.

A resting buy counts as if it had filled, valued at the higher of its price and the market:
a fill then never raises the exposure the gate approved, so a limit holds through any fills.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from traderagent.domain import ZERO, Order, PlaceOrder, Position, Purpose, Side


def adds_exposure(intent: PlaceOrder) -> bool:
    """Entries, and every buy (on a spot account a buy adds to the long position, a grid's
    counter-buy too), are limited; exits, stops, take-profits and counter-sells reduce
    exposure and always pass."""
    return intent.purpose is Purpose.ENTRY or intent.side is Side.BUY


@dataclass(frozen=True, slots=True)
class BotBook:
    """One bot's position and resting orders, as figures in base and quote."""

    mark: Decimal
    """The market price the position is valued at."""
    position_qty: Decimal = ZERO
    avg_price: Decimal = ZERO
    open_orders: int = 0
    resting_buy_qty: Decimal = ZERO
    """Base still to be bought by resting buys."""
    resting_buy_value: Decimal = ZERO
    """Those buys in quote, each at the higher of its price and the mark."""

    @property
    def position_value(self) -> Decimal:
        return self.position_qty * self.mark if self.position_qty > 0 else ZERO

    @property
    def exposure(self) -> Decimal:
        """Quote value the bot holds or may come to hold through its resting buys."""
        return self.position_value + self.resting_buy_value


@dataclass(frozen=True, slots=True)
class AccountView:
    """The shared account at the moment of a decision."""

    equity: Decimal
    gross_exposure: Decimal
    """Sum of every bot's exposure (`BotBook.exposure`) on the account."""


def bot_book(position: Position, orders: Iterable[Order], mark: Decimal) -> BotBook:
    """The book of a bot holding `position` with `orders` open, valued at `mark`."""
    count = 0
    buy_qty = buy_value = ZERO
    for order in orders:
        count += 1
        if order.side is Side.BUY:
            left = order.qty - order.filled_qty
            price = order.price if order.price is not None and order.price > mark else mark
            buy_qty += left
            buy_value += left * price
    return BotBook(
        mark=mark,
        position_qty=position.qty,
        avg_price=position.avg_price,
        open_orders=count,
        resting_buy_qty=buy_qty,
        resting_buy_value=buy_value,
    )
