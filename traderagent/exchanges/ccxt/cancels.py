"""Cancelling on any exchange: find the order by its client order id, cancel it if it is
open, and report it as the exchange then lists it (a cancel whose answer is lost, or that
races a fill, is settled by the look-up, not by the cancel's answer)."""

from __future__ import annotations

import logging

from traderagent.domain import Order
from traderagent.exchanges.ccxt.session import CcxtSession
from traderagent.exchanges.ccxt.tracker import OrderTracker
from traderagent.exchanges.ports import ExchangeError

log = logging.getLogger("traderagent.exchanges.ccxt")


async def cancel_one(
    session: CcxtSession, tracker: OrderTracker, symbol: str, client_order_id: str
) -> Order | None:
    """The order as the exchange has it after the cancel (also when it was already
    closed); None if the exchange never had it."""
    client, errors, lists = session.client, session.errors, session.lists
    market, wire = session.market_id(symbol), session.caps.wire_id(client_order_id)
    found = await lists.find(market, wire)
    if found is None:
        return None
    if str(found.get("status")) == "open":
        try:
            await client.cancel_order(found["id"], market)
        except (errors.OrderNotFound, errors.NetworkError) as err:
            log.info("%s: cancel %s: %s; looking it up", session.name, client_order_id, err)
        except errors.BaseError as err:
            raise ExchangeError(f"cancel {client_order_id}: {err}") from None
        found = await lists.find(market, wire) or found
    order = tracker.order(found, symbol)
    tracker.deliver(order)
    return order


async def cancel_every(session: CcxtSession, tracker: OrderTracker, symbol: str) -> list[Order]:
    """Cancel every open order of `symbol`; the cancelled orders, oldest first."""
    client, lists = session.client, session.lists
    market = session.market_id(symbol)
    opened = await lists.open(market)
    if not opened:
        return []
    try:
        if client.has.get("cancelAllOrders"):
            await client.cancel_all_orders(market)
        else:
            for item in opened:
                await client.cancel_order(item["id"], market)
    except session.errors.BaseError as err:
        log.warning("%s: cancel all %s: %s; looking the orders up", session.name, symbol, err)
    ids = {str(item["id"]) for item in opened}
    finished = [i for i in await lists.finished(market) if str(i.get("id")) in ids]
    orders = sorted(
        (tracker.order(item, symbol) for item in finished),
        key=lambda o: (o.created_ms, o.exchange_order_id),
    )
    for order in orders:
        tracker.deliver(order)
    return orders
