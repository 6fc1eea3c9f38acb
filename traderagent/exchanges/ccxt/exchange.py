"""CcxtExchange: the `Exchange` port over any exchange ccxt speaks.

Requests return the exchange's acknowledgement; every later change (fills, cancels, whether
asked for or by the venue) reaches the listener once, in venue order, from a REST poll of the
account's open orders and trades. The poll runs every `poll_interval_s`, and at once whenever
one of ccxt's private streams (`watch_orders`, `watch_my_trades`) pushes, where the exchange
has them: the stream says when to look, REST says what is true. Quantities and prices are
checked against the market's tick and lot before anything is sent, and read back as Decimal.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar, cast

from traderagent.domain import (
    Balance,
    Candle,
    Fill,
    Instrument,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    Side,
)
from traderagent.exchanges.bybit.credentials import ApiCredentials
from traderagent.exchanges.bybit.sequencer import UpdateSequencer
from traderagent.exchanges.ccxt.candle_stream import CandleStream
from traderagent.exchanges.ccxt.capabilities import Capabilities, capabilities_of
from traderagent.exchanges.ccxt.client import ccxt_module, check_credentials, make_client
from traderagent.exchanges.ccxt.config import CcxtConfig
from traderagent.exchanges.ccxt.market import CandlePoller
from traderagent.exchanges.ccxt.orders import OrderLists
from traderagent.exchanges.ccxt.parse import (
    Item,
    parse_balances,
    parse_fill,
    parse_instrument,
    parse_order,
    symbol_of,
)
from traderagent.exchanges.ccxt.reads import RetryingReads
from traderagent.exchanges.ports import ExchangeError, OrderFateUnknown, UpdateListener

if TYPE_CHECKING:
    from traderagent.exchanges.ports import Exchange

log = logging.getLogger("traderagent.exchanges.ccxt")

CREATE_ATTEMPTS = 3
"""Sends of one create at most (a resend carries the same client order id)."""
CLOSE_WAIT_S = 5.0
"""How long `close()` waits for the poll and stream tasks to stop."""
FILL_PAGES = 20
"""Pages of trades `fills_since` reads at most."""


F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


def translated(method: F) -> F:
    """ccxt's errors out of a port method as ExchangeError (what the engine waits out)."""

    @functools.wraps(method)
    async def wrapper(self: CcxtExchange, *args: Any, **kwargs: Any) -> Any:
        try:
            return await method(self, *args, **kwargs)
        except self.errors.BaseError as err:
            name = type(err).__name__
            raise ExchangeError(f"{self.config.exchange}: {name}: {err}") from None

    return cast(F, wrapper)


class CcxtExchange:
    """One account and market type of a ccxt exchange. `connect()` first, `close()` after."""

    def __init__(
        self,
        config: CcxtConfig,
        credentials: ApiCredentials | None = None,
        *,
        client: Any = None,
    ) -> None:
        self.config = config
        self.name = f"ccxt-{config.exchange}"
        self.errors = ccxt_module("ccxt.base.errors")
        made = client if client is not None else make_client(config, credentials)
        self.client = RetryingReads(made, self.errors.NetworkError, self.name)
        self.caps: Capabilities = self._capabilities()
        if credentials is not None:
            check_credentials(self.caps, credentials)
        self.lists = OrderLists(self.client, self.caps)
        self.market = CandlePoller(self.client, self._market_id, config.poll_interval_s)
        self.stream = CandleStream(self.client, self.market)
        self.sequencer = UpdateSequencer()
        self._trading = credentials is not None or client is not None
        self._markets: dict[str, Item] = {}
        self._instruments: dict[str, Instrument] = {}
        self._cids: dict[str, str] = {}  # wire id -> our client order id
        self._open: dict[str, str] = {}  # client order id -> symbol, orders the poll watches
        self._seen: dict[str, set[str]] = {}  # symbol -> trade ids already delivered/known
        self._cursor: dict[str, int | None] = {}  # symbol -> newest trade time seen
        self._poll_lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False

    def closing(self) -> bool:
        """`close()` has begun: the poll and the streams stop."""
        return self._closing

    @property
    def status_line(self) -> str:
        return ""

    async def connect(self) -> None:
        """Load the markets and start the update poll (and the private streams, if any)."""
        try:
            await self.client.load_markets()
        except self.errors.BaseError as err:
            raise ExchangeError(f"{self.config.exchange}: cannot load markets: {err}") from None
        self.caps = self._capabilities()
        self.lists.caps = self.caps
        self._markets = {symbol_of(m): m for m in self.client.markets.values() if self._traded(m)}
        if not self._trading or self._tasks:
            return
        self._tasks.append(asyncio.create_task(self._poll_loop(), name=f"{self.name}-poll"))
        if self.config.streams and self.caps.private_streams:
            for method in ("watch_orders", "watch_my_trades"):
                self._tasks.append(asyncio.create_task(self._watch(method)))

    async def close(self) -> None:
        """Stop the poll and the streams, then the client. The loops also see `_closing` (a
        cancel that lands as the wake-up fires can be swallowed by `wait_for` on 3.11)."""
        self._closing = True
        self._wake.set()
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            _, stuck = await asyncio.wait(self._tasks, timeout=CLOSE_WAIT_S)
            for task in stuck:
                log.warning("%s: %s did not stop within %s s", self.name, task, CLOSE_WAIT_S)
        self._tasks.clear()
        await self.client.close()

    # -- Exchange protocol ------------------------------------------------------------------

    def set_listener(self, listener: UpdateListener) -> None:
        self.sequencer.set_listener(listener)

    async def instrument(self, symbol: str) -> Instrument:
        known = self._instruments.get(symbol)
        if known is not None:
            return known
        market = self._markets.get(symbol)
        if market is None:
            raise ExchangeError(
                f"unknown symbol {symbol!r} on {self.config.exchange} {self.config.market}"
            )
        inst = self._instruments[symbol] = parse_instrument(market, self.client.precisionMode)
        return inst

    @translated
    async def place_order(self, request: OrderRequest) -> Order:
        """The ack (`New`), or the exchange's order when it already had this client order id
        (a resend, or an answer lost and found). A refused order comes back `Rejected` with
        the exchange's reason; one whose answer stayed lost raises OrderFateUnknown."""
        inst = await self.instrument(request.symbol)
        await self._track(request.symbol)
        cid = request.client_order_id
        problem = self._problem(request, inst)
        if problem is None and self.sequencer.known(cid):
            existing = await self.get_order(request.symbol, cid)
            if existing is not None:
                return existing
        if problem is not None:
            return self._rejected(request, problem)
        wire = self.caps.wire_id(cid)
        self._cids[wire] = cid
        self.sequencer.expect(cid, request.bot, request.tag)
        item = await self._create(request, wire)
        if isinstance(item, str):
            return self._rejected(request, item)
        order = self._ack(request, item)
        self._cids[f"id:{order.exchange_order_id}"] = cid
        self._open[cid] = request.symbol
        self.sequencer.acknowledged(order)
        return order

    @translated
    async def cancel_order(self, symbol: str, client_order_id: str) -> Order | None:
        """The order as the exchange has it after the cancel (also when it was already
        closed); None if the exchange never had it."""
        await self.instrument(symbol)
        market = self._market_id(symbol)
        found = await self.lists.find(market, self.caps.wire_id(client_order_id))
        if found is None:
            return None
        if str(found.get("status")) == "open":
            try:
                await self.client.cancel_order(found["id"], market)
            except (self.errors.OrderNotFound, self.errors.NetworkError) as err:
                log.info("%s: cancel %s: %s; looking it up", self.name, client_order_id, err)
            except self.errors.BaseError as err:
                raise ExchangeError(f"cancel {client_order_id}: {err}") from None
            found = await self.lists.find(market, self.caps.wire_id(client_order_id)) or found
        order = self._order(found, symbol)
        self._deliver(order)
        return order

    @translated
    async def cancel_all(self, symbol: str) -> list[Order]:
        """Cancel every open order of `symbol`; the cancelled orders, oldest first."""
        await self.instrument(symbol)
        market = self._market_id(symbol)
        opened = await self.lists.open(market)
        if not opened:
            return []
        try:
            if self.client.has.get("cancelAllOrders"):
                await self.client.cancel_all_orders(market)
            else:
                for item in opened:
                    await self.client.cancel_order(item["id"], market)
        except self.errors.BaseError as err:
            log.warning("%s: cancel all %s: %s; looking the orders up", self.name, symbol, err)
        ids = {str(item["id"]) for item in opened}
        finished = [i for i in await self.lists.finished(market) if str(i.get("id")) in ids]
        orders = sorted(
            (self._order(item, symbol) for item in finished),
            key=lambda o: (o.created_ms, o.exchange_order_id),
        )
        for order in orders:
            self._deliver(order)
        return orders

    @translated
    async def get_order(self, symbol: str, client_order_id: str) -> Order | None:
        await self.instrument(symbol)
        await self._track(symbol)  # a restart adopts orders it then has to hear about
        item = await self.lists.find(self._market_id(symbol), self.caps.wire_id(client_order_id))
        if item is None:
            return None
        order = self._order(item, symbol)
        self._watch_open(order)
        return order

    @translated
    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        symbols = [symbol] if symbol is not None else list(self._instruments)
        orders = []
        for name in symbols:
            await self.instrument(name)
            await self._track(name)
            for item in await self.lists.open(self._market_id(name)):
                order = self._order(item, name)
                self._watch_open(order)
                orders.append(order)
        return sorted(orders, key=lambda o: (o.created_ms, o.exchange_order_id))

    @translated
    async def balances(self) -> dict[str, Balance]:
        try:
            return parse_balances(await self.client.fetch_balance())
        except self.errors.BaseError as err:
            raise ExchangeError(f"balances: {err}") from None

    @translated
    async def fills_since(self, symbol: str, since_ms: int) -> list[Fill]:
        """This account's trades on `symbol` from `since_ms` on, oldest first (paged)."""
        await self.instrument(symbol)
        market = self._market_id(symbol)
        trades: dict[str, Item] = {}
        start = since_ms
        for _ in range(FILL_PAGES):
            page = await self.client.fetch_my_trades(market, since=start)
            fresh = [t for t in page if str(t["id"]) not in trades]
            for trade in fresh:
                trades[str(trade["id"])] = trade
            if not fresh:
                break
            start = max(int(t["timestamp"]) for t in fresh)
        await self._learn_orders(symbol, [t for t in trades.values() if t["timestamp"] >= since_ms])
        fills = [self._fill(t, symbol) for t in trades.values() if t["timestamp"] >= since_ms]
        return sorted(fills, key=lambda f: (f.ts, f.fill_id))

    @translated
    async def positions(self, symbol: str | None = None) -> list[Position]:
        """Spot: base-coin holdings (qty only). Swap: the exchange's positions (signed qty)."""
        symbols = [symbol] if symbol is not None else list(self._instruments)
        if self.config.market == "swap":
            markets = [self._market_id(s) for s in symbols]
            held = []
            for item in await self.client.fetch_positions(markets or None):
                contracts = Decimal(repr(float(item.get("contracts") or 0)))
                size = Decimal(repr(float(item.get("contractSize") or 1)))
                sign = -1 if item.get("side") == "short" else 1
                if contracts:
                    market = self.client.market(item["symbol"])
                    held.append(Position(symbol=symbol_of(market), qty=sign * contracts * size))
            return held
        wallet = await self.balances()
        result = []
        for name in symbols:
            base = (await self.instrument(name)).base
            if base in wallet and wallet[base].total:
                result.append(Position(symbol=name, qty=wallet[base].total))
        return result

    # -- beyond the protocol -----------------------------------------------------------------

    def now_ms(self) -> int:
        return int(self.client.milliseconds())

    def fee_reserve(self) -> Decimal:
        """The fee rate a buy locks on top of its notional: none where a spot buy pays its fee
        in the base it receives, else the highest taker rate of the traded markets."""
        if self.config.market == "spot" and self.caps.buy_fee_in_base:
            return Decimal(0)
        rates = [
            Decimal(repr(float(self._markets[s].get("taker") or 0))) for s in self._instruments
        ]
        return max(rates, default=Decimal("0.001"))

    async def latest_candle_ms(self, symbol: str, interval_ms: int = 60_000) -> int | None:
        """The open time of the newest closed candle of `symbol` (None: the market has none)."""
        try:
            return await self.market.latest_closed(symbol, interval_ms)
        except self.errors.BaseError as err:
            raise ExchangeError(f"candles of {symbol}: {err}") from None

    async def catch_up(self) -> None:
        """Poll now: every change the exchange lists reaches the listener before this returns."""
        async with self._poll_lock:
            for symbol in list(self._seen):
                await self._poll(symbol)

    def candles(
        self, symbol: str, interval_ms: int = 60_000, after: Candle | None = None
    ) -> AsyncIterator[Candle]:
        """Each closed candle once, in order, from the one after `after`: pushed by
        `watch_ohlcv` where the exchange has it (`Capabilities.candle_stream`) and streams are
        on, else polled with `fetch_ohlcv`; a gap is read back by REST either way. A failure
        is an ExchangeError (the engine waits it out and reopens from the last candle)."""
        return self._candles(symbol, interval_ms, after)

    def candle_source(self) -> str:
        """`watch_ohlcv` or `fetch_ohlcv`: how `candles()` reads them on this exchange."""
        streamed = self.config.streams and self.caps.candle_stream
        return "watch_ohlcv" if streamed else "fetch_ohlcv"

    async def _candles(
        self, symbol: str, interval_ms: int, after: Candle | None
    ) -> AsyncIterator[Candle]:
        source = self.stream if self.candle_source() == "watch_ohlcv" else self.market
        try:
            async for candle in source.candles(symbol, interval_ms, after):
                yield candle
        except self.errors.BaseError as err:
            raise ExchangeError(f"candles of {symbol}: {err}") from None

    async def history(
        self, symbol: str, start_ms: int, end_ms: int, interval_ms: int = 60_000
    ) -> list[Candle]:
        await self.instrument(symbol)
        try:
            return await self.market.history(symbol, start_ms, end_ms, interval_ms)
        except self.errors.BaseError as err:
            raise ExchangeError(f"candles of {symbol}: {err}") from None

    # -- internals ---------------------------------------------------------------------------

    def _capabilities(self) -> Capabilities:
        required = dict(getattr(self.client, "requiredCredentials", None) or {})
        return capabilities_of(self.config.exchange, dict(self.client.has), required)

    def _traded(self, market: Item) -> bool:
        if market.get("active") is False:
            return False
        if self.config.market == "spot":
            return bool(market.get("spot"))
        return bool(market.get("swap") and market.get("linear"))

    def _market_id(self, symbol: str) -> str:
        try:
            return str(self._markets[symbol]["symbol"])
        except KeyError:
            raise ExchangeError(f"unknown symbol {symbol!r} on {self.config.exchange}") from None

    def _fee_asset(self, symbol: str, side: Side) -> str:
        inst = self._instruments.get(symbol)
        if inst is None:
            return ""
        base = self.config.market == "spot" and side is Side.BUY and self.caps.buy_fee_in_base
        return inst.base if base else inst.quote

    def _problem(self, request: OrderRequest, inst: Instrument) -> str | None:
        """Why the exchange would refuse this order (checked here: ccxt would round it)."""
        if request.type is OrderType.STOP_MARKET and not self.caps.stop_orders:
            return f"{self.config.exchange} takes no stop orders through ccxt"
        if request.price is not None:
            return inst.check_order(request.price, request.qty)
        if request.qty % inst.lot_size or request.qty < inst.min_qty:
            return f"quantity {request.qty} is off the lot {inst.lot_size} or below {inst.min_qty}"
        return None

    def _order_feature(self, name: str) -> bool:
        """Whether ccxt's `features` table says `createOrder` takes `name` on this market type."""
        features = getattr(self.client, "features", None) or {}
        line = features.get(self.config.market) or {}
        if self.config.market == "swap":
            line = line.get("linear") or {}
        return bool((line.get("createOrder") or {}).get(name))

    def _rejected(self, request: OrderRequest, reason: str) -> Order:
        now = int(self.client.milliseconds())
        order = Order.from_request(request, OrderStatus.REJECTED, now, reason)
        self.sequencer.acknowledged(order)
        return order

    async def _create(self, request: OrderRequest, wire: str) -> Item | str:
        """The create's answer, the exchange's order found after a lost answer or a refusal,
        or the refusal's reason (a str). Never a refusal for an order that may be live."""
        market = self._market_id(request.symbol)
        kind = "market" if request.type is OrderType.MARKET else "limit"
        params: dict[str, Any] = dict(self.caps.create_params)
        if self.caps.client_order_ids:
            params["clientOrderId"] = wire
        if request.type is OrderType.STOP_MARKET:  # a sell on a fall, a buy on a rise
            kind, params["triggerPrice"] = "market", float(request.price or 0)
            if self._order_feature("triggerDirection"):
                falls = request.side is Side.SELL
                params["triggerDirection"] = "descending" if falls else "ascending"
        price = float(request.price) if request.price is not None and kind == "limit" else None
        side = "buy" if request.side is Side.BUY else "sell"
        lost = False
        for _ in range(CREATE_ATTEMPTS):
            try:
                return dict(
                    await self.client.create_order(
                        market, kind, side, float(request.qty), price, params
                    )
                )
            except self.errors.NetworkError as err:
                log.warning("%s: create %s got no clear answer (%s)", self.name, wire, err)
                lost = True
            except self.errors.ExchangeError as err:  # a refusal, or a duplicate client id
                found = await self._look_up(request, wire)
                if found is not None:
                    return found
                if lost:
                    raise OrderFateUnknown(request.client_order_id, str(err)) from None
                return f"{self.config.exchange}: {err}"
            found = await self._look_up(request, wire)
            if found is not None:
                return found
            if not self.caps.client_order_ids:  # a resend could place it twice
                break
        raise OrderFateUnknown(request.client_order_id, "the create's answers were lost")

    async def _look_up(self, request: OrderRequest, wire: str) -> Item | None:
        try:
            return await self.lists.find(self._market_id(request.symbol), wire)
        except self.errors.BaseError as err:
            raise OrderFateUnknown(request.client_order_id, f"its look-up failed: {err}") from None

    def _ack(self, request: OrderRequest, item: Item) -> Order:
        """The acknowledgement, always `New`: what the order does after (its fills, its
        final state) reaches the listener, in order, like every other order's."""
        now = int(self.client.milliseconds())
        created = int(item.get("timestamp") or now)
        order = replace(
            Order.from_request(request, OrderStatus.NEW, created),
            exchange_order_id=str(item.get("id") or ""),
        )
        if item.get("status") in ("canceled", "rejected", "expired") and not item.get("filled"):
            return replace(order, status=OrderStatus.REJECTED, reject_reason="refused at once")
        return order

    def _order(self, item: Item, symbol: str) -> Order:
        wire = str(item.get("clientOrderId") or item.get("id") or "")
        cid = self._cids.get(wire, wire)
        bot, tag = self.sequencer.tags(cid)
        return parse_order(item, symbol, cid, bot, tag)

    def _fill(self, item: Item, symbol: str) -> Fill:
        cid = self._cids.get(f"id:{item.get('order')}", str(item.get("order") or ""))
        bot, tag = self.sequencer.tags(cid)
        side = Side.BUY if item.get("side") == "buy" else Side.SELL
        return parse_fill(item, symbol, cid, self._fee_asset(symbol, side), bot, tag)

    def _watch_open(self, order: Order) -> None:
        """An open order learnt by a query: the poll watches it from here on."""
        if order.is_open:
            if not self.sequencer.known(order.client_order_id):
                self.sequencer.acknowledged(order)
            self._open[order.client_order_id] = order.symbol
        self._cids[f"id:{order.exchange_order_id}"] = order.client_order_id

    def _deliver(self, order: Order) -> None:
        self._cids[f"id:{order.exchange_order_id}"] = order.client_order_id
        self.sequencer.order(order)
        if not order.is_open:
            self._open.pop(order.client_order_id, None)

    async def _track(self, symbol: str) -> None:
        """Poll `symbol` from now on: the trades it already had are history (`fills_since`)."""
        if symbol in self._seen or not self._trading:
            return
        trades = await self.client.fetch_my_trades(self._market_id(symbol))
        self._seen[symbol] = {str(t["id"]) for t in trades}
        self._cursor[symbol] = max((int(t["timestamp"]) for t in trades), default=None)

    async def _learn_orders(self, symbol: str, trades: list[Item]) -> None:
        """Map the exchange order ids of `trades` to client order ids (one history read)."""
        unknown = {str(t.get("order")) for t in trades} - {
            key[3:] for key in self._cids if key.startswith("id:")
        }
        if not unknown:
            return
        market = self._market_id(symbol)
        for item in [*await self.lists.open(market), *await self.lists.finished(market)]:
            if str(item.get("id")) in unknown:
                self._order(item, symbol)  # names the wire id
                wire = str(item.get("clientOrderId") or item.get("id"))
                self._cids[f"id:{item['id']}"] = self._cids.get(wire, wire)

    async def _poll(self, symbol: str) -> None:
        """Deliver what changed on `symbol` since the last poll: new trades, each followed by
        its order's update once its last fill is out; then orders that finished without one."""
        market = self._market_id(symbol)
        since = self._cursor.get(symbol)
        trades = await self.client.fetch_my_trades(market, since=since)
        seen = self._seen.setdefault(symbol, set())
        new = sorted(
            (t for t in trades if str(t["id"]) not in seen),
            key=lambda t: (int(t["timestamp"]), str(t["id"])),
        )
        await self._learn_orders(symbol, new)
        watched = {cid for cid, s in self._open.items() if s == symbol}
        changed: dict[str, Order] = {}
        if watched or new:
            opened = {
                o.client_order_id: o
                for o in map(self._order_on(symbol), await self.lists.open(market))
            }
            gone = watched - set(opened)
            finished = await self.lists.finished(market) if gone or new else []
            for item in finished:
                order = self._order(item, symbol)
                if order.client_order_id in gone or order.client_order_id in watched:
                    changed[order.client_order_id] = order
            for cid in watched & set(opened):
                changed[cid] = opened[cid]
        fills = [self._fill(t, symbol) for t in new]
        last_fill = {f.client_order_id: i for i, f in enumerate(fills)}
        for index, fill in enumerate(fills):
            seen.add(fill.fill_id)
            self.sequencer.fill(fill)
            if last_fill[fill.client_order_id] == index and fill.client_order_id in changed:
                self._deliver(changed.pop(fill.client_order_id))
        for order in sorted(changed.values(), key=lambda o: (o.updated_ms, o.created_ms)):
            self._deliver(order)
        if new:
            self._cursor[symbol] = int(new[-1]["timestamp"])

    def _order_on(self, symbol: str) -> Any:
        return lambda item: self._order(item, symbol)

    async def _poll_loop(self) -> None:
        while not self.closing():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.config.poll_interval_s)
            self._wake.clear()
            if self.closing():
                return
            try:
                await self.catch_up()
            except (self.errors.BaseError, ExchangeError) as err:
                log.warning("%s: polling orders and trades failed: %s", self.name, err)

    async def _watch(self, method: str) -> None:
        """Wake the poll whenever the private stream `method` pushes (it says when, not what)."""
        delay = 1.0
        while not self.closing():
            try:
                await getattr(self.client, method)()
                delay = 1.0
                self._wake.set()
            except asyncio.CancelledError:
                raise
            except Exception as err:  # noqa: BLE001 - any stream failure: poll, retry later
                log.warning("%s: %s failed (%s); polling until it is back", self.name, method, err)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)


if TYPE_CHECKING:

    def _conforms(x: CcxtExchange) -> Exchange:
        return x
