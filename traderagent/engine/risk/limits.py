"""The trade, pair and gross-exposure limits on one intent: pass, cut or refuse, with why.

Every limit is a room (in base or quote) and a unit value per base unit; an intent fits when
qty x unit <= room. A cut takes the tightest room, floors it to the lot step and checks it
exactly again, so a resized intent never crosses a limit by a rounding step.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal

from traderagent.config.risk import PairRiskConfig, RiskConfig
from traderagent.domain import ZERO, Instrument, OrderType, PlaceOrder, Side
from traderagent.engine.risk.exposure import AccountView, BotBook, adds_exposure

ONE = Decimal(1)
HUNDRED = Decimal(100)
NO_PAIR_LIMITS = PairRiskConfig()


@dataclass(frozen=True, slots=True)
class Verdict:
    """The gate's answer for one intent."""

    intent: PlaceOrder | None
    """The intent as it may be placed (maybe smaller), or None when it is refused."""
    reason: str = ""
    """Why it was cut or refused, with the figures; '' when it passed untouched."""
    limit: str = ""
    """The config field of the limit that bound it."""

    @property
    def refused(self) -> bool:
        return self.intent is None

    @property
    def resized(self) -> bool:
        return self.intent is not None and bool(self.reason)


@dataclass(frozen=True, slots=True)
class Room:
    """What one limit leaves for the intent: qty x unit may not exceed `room`."""

    limit: str
    room: Decimal
    unit: Decimal
    reason: str

    def fits(self, qty: Decimal) -> bool:
        return qty * self.unit <= self.room

    def most(self) -> Decimal:
        return self.room / self.unit if self.room > 0 else ZERO


def review(
    intent: PlaceOrder,
    book: BotBook,
    account: AccountView,
    instrument: Instrument,
    pair: PairRiskConfig | None = None,
    portfolio: RiskConfig | None = None,
) -> Verdict:
    """Pass, cut or refuse `intent` for a bot with `book` on an account seen as `account`."""
    if not adds_exposure(intent):
        return Verdict(intent)
    pair = pair or NO_PAIR_LIMITS
    cap = pair.max_open_orders
    if cap is not None and book.open_orders >= cap:
        return Verdict(
            None, f"{book.open_orders} open orders reach max_open_orders {cap}", "max_open_orders"
        )
    # a limit order at the price it is placed at (a buy's rounds down to the tick, a sell's
    # up): a limit checked at the unrounded price could be crossed by the rounding
    price = book.mark
    if intent.type is OrderType.LIMIT and intent.price:
        price = instrument.round_price(intent.price, intent.side)
    if price <= 0:
        return Verdict(None, "no market price yet to check the risk limits against", "price")
    rooms = list(_rooms(intent, price, book, account, instrument, pair, portfolio))
    if all(room.fits(intent.qty) for room in rooms):
        return Verdict(intent)
    tightest = min(rooms, key=Room.most)
    qty = instrument.floor_qty(min(tightest.most(), intent.qty))
    while qty > 0 and not all(room.fits(qty) for room in rooms):
        qty -= instrument.lot_size  # a quotient rounded up in its last digit
    if instrument.check_order(instrument.round_price(price, intent.side), qty) is not None:
        return Verdict(None, tightest.reason, tightest.limit)
    return Verdict(
        replace(intent, qty=qty),
        f"resized {intent.qty} -> {qty}: {tightest.reason}",
        tightest.limit,
    )


def _rooms(
    intent: PlaceOrder,
    price: Decimal,
    book: BotBook,
    account: AccountView,
    instrument: Instrument,
    pair: PairRiskConfig,
    portfolio: RiskConfig | None,
) -> Iterator[Room]:
    base, quote = instrument.base, instrument.quote
    if pair.max_order_notional is not None:
        limit = pair.max_order_notional
        yield Room(
            "max_order_notional",
            limit,
            price,
            f"order notional {intent.qty * price:.2f} {quote} exceeds max_order_notional"
            f" {limit} {quote}",
        )
    if intent.side is not Side.BUY and not book.signed:
        return
    value = max(price, book.mark)  # what the order will be worth once it fills
    added = intent.qty * value
    if pair.max_position_qty is not None:
        limit = pair.max_position_qty
        if not book.signed:
            held = book.position_qty + book.resting_buy_qty
            what = f"position {book.position_qty} + resting buys {book.resting_buy_qty}"
        elif intent.side is Side.BUY:
            held = max(book.position_qty, ZERO) + book.resting_buy_qty
            what = f"long {max(book.position_qty, ZERO)} + resting buys {book.resting_buy_qty}"
        else:
            held = max(-book.position_qty, ZERO) + book.resting_sell_qty
            what = f"short {max(-book.position_qty, ZERO)} + resting sells {book.resting_sell_qty}"
        yield Room(
            "max_position_qty",
            limit - held,
            ONE,
            f"{what} + {intent.qty} {base} would exceed max_position_qty {limit} {base}",
        )
    if pair.max_position_notional is not None:
        limit = pair.max_position_notional
        yield Room(
            "max_position_notional",
            limit - book.exposure,
            value,
            f"position value {book.exposure:.2f} + {added:.2f} {quote} would exceed"
            f" max_position_notional {limit} {quote}",
        )
    if pair.max_position_margin is not None:
        limit = pair.max_position_margin
        yield Room(
            "max_position_margin",
            limit - book.margin,
            value / book.leverage,
            f"margin {book.margin:.2f} + {added / book.leverage:.2f} {quote} at"
            f" {book.leverage}x would exceed max_position_margin {limit} {quote}",
        )
    if portfolio is None:
        return
    yield from _account_rooms(value, added, book, account, quote, portfolio)


def _account_rooms(
    value: Decimal,
    added: Decimal,
    book: BotBook,
    account: AccountView,
    quote: str,
    portfolio: RiskConfig,
) -> Iterator[Room]:
    if portfolio.max_gross_notional is not None:
        limit = portfolio.max_gross_notional
        yield Room(
            "max_gross_notional",
            limit - account.gross_exposure,
            value,
            f"gross notional {account.gross_exposure:.2f} + {added:.2f} {quote} would exceed"
            f" max_gross_notional {limit} {quote}",
        )
    if portfolio.max_margin_pct is not None:
        share = portfolio.max_margin_pct
        yield Room(
            "max_margin_pct",
            account.equity * share / HUNDRED - account.gross_margin,
            value / book.leverage,
            f"account margin {account.gross_margin:.2f} + {added / book.leverage:.2f} {quote}"
            f" would exceed max_margin_pct {share}% of equity {account.equity:.2f} {quote}",
        )
    pct = portfolio.max_gross_exposure_pct
    if pct is not None:
        ceiling = account.equity * pct / HUNDRED
        yield Room(
            "max_gross_exposure_pct",
            ceiling - account.gross_exposure,
            value,
            f"gross exposure {account.gross_exposure:.2f} + {added:.2f} {quote} would exceed"
            f" max_gross_exposure_pct {pct}% of equity {account.equity:.2f} {quote}",
        )
