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
    exposure and always pass, as does a reduce-only order (a perpetual short's closing buy)."""
    return intent.purpose is Purpose.ENTRY or (intent.side is Side.BUY and not intent.reduce_only)


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
    signed: bool = False
    """A perpetual's book: the position may be short (negative), and sells may open."""
    resting_sell_qty: Decimal = ZERO
    """Base still to be sold by resting sells (counted on a signed book only)."""
    resting_sell_value: Decimal = ZERO
    """Those sells in quote, each at the higher of its price and the mark."""
    leverage: Decimal = Decimal(1)
    """The symbol's leverage on a perpetual venue (1 on spot): margin is exposure / leverage."""

    @property
    def margin(self) -> Decimal:
        """Margin the position and its opening orders hold: `exposure / leverage`."""
        return self.exposure / self.leverage

    @property
    def position_value(self) -> Decimal:
        if self.signed:
            return abs(self.position_qty) * self.mark
        return self.position_qty * self.mark if self.position_qty > 0 else ZERO

    @property
    def exposure(self) -> Decimal:
        """Quote value the bot holds or may come to hold through its resting buys (on a
        signed book, through its resting orders of the side that opens: the position's, or
        the larger side from flat)."""
        if not self.signed:
            return self.position_value + self.resting_buy_value
        qty = self.position_qty
        if qty > 0:
            opening = self.resting_buy_value
        elif qty < 0:
            opening = self.resting_sell_value
        else:
            opening = max(self.resting_buy_value, self.resting_sell_value)
        return self.position_value + opening


@dataclass(frozen=True, slots=True)
class AccountView:
    """The shared account at the moment of a decision."""

    equity: Decimal
    gross_exposure: Decimal
    """Sum of every bot's exposure (`BotBook.exposure`) on the account."""
    gross_margin: Decimal = ZERO
    """Sum of every bot's margin (`BotBook.margin`): read only when `max_margin_pct` is set."""


def bot_book(
    position: Position,
    orders: Iterable[Order],
    mark: Decimal,
    signed: bool = False,
    leverage: Decimal | None = None,
) -> BotBook:
    """The book of a bot holding `position` with `orders` open, valued at `mark` (`signed`:
    on a perpetual venue, where its resting sells are counted too, margined at `leverage`)."""
    count = 0
    buy_qty = buy_value = sell_qty = sell_value = ZERO
    for order in orders:
        count += 1
        if order.side is Side.BUY:
            left = order.qty - order.filled_qty
            price = order.price if order.price is not None and order.price > mark else mark
            buy_qty += left
            buy_value += left * price
        elif signed:
            left = order.qty - order.filled_qty
            price = order.price if order.price is not None and order.price > mark else mark
            sell_qty += left
            sell_value += left * price
    if signed:
        return BotBook(
            mark, position.qty, position.avg_price, count, buy_qty, buy_value, True, sell_qty,
            sell_value, leverage if leverage is not None else Decimal(1),
        )  # fmt: skip
    return BotBook(
        mark=mark,
        position_qty=position.qty,
        avg_price=position.avg_price,
        open_orders=count,
        resting_buy_qty=buy_qty,
        resting_buy_value=buy_value,
    )
