"""What changed on the exchange reaches the listener once, in venue order: a REST poll of
the account's trades and open orders, every `poll_interval_s` and at once whenever one of
ccxt's private streams (`watch_orders`, `watch_my_trades`) pushes, where the exchange has
them (`Capabilities.private_streams`). The stream says when to look, REST says what is true.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from traderagent.domain import Order
from traderagent.exchanges.ccxt.parse import Item
from traderagent.exchanges.ccxt.session import CcxtSession
from traderagent.exchanges.ccxt.tracker import OrderTracker
from traderagent.exchanges.ports import ExchangeError

log = logging.getLogger("traderagent.exchanges.ccxt")

CLOSE_WAIT_S = 5.0
"""How long `stop()` waits for the poll and stream tasks to end."""
STREAMS = ("watch_orders", "watch_my_trades")


class UpdatePoller:
    """The poll of the symbols traded so far, and the private streams that wake it."""

    def __init__(self, session: CcxtSession, tracker: OrderTracker) -> None:
        self.session = session
        self.tracker = tracker
        self.seen: dict[str, set[str]] = {}
        """Symbol -> the ids of its trades already delivered (or history at the start)."""
        self.cursor: dict[str, int | None] = {}
        """Symbol -> the time of its newest trade seen."""
        self.lock = asyncio.Lock()
        self.wake = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []
        self._closing = False

    def closing(self) -> bool:
        """`stop()` has begun: the poll and the streams end."""
        return self._closing

    def start(self) -> None:
        """The poll, and the private streams where the exchange has them and they are on."""
        if self.tasks:
            return
        name = self.session.name
        self.tasks.append(asyncio.create_task(self.loop(), name=f"{name}-poll"))
        if self.session.config.streams and self.session.caps.private_streams:
            for method in STREAMS:
                self.tasks.append(asyncio.create_task(self.watch(method)))

    async def stop(self) -> None:
        """Stop the poll and the streams. The loops also see `closing` (a cancel that lands
        as the wake-up fires can be swallowed by `wait_for` on 3.11)."""
        self._closing = True
        self.wake.set()
        for task in self.tasks:
            task.cancel()
        if self.tasks:
            _, stuck = await asyncio.wait(self.tasks, timeout=CLOSE_WAIT_S)
            for task in stuck:
                log.warning(
                    "%s: %s did not stop within %s s", self.session.name, task, CLOSE_WAIT_S
                )
        self.tasks.clear()

    async def track(self, symbol: str) -> None:
        """Poll `symbol` from now on: the trades it already had are history (`fills_since`)."""
        if symbol in self.seen or not self.session.trading:
            return
        trades = await self.session.client.fetch_my_trades(self.session.market_id(symbol))
        self.seen[symbol] = {str(t["id"]) for t in trades}
        self.cursor[symbol] = max((int(t["timestamp"]) for t in trades), default=None)

    async def catch_up(self) -> None:
        """Poll now: every change the exchange lists reaches the listener before this returns."""
        async with self.lock:
            for symbol in list(self.seen):
                await self.poll(symbol)

    async def learn_orders(self, symbol: str, trades: list[Item]) -> None:
        """Map the exchange order ids of `trades` to client order ids (one history read)."""
        unknown = {str(t.get("order")) for t in trades} - self.tracker.known_order_ids()
        if not unknown:
            return
        market = self.session.market_id(symbol)
        lists = self.session.lists
        for item in [*await lists.open(market), *await lists.finished(market)]:
            if str(item.get("id")) in unknown:
                self.tracker.learn(item, symbol)

    async def poll(self, symbol: str) -> None:
        """Deliver what changed on `symbol` since the last poll: new trades, each followed by
        its order's update once its last fill is out; then orders that finished without one."""
        market = self.session.market_id(symbol)
        trades = await self.session.client.fetch_my_trades(market, since=self.cursor.get(symbol))
        seen = self.seen.setdefault(symbol, set())
        new = sorted(
            (t for t in trades if str(t["id"]) not in seen),
            key=lambda t: (int(t["timestamp"]), str(t["id"])),
        )
        await self.learn_orders(symbol, new)
        changed = await self._changed(symbol, market, bool(new))
        fills = [self.tracker.fill(t, symbol) for t in new]
        last_fill = {f.client_order_id: i for i, f in enumerate(fills)}
        for index, fill in enumerate(fills):
            seen.add(fill.fill_id)
            self.tracker.filled(fill)
            if last_fill[fill.client_order_id] == index and fill.client_order_id in changed:
                self.tracker.deliver(changed.pop(fill.client_order_id))
        for order in sorted(changed.values(), key=lambda o: (o.updated_ms, o.created_ms)):
            self.tracker.deliver(order)
        if new:
            self.cursor[symbol] = int(new[-1]["timestamp"])

    async def _changed(self, symbol: str, market: str, traded: bool) -> dict[str, Order]:
        """The watched orders as the exchange lists them now (open, or finished)."""
        watched = self.tracker.watched_on(symbol)
        changed: dict[str, Order] = {}
        if not watched and not traded:
            return changed
        lists = self.session.lists
        opened = {
            order.client_order_id: order
            for order in (self.tracker.order(item, symbol) for item in await lists.open(market))
        }
        gone = watched - set(opened)
        for item in await lists.finished(market) if gone or traded else []:
            order = self.tracker.order(item, symbol)
            if order.client_order_id in gone or order.client_order_id in watched:
                changed[order.client_order_id] = order
        for cid in watched & set(opened):
            changed[cid] = opened[cid]
        return changed

    async def loop(self) -> None:
        errors = self.session.errors
        while not self.closing():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), self.session.config.poll_interval_s)
            self.wake.clear()
            if self.closing():
                return
            try:
                await self.catch_up()
            except (errors.BaseError, ExchangeError) as err:
                log.warning("%s: polling orders and trades failed: %s", self.session.name, err)

    async def watch(self, method: str) -> None:
        """Wake the poll whenever the private stream `method` pushes (it says when, not what)."""
        delay = 1.0
        while not self.closing():
            try:
                await getattr(self.session.client, method)()
                delay = 1.0
                self.wake.set()
            except asyncio.CancelledError:
                raise
            except Exception as err:  # noqa: BLE001 - any stream failure: poll, retry later
                log.warning(
                    "%s: %s failed (%s); polling until it is back", self.session.name, method, err
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)
