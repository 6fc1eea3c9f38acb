"""Settlement of one execution: balance changes, the Fill, and the order's new state.

Fees follow the venue's `FeeRules`: on spot a buy pays `qty * price` of quote and receives
`qty - fee` of base (the fee in the base coin), a sell gives `qty` of base and receives
`qty * price - fee` of quote. The order's lock is released in full first, so whatever the fill
did not use (a taker price below the limit) returns to free.
"""

from __future__ import annotations

from decimal import Decimal

from traderagent.domain import Fill, Instrument, Liquidity, Order, OrderStatus, Side
from traderagent.exchanges.paper.account import Account
from traderagent.exchanges.paper.book import RestingOrder
from traderagent.exchanges.paper.fees import FeeSchedule


def settle(
    account: Account,
    fees: FeeSchedule,
    inst: Instrument,
    resting: RestingOrder,
    execution: tuple[Decimal, Liquidity, int, str],
) -> tuple[Fill, Order]:
    """Fill all of `resting` at `execution` = (price, liquidity, ts, fill_id)."""
    price, liquidity, ts, fill_id = execution
    order = resting.order
    qty = order.qty
    notional = qty * price
    fee = fees.fee(order.side, qty, price, liquidity)
    in_base = fees.in_base(order.side)
    account.unlock(resting.lock_asset, resting.lock)
    if order.side is Side.BUY:
        if in_base:
            account.transfer(inst.quote, notional, inst.base, qty - fee)
        else:
            account.transfer(inst.quote, notional + fee, inst.base, qty)
    else:
        account.transfer(inst.base, qty, inst.quote, notional - fee)
    fill = Fill(
        fill_id,
        order.client_order_id,
        order.symbol,
        order.side,
        price,
        qty,
        fee,
        inst.base if in_base else inst.quote,
        liquidity,
        ts,
        order.bot,
        order.tag,
    )
    o = order  # built field by field: `replace` costs more than the rest of a settlement
    filled = Order(
        o.client_order_id,
        o.symbol,
        o.side,
        o.type,
        qty,
        o.price,
        OrderStatus.FILLED,
        o.created_ms,
        ts,
        qty,
        price,
        o.exchange_order_id,
        o.reject_reason,
        o.bot,
        o.tag,
    )
    return fill, filled
