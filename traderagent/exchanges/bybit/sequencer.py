"""Exactly-once delivery of order updates and fills to the engine's listener.

The same state can reach us more than once: the WS `order` topic may report one fill twice (a
cancel that lost the race), and after a reconnect the REST gap-fill returns what the stream may
already have delivered. Fills are deduplicated by `execId`; an order update is delivered only
if it moves the order forward (more filled, or a later status) and never after a final state.
The first `New` of an order we are placing is its acknowledgement, not an update.
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal

from traderagent.domain import Fill, Order, OrderStatus
from traderagent.exchanges.ports import ExchangeUpdate, UpdateListener

_RANK = {OrderStatus.NEW: 0, OrderStatus.PARTIALLY_FILLED: 1}
REMEMBERED_FILLS = 50_000
REMEMBERED_ORDERS = 50_000  # the least recently updated are forgotten first


def _progress(order: Order) -> tuple[Decimal, int]:
    return order.filled_qty, _RANK.get(order.status, 2)


class UpdateSequencer:
    """Filters updates in arrival (venue) order and hands the new ones to the listener."""

    def __init__(self) -> None:
        self._listener: UpdateListener | None = None
        self._tags: dict[str, tuple[str, str]] = {}  # client order id -> (bot, tag)
        self._pending: set[str] = set()
        self._last: dict[str, Order] = {}
        self._fills: set[str] = set()
        self._fill_order: deque[str] = deque()
        self.last_event_ms = 0  # the venue's time of the newest update seen

    def set_listener(self, listener: UpdateListener) -> None:
        self._listener = listener

    def expect(self, client_order_id: str, bot: str, tag: str) -> None:
        """An order is about to be sent: remember its bot/tag; its first `New` is the ack."""
        self._tags[client_order_id] = (bot, tag)
        self._pending.add(client_order_id)

    def acknowledged(self, order: Order) -> None:
        """The create call returned `order`: it is the caller's, not the listener's, to see.
        An ack is stamped by the client's clock, so it does not move `last_event_ms`."""
        self._pending.discard(order.client_order_id)
        self._remember(order, venue_time=False)

    def watch(self, client_order_id: str) -> None:
        """An order this session learnt of by a REST read (one resting from before a restart,
        adopted; one looked up): a reconnect's gap-fill catches up on it like on the orders
        placed in this session (it filled or was cancelled while the stream was down)."""
        self._tags.setdefault(client_order_id, ("", ""))

    def known(self, client_order_id: str) -> bool:
        return client_order_id in self._tags or client_order_id in self._last

    def tags(self, client_order_id: str) -> tuple[str, str]:
        return self._tags.get(client_order_id, ("", ""))

    def last(self, client_order_id: str) -> Order | None:
        return self._last.get(client_order_id)

    def order(self, order: Order) -> bool:
        """Deliver `order` if it is news; True if it was delivered."""
        cid = order.client_order_id
        if cid in self._pending and order.status is OrderStatus.NEW and not order.filled_qty:
            self._remember(order)
            return False
        if not self._remember(order):
            return False
        self._emit(order)
        return True

    def fill(self, fill: Fill) -> bool:
        """Deliver `fill` unless its execId was delivered before; True if it was delivered."""
        if fill.fill_id in self._fills:
            return False
        self._fills.add(fill.fill_id)
        self._fill_order.append(fill.fill_id)
        if len(self._fill_order) > REMEMBERED_FILLS:
            self._fills.discard(self._fill_order.popleft())
        self.last_event_ms = max(self.last_event_ms, fill.ts)
        self._emit(fill)
        return True

    def _remember(self, order: Order, venue_time: bool = True) -> bool:
        last = self._last.get(order.client_order_id)
        if last is not None and (not last.is_open or _progress(order) <= _progress(last)):
            return False
        self._last.pop(order.client_order_id, None)  # re-insert: oldest = least recently seen
        self._last[order.client_order_id] = order
        if len(self._last) > REMEMBERED_ORDERS:
            oldest = next(iter(self._last))
            del self._last[oldest]
            self._tags.pop(oldest, None)
        if venue_time:
            self.last_event_ms = max(self.last_event_ms, order.updated_ms)
        return True

    def _emit(self, update: ExchangeUpdate) -> None:
        if self._listener is not None:
            self._listener(update)
