"""CcxtExchange: the `Exchange` port over any exchange ccxt speaks.

Requests return the exchange's acknowledgement; every later change (fills, cancels, whether
asked for or by the venue) reaches the listener once, in venue order, from the update poll
(`updates`), woken by the private streams where the exchange has them. Quantities and prices
are checked against the market's tick and lot before anything is sent (`placing`), and read
back as Decimal. The parts share one `CcxtSession` (client, capabilities, markets) and one
`OrderTracker` (our ids, the listener); this class puts them behind the port.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar, cast

from traderagent.domain import Balance, Candle, Fill, Instrument, Order, OrderRequest, Position
from traderagent.exchanges.bybit.credentials import ApiCredentials
from traderagent.exchanges.ccxt import account, cancels, placing
from traderagent.exchanges.ccxt.balance_stream import BalanceWatch
from traderagent.exchanges.ccxt.candle_stream import CandleStream
from traderagent.exchanges.ccxt.capabilities import Capabilities
from traderagent.exchanges.ccxt.config import CcxtConfig
from traderagent.exchanges.ccxt.market import CandlePoller
from traderagent.exchanges.ccxt.session import CcxtSession
from traderagent.exchanges.ccxt.tracker import OrderTracker
from traderagent.exchanges.ccxt.updates import UpdatePoller
from traderagent.exchanges.ports import ExchangeError, UpdateListener

if TYPE_CHECKING:
    from traderagent.exchanges.ports import Exchange


F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


def translated(method: F) -> F:
    """ccxt's errors out of a port method as ExchangeError (what the engine waits out)."""

    @functools.wraps(method)
    async def wrapper(self: CcxtExchange, *args: Any, **kwargs: Any) -> Any:
        try:
            return await method(self, *args, **kwargs)
        except self.session.errors.BaseError as err:
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
        self.session = CcxtSession(config, credentials, client)
        self.name = self.session.name
        self.tracker = OrderTracker(self.session)
        self.updates = UpdatePoller(self.session, self.tracker)
        self.wallet = BalanceWatch(self.session, lambda: self.tracker.changes)
        self.market = CandlePoller(self.client, self.session.market_id, config.poll_interval_s)
        self.stream = CandleStream(self.client, self.market)

    @property
    def client(self) -> Any:
        """The ccxt client (its reads retried: `RetryingReads`)."""
        return self.session.client

    @property
    def caps(self) -> Capabilities:
        return self.session.caps

    def closing(self) -> bool:
        """`close()` has begun: the poll and the streams stop."""
        return self.updates.closing()

    @property
    def status_line(self) -> str:
        return ""

    async def connect(self) -> None:
        """Load the markets and start the update poll (and the private streams, if any)."""
        await self.session.load()
        if self.session.trading:
            self.updates.start()
            self.wallet.start()

    async def close(self) -> None:
        """Stop the poll and the streams, then the client."""
        await self.updates.stop()
        await self.wallet.stop()
        await self.client.close()

    # -- Exchange protocol ------------------------------------------------------------------

    def set_listener(self, listener: UpdateListener) -> None:
        self.tracker.sequencer.set_listener(listener)

    async def instrument(self, symbol: str) -> Instrument:
        return self.session.instrument(symbol)

    @translated
    async def place_order(self, request: OrderRequest) -> Order:
        """The ack (`New`), or the exchange's order when it already had this client order id
        (a resend, or an answer lost and found). A refused order comes back `Rejected` with
        the exchange's reason; one whose answer stayed lost raises OrderFateUnknown."""
        inst = self.session.instrument(request.symbol)
        await self.updates.track(request.symbol)
        cid = request.client_order_id
        problem = placing.problem(self.session, request, inst)
        if problem is None and self.tracker.sequencer.known(cid):
            existing = await self.get_order(request.symbol, cid)
            if existing is not None:
                return existing
        if problem is not None:
            return self.tracker.rejected(request, problem)
        wire = self.caps.wire_id(cid)
        self.tracker.sent(wire, cid)
        self.tracker.sequencer.expect(cid, request.bot, request.tag)
        self.wallet.changed()
        try:
            item = await placing.create(self.session, request, wire)
        finally:
            self.wallet.changed()
        if isinstance(item, str):
            return self.tracker.rejected(request, item)
        order = self.tracker.ack(request, item)
        self.tracker.placed(order)
        return order

    @translated
    async def cancel_order(self, symbol: str, client_order_id: str) -> Order | None:
        """The order as the exchange has it after the cancel (also when it was already
        closed); None if the exchange never had it."""
        self.session.instrument(symbol)
        self.wallet.changed()
        try:
            return await cancels.cancel_one(self.session, self.tracker, symbol, client_order_id)
        finally:
            self.wallet.changed()

    @translated
    async def cancel_all(self, symbol: str) -> list[Order]:
        """Cancel every open order of `symbol`; the cancelled orders, oldest first."""
        self.session.instrument(symbol)
        self.wallet.changed()
        try:
            return await cancels.cancel_every(self.session, self.tracker, symbol)
        finally:
            self.wallet.changed()

    @translated
    async def get_order(self, symbol: str, client_order_id: str) -> Order | None:
        self.session.instrument(symbol)
        await self.updates.track(symbol)  # a restart adopts orders it then has to hear about
        market, wire = self.session.market_id(symbol), self.caps.wire_id(client_order_id)
        item = await self.session.lists.find(market, wire)
        if item is None:
            return None
        order = self.tracker.order(item, symbol)
        self.tracker.watch_open(order)
        return order

    @translated
    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        symbols = [symbol] if symbol is not None else list(self.session.instruments)
        orders = []
        for name in symbols:
            self.session.instrument(name)
            await self.updates.track(name)
            for item in await self.session.lists.open(self.session.market_id(name)):
                order = self.tracker.order(item, name)
                self.tracker.watch_open(order)
                orders.append(order)
        return sorted(orders, key=lambda o: (o.created_ms, o.exchange_order_id))

    @translated
    async def balances(self) -> dict[str, Balance]:
        """REST, or its last answer again while `watch_balance` says nothing changed
        (`BalanceWatch`)."""
        return await self.wallet.read()

    @translated
    async def fills_since(self, symbol: str, since_ms: int) -> list[Fill]:
        """This account's trades on `symbol` from `since_ms` on, oldest first (paged)."""
        self.session.instrument(symbol)
        return await account.fills_since(self.session, self.tracker, self.updates, symbol, since_ms)

    @translated
    async def positions(self, symbol: str | None = None) -> list[Position]:
        """Spot: base-coin holdings (qty only). Swap: the exchange's positions (signed qty)."""
        symbols = [symbol] if symbol is not None else list(self.session.instruments)
        return await account.positions(self.session, symbols)

    # -- beyond the protocol -----------------------------------------------------------------

    def now_ms(self) -> int:
        return self.session.now_ms()

    def fee_reserve(self) -> Decimal:
        """The fee rate a buy locks on top of its notional (see `account.fee_reserve`)."""
        return account.fee_reserve(self.session)

    async def catch_up(self) -> None:
        """Poll now: every change the exchange lists reaches the listener before this returns."""
        await self.updates.catch_up()

    async def latest_candle_ms(self, symbol: str, interval_ms: int = 60_000) -> int | None:
        """The open time of the newest closed candle of `symbol` (None: the market has none)."""
        try:
            return await self.market.latest_closed(symbol, interval_ms)
        except self.session.errors.BaseError as err:
            raise ExchangeError(f"candles of {symbol}: {err}") from None

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
        except self.session.errors.BaseError as err:
            raise ExchangeError(f"candles of {symbol}: {err}") from None

    async def history(
        self, symbol: str, start_ms: int, end_ms: int, interval_ms: int = 60_000
    ) -> list[Candle]:
        self.session.instrument(symbol)
        try:
            return await self.market.history(symbol, start_ms, end_ms, interval_ms)
        except self.session.errors.BaseError as err:
            raise ExchangeError(f"candles of {symbol}: {err}") from None


if TYPE_CHECKING:

    def _conforms(x: CcxtExchange) -> Exchange:
        return x
