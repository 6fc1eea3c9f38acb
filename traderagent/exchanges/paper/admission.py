"""Order admission: the checks a strict venue makes before it accepts an order, and the lock.

Prices and quantities must already be on the instrument's tick and lot (the engine quantises
before sending; a real venue rejects rather than rounds). A limit order never fills on arrival:
it rests and fills from the next candle on at its limit price, so a reaction to a fill inside
a candle can never round-trip in that same candle (PERFORMANCE.md); one that was already through
the last price when it arrived (`marketable`: a buy strictly above it, a sell strictly below)
pays the taker fee. A limit exactly at the last price is not marketable: it rests as a maker,
as a touch is not a fill. A buy locks `qty * price * (1 + lock_rate)` of the quote asset
(`FeeRules.lock_rate`: 0 on spot, whose buys pay their fee in the base they receive), a sell
locks `qty` of the base asset. A stop locks nothing until it triggers (as Bybit's spot stop
orders); its trigger must lie beyond the last price (a sell stop below it, a buy stop above),
else it would trigger at once and is refused: send a market order.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from traderagent.domain import Instrument, OrderRequest, OrderType, Side
from traderagent.domain.values import quick_init
from traderagent.exchanges.paper.account import Account


@quick_init
@dataclass(frozen=True, slots=True)
class Admission:
    """An accepted order: its price, the funds locked for it, and whether it fills at once."""

    price: Decimal  # the limit price, or the last price for a market order
    taker_price: Decimal | None  # set for a market order, which fills on arrival
    lock_asset: str
    lock: Decimal
    marketable: bool = False  # a limit already through the last price: it pays the taker fee


def market_price(inst: Instrument, last: float) -> Decimal:
    """A float market price as an exact Decimal on the instrument's tick."""
    return inst.market_price(last)


def marketable(side: Side, price: Decimal, last: Decimal | None) -> bool:
    """Whether a limit at `price` is through the last price (on the tick) on arrival: a buy
    strictly above it, a sell strictly below. At the last price it is not: it rests as maker."""
    if last is None:
        return False
    return price > last if side is Side.BUY else price < last


def admit(
    request: OrderRequest,
    inst: Instrument,
    last: float | None,
    account: Account,
    lock_rate: Decimal,
) -> Admission | str:
    """Accept `request` and lock its funds, or return the reason it is rejected (no change)."""
    buy = request.side is Side.BUY
    taker_price: Decimal | None = None
    through = False
    if request.type is OrderType.MARKET:
        if last is None:
            return (
                f"no market price for {request.symbol} yet: a market order needs at least one "
                "candle; send a limit order instead"
            )
        price = taker_price = market_price(inst, last)
    elif request.price is None:
        return (
            "a limit order needs a price"
            if not request.type.is_stop
            else "a stop order needs a trigger price"
        )
    elif request.type.is_stop:
        return _admit_stop(request, request.price, inst, last)
    else:
        price = request.price
        through = last is not None and marketable(request.side, price, market_price(inst, last))
    reason = inst.check_order(price, request.qty)
    if reason is not None:
        return reason
    if buy:
        asset, lock = inst.quote, request.qty * price * (1 + lock_rate)
    else:
        asset, lock = inst.base, request.qty
    if not account.lock(asset, lock):
        fee_note = " (including the fee)" if buy and lock_rate else ""
        return (
            f"insufficient {asset} balance: the order needs {lock}{fee_note} "
            f"but only {account.free(asset)} is free"
        )
    return Admission(price, taker_price, asset, lock, through)


def _admit_stop(
    request: OrderRequest, trigger: Decimal, inst: Instrument, last: float | None
) -> Admission | str:
    reason = inst.check_order(trigger, request.qty)
    if reason is not None:
        return reason
    buy = request.side is Side.BUY
    at = None if last is None else market_price(inst, last)
    if at is not None and (trigger <= at if buy else trigger >= at):
        where = "at or below" if buy else "at or above"
        return (
            f"a {request.side.value.lower()} stop at {trigger} is {where} the last price "
            f"{at}: it would trigger at once; send a market order instead"
        )
    return Admission(trigger, None, inst.quote if buy else inst.base, Decimal(0), True)
