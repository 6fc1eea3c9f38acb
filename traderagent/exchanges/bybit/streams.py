"""What the client does with stream messages: the private account topics and the public
market-data topics multiplexed over one connection per category."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any

from traderagent.domain import Balance, Fill, FundingFee, Order, Position, Side
from traderagent.exchanges.bybit.endpoints import BybitEndpoints
from traderagent.exchanges.bybit.parse import (
    parse_fill,
    parse_funding,
    parse_liquidation,
    parse_order,
    parse_position,
    parse_wallet,
)
from traderagent.exchanges.bybit.sequencer import UpdateSequencer

log = logging.getLogger("traderagent.exchanges.bybit")

PRIVATE_TOPICS = ["order", "execution", "position", "wallet"]
FeeAsset = Callable[[str, Side], str]  # (symbol, side) -> the asset a fee is charged in
GAP_MARGIN_MS = 60_000  # look this far behind the last event when filling a gap


class PrivateFeed:
    """Turns `order`/`execution` messages into engine updates (through the sequencer) and
    keeps the latest `position` and `wallet` pushes; after a reconnect, fills the gap over
    REST with the same deduplication, so nothing reaches the engine twice."""

    def __init__(
        self, endpoints: BybitEndpoints, sequencer: UpdateSequencer, fee_asset: FeeAsset
    ) -> None:
        self.endpoints = endpoints
        self.sequencer = sequencer
        self.fee_asset = fee_asset
        self.positions: dict[str, Position] = {}
        self.liquidation: dict[str, Decimal | None] = {}  # liqPrice of each position pushed
        self.wallet: dict[str, Balance] = {}
        self.gap_fills = 0
        self.unbooked: Counter[str] = Counter()  # executions that are not trades, by execType
        self.funding: list[FundingFee] = []  # funding settlements heard of, each once
        self._others: set[str] = set()  # execIds of the non-trade executions heard of
        self.on_funding: Callable[[FundingFee], None] | None = None
        self.deliver: Callable[[], Awaitable[None]] | None = None
        """Awaited once a frame's orders and fills are handed to the sequencer's listener:
        an idle engine routes them before the next frame is read (`ports.DeliversInline`)."""

    async def on_message(self, message: Mapping[str, Any]) -> None:
        topic = str(message["topic"]).split(".")[0]
        data = message.get("data") or []
        if topic == "order":
            delivered = False
            for item in data:
                delivered |= self.sequencer.order(self.order(item))
            if delivered and self.deliver is not None:
                await self.deliver()
        elif topic == "execution":
            delivered = False
            for item in data:
                if item.get("execType", "Trade") == "Trade":
                    delivered |= self.sequencer.fill(self.fill(item))
                else:
                    self.other_execution(item)
            if delivered and self.deliver is not None:
                await self.deliver()
        elif topic == "position":
            for item in data:
                self.positions[str(item["symbol"])] = parse_position(item)
                self.liquidation[str(item["symbol"])] = parse_liquidation(item)
        elif topic == "wallet":
            self.wallet.update(parse_wallet({"list": data}))

    async def on_connected(self, reconnected: bool) -> None:
        if reconnected:
            await self.fill_gap()

    async def fill_gap(self) -> int:
        """Fetch open and recently closed orders and recent executions of the orders this
        session knows, and deliver what the stream missed in time order; the count delivered."""
        seq = self.sequencer
        since = seq.last_event_ms - GAP_MARGIN_MS if seq.last_event_ms else None
        order_items = await self.endpoints.realtime_orders()
        order_items += await self.endpoints.realtime_orders(closed=True)
        exec_items = await self.endpoints.executions(start_ms=since)
        events: list[tuple[int, int, Order | Fill]] = []
        for item in exec_items:
            if item.get("execType", "Trade") != "Trade":
                self.other_execution(item)  # a funding the stream missed is heard of too
            elif seq.known(str(item["orderLinkId"])):
                fill = self.fill(item)
                events.append((fill.ts, 0, fill))
        for item in order_items:
            if seq.known(str(item.get("orderLinkId"))):
                order = self.order(item)
                events.append((order.updated_ms, 1, order))
        events.sort(key=lambda e: (e[0], e[1]))
        delivered = 0
        for _, _, update in events:
            sent = seq.fill(update) if isinstance(update, Fill) else seq.order(update)
            delivered += sent
        self.gap_fills += 1
        log.info("bybit: reconnect gap filled, %d update(s) the stream had missed", delivered)
        return delivered

    def other_execution(self, item: Mapping[str, Any]) -> bool:
        """A non-trade execution, heard once per execId whichever path brings it (stream,
        gap-fill, catch-up): a funding settlement is kept in `funding` and handed to
        `on_funding` (the engine books it); ADL, delivery... are not booked to a bot yet, so
        they are said and counted in `unbooked`. True if it was new."""
        exec_id = str(item.get("execId"))
        if exec_id in self._others:
            return False
        self._others.add(exec_id)
        kind = str(item.get("execType"))
        funding = kind == "Funding"
        if not funding:
            self.unbooked[kind] += 1
        log.log(
            logging.INFO if funding else logging.WARNING,
            "bybit: %s execution %s on %s (qty %s, fee %s %s) %s",
            kind,
            item.get("execId"),
            item.get("symbol"),
            item.get("execQty"),
            item.get("execFee"),
            item.get("feeCurrency") or "",
            "to book" if funding else "is not booked to any bot",
        )
        if funding:
            coin = str(item.get("feeCurrency") or "")
            coin = coin or self.fee_asset(str(item["symbol"]), Side(item["side"]))
            fee = parse_funding(item, coin)
            self.funding.append(fee)
            if self.on_funding is not None:
                self.on_funding(fee)
        return True

    def order(self, item: Mapping[str, Any]) -> Order:
        bot, tag = self.sequencer.tags(str(item.get("orderLinkId")))
        return parse_order(item, bot, tag)

    def fill(self, item: Mapping[str, Any]) -> Fill:
        bot, tag = self.sequencer.tags(str(item.get("orderLinkId")))
        fee_asset = self.fee_asset(str(item["symbol"]), Side(item["side"]))
        return parse_fill(item, fee_asset, bot, tag)


Handler = Callable[[Mapping[str, Any]], None]


class TopicRouter:
    """Public messages to the handlers watching their topic; reconnects to those that care."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = {}
        self._reconnect: list[Callable[[], None]] = []

    def add(self, topic: str, handler: Handler, on_reconnect: Callable[[], None] | None) -> bool:
        """Watch `topic`; True if it is new (the caller subscribes to it)."""
        handlers = self._handlers.setdefault(topic, [])
        handlers.append(handler)
        if on_reconnect is not None:
            self._reconnect.append(on_reconnect)
        return len(handlers) == 1

    def remove(self, topic: str, handler: Handler, on_reconnect: Callable[[], None] | None) -> bool:
        """Stop watching; True if nobody watches `topic` any more (the caller unsubscribes)."""
        handlers = self._handlers.get(topic, [])
        if handler in handlers:
            handlers.remove(handler)
        if on_reconnect in self._reconnect:
            self._reconnect.remove(on_reconnect)
        if handlers:
            return False
        self._handlers.pop(topic, None)
        return True

    async def on_message(self, message: Mapping[str, Any]) -> None:
        for handler in list(self._handlers.get(str(message["topic"]), [])):
            handler(message)

    async def on_connected(self, reconnected: bool) -> None:
        if reconnected:
            for notify in list(self._reconnect):
                notify()
