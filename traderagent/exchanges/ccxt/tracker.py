"""Which of the exchange's orders are ours, and what the listener has heard of them.

The exchange names an order by its id and the client order id it was sent with (the wire
id, maybe a digest of ours: `Capabilities.wire_id`); a trade names only the exchange's id.
The tracker maps both back to our client order id, tags each update with its bot, and hands
it to the sequencer, which delivers each change once, in venue order.
"""

from __future__ import annotations

from dataclasses import replace

from traderagent.domain import Fill, Order, OrderRequest, OrderStatus, Side
from traderagent.exchanges.bybit.sequencer import UpdateSequencer
from traderagent.exchanges.ccxt.parse import Item, parse_fill, parse_order
from traderagent.exchanges.ccxt.session import CcxtSession


class OrderTracker:
    """Our orders on one venue: their ids, the open ones the poll watches, the listener."""

    def __init__(self, session: CcxtSession) -> None:
        self.session = session
        self.sequencer = UpdateSequencer()
        self.cids: dict[str, str] = {}
        """Wire id, or `id:` + the exchange's id -> our client order id."""
        self.open: dict[str, str] = {}
        """Client order id -> symbol: the open orders the poll watches."""
        self.changes = 0
        """Order changes and fills handed to the sequencer so far (the balances may differ)."""

    def sent(self, wire: str, client_order_id: str) -> None:
        self.cids[wire] = client_order_id

    def order(self, item: Item, symbol: str) -> Order:
        wire = str(item.get("clientOrderId") or item.get("id") or "")
        cid = self.cids.get(wire, wire)
        bot, tag = self.sequencer.tags(cid)
        return parse_order(item, symbol, cid, bot, tag)

    def fill(self, item: Item, symbol: str) -> Fill:
        cid = self.cids.get(f"id:{item.get('order')}", str(item.get("order") or ""))
        bot, tag = self.sequencer.tags(cid)
        side = Side.BUY if item.get("side") == "buy" else Side.SELL
        return parse_fill(item, symbol, cid, self.session.fee_asset(symbol, side), bot, tag)

    def known_order_ids(self) -> set[str]:
        """The exchange's ids of the orders already mapped to ours."""
        return {key[3:] for key in self.cids if key.startswith("id:")}

    def learn(self, item: Item, symbol: str) -> None:
        """Map the exchange's id of `item` to our client order id."""
        self.order(item, symbol)
        wire = str(item.get("clientOrderId") or item.get("id"))
        self.cids[f"id:{item['id']}"] = self.cids.get(wire, wire)

    def watch_open(self, order: Order) -> None:
        """An open order learnt by a query: the poll watches it from here on."""
        if order.is_open:
            if not self.sequencer.known(order.client_order_id):
                self.sequencer.acknowledged(order)
            self.open[order.client_order_id] = order.symbol
        self.cids[f"id:{order.exchange_order_id}"] = order.client_order_id

    def deliver(self, order: Order) -> None:
        self.changes += 1
        self.cids[f"id:{order.exchange_order_id}"] = order.client_order_id
        self.sequencer.order(order)
        if not order.is_open:
            self.open.pop(order.client_order_id, None)

    def filled(self, fill: Fill) -> None:
        self.changes += 1
        self.sequencer.fill(fill)

    def placed(self, order: Order) -> None:
        """An acknowledged create: the poll watches it until it finishes."""
        self.cids[f"id:{order.exchange_order_id}"] = order.client_order_id
        self.open[order.client_order_id] = order.symbol
        self.sequencer.acknowledged(order)

    def rejected(self, request: OrderRequest, reason: str) -> Order:
        order = Order.from_request(request, OrderStatus.REJECTED, self.session.now_ms(), reason)
        self.sequencer.acknowledged(order)
        return order

    def ack(self, request: OrderRequest, item: Item) -> Order:
        """The acknowledgement, always `New`: what the order does after (its fills, its
        final state) reaches the listener, in order, like every other order's."""
        created = int(item.get("timestamp") or self.session.now_ms())
        order = replace(
            Order.from_request(request, OrderStatus.NEW, created),
            exchange_order_id=str(item.get("id") or ""),
        )
        if item.get("status") in ("canceled", "rejected", "expired") and not item.get("filled"):
            return replace(order, status=OrderStatus.REJECTED, reject_reason="refused at once")
        return order

    def watched_on(self, symbol: str) -> set[str]:
        return {cid for cid, s in self.open.items() if s == symbol}
