"""Sending one create, idempotently: checked first, sent with its client order id, and
looked up before anything is resent.

An order off the tick or lot is refused here (ccxt would round it). A create whose answer is
lost is looked up by its client order id; only where the exchange refuses a second open
order with the same id is it resent, else its fate is unknown (`OrderFateUnknown`) for the
reconcile to settle. A refusal is looked up too: a duplicate id is the order already placed.
"""

from __future__ import annotations

import logging
from typing import Any

from traderagent.domain import Instrument, OrderRequest, OrderType, Side
from traderagent.exchanges.ccxt.parse import Item
from traderagent.exchanges.ccxt.session import CcxtSession
from traderagent.exchanges.ports import OrderFateUnknown

log = logging.getLogger("traderagent.exchanges.ccxt")

CREATE_ATTEMPTS = 3
"""Sends of one create at most (a resend carries the same client order id)."""


def problem(session: CcxtSession, request: OrderRequest, inst: Instrument) -> str | None:
    """Why the exchange would refuse this order (checked here: ccxt would round it)."""
    if request.type is OrderType.STOP_MARKET and not session.caps.stop_orders:
        return f"{session.config.exchange} takes no stop orders through ccxt"
    if request.price is not None:
        return inst.check_order(request.price, request.qty)
    if request.qty % inst.lot_size or request.qty < inst.min_qty:
        return f"quantity {request.qty} is off the lot {inst.lot_size} or below {inst.min_qty}"
    return None


def order_feature(session: CcxtSession, name: str) -> bool:
    """Whether ccxt's `features` table says `createOrder` takes `name` on this market type."""
    features = getattr(session.client, "features", None) or {}
    line = features.get(session.config.market) or {}
    if session.config.market == "swap":
        line = line.get("linear") or {}
    return bool((line.get("createOrder") or {}).get(name))


def create_params(session: CcxtSession, request: OrderRequest, wire: str) -> dict[str, Any]:
    """The exchange parameters of the create: the table's, the client order id, a trigger."""
    params: dict[str, Any] = dict(session.caps.create_params)
    if session.caps.client_order_ids:
        params["clientOrderId"] = wire
    if request.type is OrderType.STOP_MARKET:  # a sell on a fall, a buy on a rise
        params["triggerPrice"] = float(request.price or 0)
        if order_feature(session, "triggerDirection"):
            falls = request.side is Side.SELL
            params["triggerDirection"] = "descending" if falls else "ascending"
    return params


async def create(session: CcxtSession, request: OrderRequest, wire: str) -> Item | str:
    """The create's answer, the exchange's order found after a lost answer or a refusal,
    or the refusal's reason (a str). Never a refusal for an order that may be live."""
    client, errors = session.client, session.errors
    market = session.market_id(request.symbol)
    kind = "limit" if request.type is OrderType.LIMIT else "market"
    params = create_params(session, request, wire)
    price = float(request.price) if request.price is not None and kind == "limit" else None
    side = "buy" if request.side is Side.BUY else "sell"
    lost = False
    for _ in range(CREATE_ATTEMPTS):
        try:
            return dict(
                await client.create_order(market, kind, side, float(request.qty), price, params)
            )
        except errors.NetworkError as err:
            log.warning("%s: create %s got no clear answer (%s)", session.name, wire, err)
            lost = True
        except errors.ExchangeError as err:  # a refusal, or a duplicate client id
            found = await look_up(session, request, wire)
            if found is not None:
                return found
            if lost:
                raise OrderFateUnknown(request.client_order_id, str(err)) from None
            return f"{session.config.exchange}: {err}"
        found = await look_up(session, request, wire)
        if found is not None:
            return found
        if not session.caps.client_order_ids:  # a resend could place it twice
            break
    raise OrderFateUnknown(request.client_order_id, "the create's answers were lost")


async def look_up(session: CcxtSession, request: OrderRequest, wire: str) -> Item | None:
    try:
        return await session.lists.find(session.market_id(request.symbol), wire)
    except session.errors.BaseError as err:
        raise OrderFateUnknown(request.client_order_id, f"its look-up failed: {err}") from None
