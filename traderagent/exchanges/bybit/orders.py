"""Order entry that never doubles an order: the client order id is the `orderLinkId`.

A create whose answer was lost (timeout, dropped connection, 5xx) may or may not have placed
the order, so the exchange is asked (`/v5/order/realtime`, then history) before anything is
resent, and a resend carries the same `orderLinkId`. A duplicate-id refusal (110072/170141)
means "already placed": the order is looked up and adopted, never re-sent under a new id.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from traderagent.domain import OrderRequest, OrderType, Side
from traderagent.exchanges.bybit.endpoints import BybitEndpoints, Item
from traderagent.exchanges.bybit.errors import (
    BybitError,
    DuplicateOrderError,
    InvalidRequestError,
    NetworkError,
    OrderClosedError,
    OrderNotFoundError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
    TimestampError,
)
from traderagent.exchanges.ports import OrderFateUnknown

log = logging.getLogger("traderagent.exchanges.bybit")

LINK_ID = re.compile(r"^[A-Za-z0-9_-]{1,36}$")
UNCERTAIN = (RequestTimeoutError, NetworkError, ServerError)
OPEN_STATUSES = ("New", "PartiallyFilled", "Untriggered", "Created", "Triggered")
STOP_FILTER = "StopOrder"
"""Spot's `orderFilter` of a conditional order: needed to place and to cancel one."""


def unprocessed(exc: BaseException) -> bool:
    """Creates are resent blindly only when the server refused them before processing."""
    return isinstance(exc, TimestampError | RateLimitError)


def order_body(request: OrderRequest, category: str) -> dict[str, Any]:
    """The `/v5/order/create` body (without `category`). Quantities are base-coin, also for a
    spot market buy (`marketUnit`), so `qty` means the same thing on every venue."""
    if not LINK_ID.match(request.client_order_id):
        raise InvalidRequestError(
            f"client order id {request.client_order_id!r} cannot be a Bybit orderLinkId "
            "(1-36 characters of A-Z, a-z, 0-9, _ and -)"
        )
    body: dict[str, Any] = {
        "symbol": request.symbol,
        "side": request.side.value,
        "orderType": request.type.value,
        "qty": format(request.qty, "f"),
        "orderLinkId": request.client_order_id,
    }
    if request.reduce_only and category != "spot":
        body["reduceOnly"] = True
    if request.type is OrderType.LIMIT:
        if request.price is None:
            raise InvalidRequestError("a limit order needs a price")
        body["price"] = format(request.price, "f")
        body["timeInForce"] = "GTC"
        return body
    if category == "spot":
        body["marketUnit"] = "baseCoin"
    if request.type.is_stop:  # a conditional market order: a sell on a fall, a buy on a rise
        if request.price is None:
            raise InvalidRequestError("a stop order needs a trigger price")
        body["orderType"] = OrderType.MARKET.value
        body["triggerPrice"] = format(request.price, "f")
        body["triggerBy"] = "LastPrice"
        if category == "spot":
            body["orderFilter"] = STOP_FILTER
        else:
            body["triggerDirection"] = 2 if request.side is Side.SELL else 1
    return body


class OrderEntry:
    """Idempotent create and order look-ups by client order id."""

    def __init__(self, endpoints: BybitEndpoints, max_attempts: int = 3) -> None:
        self.endpoints = endpoints
        self.max_attempts = max_attempts

    async def create(self, request: OrderRequest) -> Item:
        """The create ack `{orderId, orderLinkId}`, or the full order object if the order had
        to be found on the exchange after an uncertain or duplicate answer.

        OrderFateUnknown when a create may have reached the exchange and the look-up that
        should settle it went unanswered too (or the attempts ran out): the order is then
        neither placed nor refused as far as anyone can tell, and must be asked for later by
        its orderLinkId. Never a refusal error for an order that may be live."""
        body = order_body(request, self.endpoints.category)
        cid = request.client_order_id
        last: BybitError | None = None
        maybe_placed = False
        for _ in range(self.max_attempts):
            try:
                return await self.endpoints.create_order(body, policy=unprocessed)
            except DuplicateOrderError as err:
                log.info("bybit: %s already placed (%s); adopting the exchange's order", cid, err)
                last, maybe_placed = err, True
            except UNCERTAIN as err:
                log.warning("bybit: create %s got no clear answer (%s); looking it up", cid, err)
                last, maybe_placed = err, True
            except BybitError:
                if maybe_placed:  # an earlier attempt may have placed it: not a refusal
                    raise OrderFateUnknown(cid, "a create went unanswered") from None
                raise
            try:
                found = await self.find(request.symbol, cid)
            except BybitError as err:
                log.warning("bybit: look-up of %s after a lost answer failed (%s)", cid, err)
                raise OrderFateUnknown(cid, f"its look-up failed: {err}") from err
            if found is not None:
                return found
        assert last is not None  # noqa: S101 (the loop ran and only left through an error)
        raise OrderFateUnknown(cid, f"no clear answer after {self.max_attempts} attempts: {last}")

    async def cancel(self, symbol: str, client_order_id: str) -> Item | None:
        """Cancel by link id; the order as the exchange then has it (None if it never had
        it). An unanswered cancel is checked before it is sent again."""
        order_filter = ""
        for _ in range(self.max_attempts):
            try:
                await self.endpoints.cancel_order(
                    symbol, client_order_id, policy=unprocessed, order_filter=order_filter
                )
            except (OrderNotFoundError, OrderClosedError):
                item = await self.find(symbol, client_order_id)
                if (  # spot finds a conditional order only under its filter: cancel it so
                    not order_filter
                    and self.endpoints.category == "spot"
                    and item is not None
                    and item.get("orderStatus") == "Untriggered"
                ):
                    order_filter = STOP_FILTER
                    continue
                return item
            except UNCERTAIN as err:
                log.warning("bybit: cancel %s got no clear answer (%s)", client_order_id, err)
                item = await self.find(symbol, client_order_id)
                if item is not None and item.get("orderStatus") in OPEN_STATUSES:
                    continue  # the cancel did not arrive (or is not done): send it again
                return item
            return await self.find(symbol, client_order_id)
        return await self.find(symbol, client_order_id)

    async def find(self, symbol: str, client_order_id: str) -> Item | None:
        """The exchange's order with this link id: open or recent first, then history."""
        for lookup in (self.endpoints.realtime_orders, self.endpoints.order_history):
            items = await lookup(symbol, client_order_id)
            for item in items:
                if item.get("orderLinkId") == client_order_id:
                    return item
        return None
