"""BybitExchange: the `Exchange` port over Bybit V5 REST and WebSocket.

Requests return the exchange's acknowledgement; every later state change (fills, cancels,
whether asked for or by the venue) reaches the listener once, in venue order, from the
private stream, or from REST when the client learns it first (its own cancels, a reconnect's
gap-fill). Money is exact: quantities and prices are sent and parsed as Decimal strings.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

import httpx

from traderagent.domain import (
    Balance,
    Candle,
    Fill,
    Instrument,
    Order,
    OrderRequest,
    OrderStatus,
    Position,
    Side,
)
from traderagent.exchanges.bybit.config import BybitConfig
from traderagent.exchanges.bybit.credentials import ApiCredentials
from traderagent.exchanges.bybit.endpoints import BybitEndpoints, Item
from traderagent.exchanges.bybit.errors import BybitError, InvalidRequestError
from traderagent.exchanges.bybit.feed import MarketFeed
from traderagent.exchanges.bybit.orders import OrderEntry
from traderagent.exchanges.bybit.parse import default_fee_asset
from traderagent.exchanges.bybit.quotes import Ticker, TopOfBook
from traderagent.exchanges.bybit.rest import BybitRest
from traderagent.exchanges.bybit.sequencer import UpdateSequencer
from traderagent.exchanges.bybit.status import ClientStatus
from traderagent.exchanges.bybit.streams import PRIVATE_TOPICS, PrivateFeed, TopicRouter
from traderagent.exchanges.bybit.ws import Backoff, StreamConnection
from traderagent.exchanges.ports import Deliverer, ExchangeError, FundingListener, UpdateListener

if TYPE_CHECKING:
    from traderagent.exchanges.ports import DeliversInline, Exchange

WEEK_MS = 7 * 86_400_000
"""The widest time window `/v5/execution/list` answers for at once."""
EXECUTION_WEEKS = 13
"""How far back `fills_since` looks at most (a quarter, one request per week)."""


class BybitExchange:
    """One Bybit account and category. Call `connect()` before trading, `close()` after."""

    name: str = "bybit"

    def __init__(
        self,
        config: BybitConfig,
        credentials: ApiCredentials | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.category = config.category
        self.hosts = config.hosts
        self.rest = BybitRest(
            self.hosts.rest,
            credentials,
            recv_window_ms=config.recv_window_ms,
            timeout_s=config.timeout_s,
            max_attempts=config.max_attempts,
            transport=transport,
            clock=clock,
            sleep=sleep,
            ban_ms=int(config.ban_pause_s * 1000),
        )
        self.endpoints = BybitEndpoints(self.rest, self.category)
        self.entry = OrderEntry(self.endpoints)
        self.sequencer = UpdateSequencer()
        self.account = PrivateFeed(self.endpoints, self.sequencer, self._fee_asset)
        self.market = MarketFeed(self.endpoints, self._public_stream)
        self._credentials = credentials
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 (reconnect jitter, not crypto)
        self._private: StreamConnection | None = None
        self._instruments: dict[str, Instrument] = {}

    @property
    def status(self) -> ClientStatus:
        """The most severe current condition (rate limit, ban, stream lost...), for people."""
        return self.rest.status.current

    @property
    def status_line(self) -> str:
        current = self.status
        return "" if current.ok else f"bybit {current.component}: {current.message}"

    async def connect(self, timeout_s: float = 15.0) -> None:
        """Sync the clock, load the instruments and, with credentials, open the private
        stream (order, execution, position, wallet) and wait until it is subscribed."""
        await self.rest.sync_time()
        self._instruments.update(await self.endpoints.instruments())
        if self._credentials is None or self._private is not None:
            return
        self._private = self._stream(
            self.hosts.private_ws, "private", self.account.on_message, self.account.on_connected
        )
        await self._private.subscribe(list(PRIVATE_TOPICS))
        self._private.start()
        try:
            await asyncio.wait_for(self._private.connected.wait(), timeout_s)
        except TimeoutError:
            raise BybitError(
                f"the private stream did not connect within {timeout_s:.0f} s: "
                f"{self.status.message}"
            ) from None

    async def close(self) -> None:
        await self.market.close()
        if self._private is not None:
            await self._private.close()
            self._private = None
        await self.rest.close()

    # -- Exchange protocol ------------------------------------------------------------------

    def set_listener(self, listener: UpdateListener) -> None:
        self.sequencer.set_listener(listener)

    def set_deliverer(self, deliverer: Deliverer) -> None:
        """The private stream's reader awaits `deliverer` after each frame's orders and fills
        reach the listener (DeliversInline: an idle engine routes them before the next)."""
        self.account.deliver = deliverer

    async def instrument(self, symbol: str) -> Instrument:
        if symbol not in self._instruments:
            # Bybit refuses an unknown symbol as a bad parameter: the error below says it better
            with contextlib.suppress(InvalidRequestError):
                self._instruments.update(await self.endpoints.instruments(symbol))
        try:
            return self._instruments[symbol]
        except KeyError:
            raise ExchangeError(f"unknown symbol {symbol!r} on Bybit {self.category}") from None

    async def place_order(self, request: OrderRequest) -> Order:
        """The ack (`New`), or what the exchange has after an uncertain or duplicate answer.
        A refused order comes back `Rejected` with Bybit's reason."""
        await self.instrument(request.symbol)
        cid = request.client_order_id
        self.sequencer.expect(cid, request.bot, request.tag)
        try:
            item = await self.entry.create(request)
        except InvalidRequestError as err:
            rejected = Order.from_request(
                request, OrderStatus.REJECTED, self.rest.now_ms(), str(err)
            )
            self.sequencer.acknowledged(rejected)
            return rejected
        if "orderStatus" in item:
            order = self.account.order(item)
        else:
            now = self.rest.now_ms()
            order = replace(
                Order.from_request(request, OrderStatus.NEW, now),
                exchange_order_id=str(item.get("orderId", "")),
            )
        self.sequencer.acknowledged(order)
        return order

    async def cancel_order(self, symbol: str, client_order_id: str) -> Order | None:
        """The order as the exchange has it after the cancel (also when it was already
        closed); None if the exchange never had it."""
        await self.instrument(symbol)
        item = await self.entry.cancel(symbol, client_order_id)
        if item is None:
            return None
        order = self.account.order(item)
        self.sequencer.order(order)
        return order

    async def cancel_all(self, symbol: str) -> list[Order]:
        """Cancel every open order of `symbol`; the cancelled orders, oldest first."""
        await self.instrument(symbol)
        acks = await self.endpoints.cancel_all(symbol)
        recent = await self.endpoints.realtime_orders(symbol, closed=True)
        by_id = {str(item.get("orderLinkId")): item for item in recent}
        orders: list[Order] = []
        for ack in acks:
            cid = str(ack.get("orderLinkId"))
            item: Item | None = by_id.get(cid) or await self.entry.find(symbol, cid)
            if item is not None:
                orders.append(self.account.order(item))
        orders.sort(key=lambda o: (o.created_ms, o.exchange_order_id))
        for order in orders:
            self.sequencer.order(order)
        return orders

    async def get_order(self, symbol: str, client_order_id: str) -> Order | None:
        await self.instrument(symbol)
        item = await self.entry.find(symbol, client_order_id)
        if item is None:
            return None
        self.sequencer.watch(client_order_id)
        return self.account.order(item)

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        """The resting orders; each is watched from now on (a reconnect catches up on it)."""
        if symbol is not None:
            await self.instrument(symbol)
        items = await self.endpoints.realtime_orders(symbol)
        orders = [self.account.order(item) for item in items]
        for order in orders:
            self.sequencer.watch(order.client_order_id)
        return sorted(orders, key=lambda o: (o.created_ms, o.exchange_order_id))

    async def balances(self) -> dict[str, Balance]:
        return await self.endpoints.wallet_balance()

    async def fills_since(self, symbol: str, since_ms: int) -> list[Fill]:
        """Trade executions from `since_ms` on, oldest first: one request per week of time
        (Bybit answers a week at a time), up to now or `EXECUTION_WEEKS` weeks."""
        await self.instrument(symbol)
        now = self.rest.now_ms()
        items: list[Item] = []
        start = since_ms
        for _ in range(EXECUTION_WEEKS):
            items += await self.endpoints.executions(symbol, start_ms=start)
            start += WEEK_MS
            if start > now:
                break
        for item in items:  # funding and the like are said and counted, not skipped
            if item.get("execType", "Trade") != "Trade":
                self.account.other_execution(item)
        trades = (self.account.fill(i) for i in items if i.get("execType", "Trade") == "Trade")
        unique = {fill.fill_id: fill for fill in trades if fill.ts >= since_ms}
        return sorted(unique.values(), key=lambda f: (f.ts, f.fill_id))

    # -- beyond the protocol -----------------------------------------------------------------

    async def catch_up(self, timeout_s: float = 5.0) -> None:
        """Return once every private push the venue sent before now has reached the listener
        (a ping round trip on the private stream). Before a reconcile, or in tests."""
        if self._private is not None:
            await self._private.round_trip(timeout_s)

    def set_funding_listener(self, listener: FundingListener) -> None:
        """Funding settlements to `listener` (FundingSource), those heard already first."""
        self.account.on_funding = listener
        for fee in self.account.funding:
            listener(fee)

    async def positions(self, symbol: str | None = None) -> list[Position]:
        """Linear: the venue's positions (signed qty). Spot: base-coin holdings, qty only."""
        if self.category == "linear":
            return await self.endpoints.positions(symbol)
        wallet = await self.balances()
        symbols = [symbol] if symbol is not None else list(self._instruments)
        held = []
        for name in symbols:
            base = (await self.instrument(name)).base
            if base in wallet and wallet[base].total:
                held.append(Position(symbol=name, qty=wallet[base].total))
        return held

    async def set_leverage(self, symbol: str, leverage: Decimal) -> None:
        await self.endpoints.set_leverage(symbol, leverage)

    def candles(
        self, symbol: str, interval_ms: int = 60_000, after: Candle | None = None
    ) -> AsyncIterator[Candle]:
        """Each closed candle once, in order, with a REST backfill of any gap (from `after`,
        the last candle the caller already has, when given)."""
        return self.market.candles(symbol, interval_ms, after)

    async def history(
        self, symbol: str, start_ms: int, end_ms: int, interval_ms: int = 60_000
    ) -> list[Candle]:
        return await self.market.history(symbol, start_ms, end_ms, interval_ms)

    def tickers(self, symbol: str) -> AsyncIterator[Ticker]:
        return self.market.tickers(symbol)

    def top_of_book(self, symbol: str) -> AsyncIterator[TopOfBook]:
        return self.market.top_of_book(symbol)

    # -- internals ---------------------------------------------------------------------------

    def _fee_asset(self, symbol: str, side: Side) -> str:
        inst = self._instruments.get(symbol)
        return default_fee_asset(self.category, side, inst) if inst is not None else ""

    def _public_stream(self, router: TopicRouter) -> StreamConnection:
        url = self.hosts.public_ws(self.category)
        return self._stream(url, f"public-{self.category}", router.on_message, router.on_connected)

    def _stream(
        self,
        url: str,
        name: str,
        on_message: Callable[..., Awaitable[None]],
        on_connected: Callable[[bool], Awaitable[None]],
    ) -> StreamConnection:
        private = name == "private"
        return StreamConnection(
            url,
            name,
            on_message,
            status=self.rest.status,
            now_ms=self.rest.now_ms,
            credentials=self._credentials if private else None,
            on_connected=on_connected,
            ping_interval_s=self.config.ping_interval_s,
            backoff=Backoff(cap_s=self.config.reconnect_max_delay_s, rng=self._rng),
            sleep=self._sleep,
        )


if TYPE_CHECKING:

    def _conforms(x: BybitExchange) -> Exchange:
        return x

    def _delivers(x: BybitExchange) -> DeliversInline:
        return x
