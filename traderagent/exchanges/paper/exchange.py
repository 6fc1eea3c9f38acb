"""PaperExchange: an in-process spot venue matched against closed candles.

Order entry behaves like a strict real venue: unquantised prices or quantities, unknown symbols,
duplicate client order ids and orders the free balance cannot cover are refused. Market orders
fill at once at the last price as taker; limits rest and fill on later candles by the
candle-path model in `matching`, as maker, or as taker when they arrived strictly through the
last price (`admission.marketable`).

Everything here is synchronous; the async `Exchange` methods wrap the `*_sync` ones, which a
backtest may call directly (also from inside the listener while a candle is being matched).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from decimal import Decimal
from itertools import count
from typing import TYPE_CHECKING

from traderagent.domain import (
    ZERO,
    Balance,
    Candle,
    Fill,
    Instrument,
    Liquidity,
    Order,
    OrderRequest,
    OrderStatus,
    Position,
    Side,
)
from traderagent.exchanges.paper.account import Account
from traderagent.exchanges.paper.admission import admit
from traderagent.exchanges.paper.book import RestingOrder
from traderagent.exchanges.paper.fees import DEFAULT_MAKER_FEE, DEFAULT_TAKER_FEE, FeeSchedule
from traderagent.exchanges.paper.instruments import lookup_instrument
from traderagent.exchanges.paper.matcher import CandleMatcher
from traderagent.exchanges.paper.matching import FillModel
from traderagent.exchanges.paper.settlement import settle
from traderagent.exchanges.paper.stored_book import (
    CURSOR_CHECKPOINT_MS,
    BookChanges,
    BookStore,
    PaperBook,
    StoredOrder,
    VenueMark,
)
from traderagent.exchanges.ports import ExchangeUpdate, UpdateListener

if TYPE_CHECKING:
    from traderagent.exchanges.ports import CandleMatched, Exchange, PersistedBook


class PaperExchange:
    """A simulated spot account: balances, order entry, and candle-by-candle matching.

    `now_ms` is the engine's clock; the exchange never reads wall time. While a candle is being
    matched, "now" and the last price of that symbol are the path point being walked, so an order
    placed from the listener at that moment sees the price the fill happened at, and a new
    resting order joins the book only after the candle (no same-candle round trip). The books
    and that walk are the shared `CandleMatcher`. `account` lets another front door (the Bybit
    emulator) share one wallet between this spot venue and its linear one; `balances` is then
    ignored.
    """

    name: str = "paper"

    def __init__(
        self,
        instruments: Mapping[str, Instrument],
        balances: Mapping[str, Decimal],
        maker_fee: Decimal = DEFAULT_MAKER_FEE,
        taker_fee: Decimal = DEFAULT_TAKER_FEE,
        fill_model: FillModel = "pessimistic",
        *,
        now_ms: Callable[[], int],
        account: Account | None = None,
    ) -> None:
        self._instruments = dict(instruments)
        self._matcher = CandleMatcher(fill_model, now_ms, self._execute, self._instruments)
        self._account = Account(balances) if account is None else account
        self._fees = FeeSchedule(maker=maker_fee, taker=taker_fee)
        self._lock_rate = self._fees.lock_rate  # read at every order; the schedule is frozen
        self._listener: UpdateListener | None = None
        self._orders: dict[str, Order] = {}  # every order ever accepted or rejected, by client id
        self._open: dict[str, RestingOrder] = {}  # open orders in placement order
        self._order_ids = count(1)
        self._fill_ids = count(1)
        self._fills: list[Fill] = []  # every execution, oldest first
        self._store: BookStore | None = None
        self._changes: BookChanges | None = None  # tracked only while a store is attached
        self._id_tag = ""  # `use_id_tag`: set when several venues share one stored account

    # -- Exchange protocol --------------------------------------------------------------------

    def set_listener(self, listener: UpdateListener) -> None:
        self._listener = listener

    async def instrument(self, symbol: str) -> Instrument:
        return lookup_instrument(self._instruments, symbol)

    async def place_order(self, request: OrderRequest) -> Order:
        return self.place_order_sync(request)

    async def cancel_order(self, symbol: str, client_order_id: str) -> Order | None:
        return self.cancel_order_sync(symbol, client_order_id)

    async def cancel_all(self, symbol: str) -> list[Order]:
        return self.cancel_all_sync(symbol)

    async def get_order(self, symbol: str, client_order_id: str) -> Order | None:
        return self.get_order_sync(symbol, client_order_id)

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        return self.open_orders_sync(symbol)

    async def balances(self) -> dict[str, Balance]:
        return self._account.snapshot()

    async def fills_since(self, symbol: str, since_ms: int) -> list[Fill]:
        lookup_instrument(self._instruments, symbol)
        return [f for f in self._fills if f.symbol == symbol and f.ts >= since_ms]

    async def positions(self, symbol: str | None = None) -> list[Position]:
        """Spot base holdings (free + locked) per listed symbol, quantity only.

        Cost basis is the engine's to track from fills; a spot venue does not report one.
        """
        account = self._account
        listed = self._instruments if symbol is None else {symbol: self._instruments[symbol]}
        held = {s: account.free(i.base) + account.locked(i.base) for s, i in listed.items()}
        return [Position(symbol=s, qty=q) for s, q in held.items() if q]

    async def close(self) -> None:
        return None

    # -- CandleMatched protocol ---------------------------------------------------------------

    def on_candle(self, candle: Candle) -> None:
        """Match resting orders of `candle.symbol` along its path, then record its close."""
        self._matcher.on_candle(candle)
        if self._changes is not None:
            self._changes.cursor_ms = max(self._changes.cursor_ms, candle.close_time)

    def walk(self, candle: Candle) -> Iterable[None]:
        """`on_candle`, pausing after each fill so the engine reacts at that point of the path
        (see `CandleMatcher.walk`); a candle that crosses nothing is done at once."""
        steps = self._matcher.walk(candle)
        if steps == ():  # nothing to walk: no generator per quiet candle
            self._moved_to(candle)
            return steps
        return self._walk(steps, candle)

    def _walk(self, steps: Iterable[None], candle: Candle) -> Iterator[None]:
        yield from steps
        self._moved_to(candle)

    def _moved_to(self, candle: Candle) -> None:
        if self._changes is not None:
            self._changes.cursor_ms = max(self._changes.cursor_ms, candle.close_time)

    def last_price(self, symbol: str) -> float | None:
        """The last candle close, or the path point being matched while inside `on_candle`."""
        return self._matcher.last_price(symbol)

    # -- quiet spans of a replay ----------------------------------------------------------------

    def band(self, symbol: str) -> tuple[float, float]:
        """(highest resting buy, lowest resting sell): only a candle trading strictly below
        the first or strictly above the second can fill anything (see `CandleMatcher.band`)."""
        return self._matcher.band(symbol)

    def quiet_until_ms(self) -> int | None:
        """When the stored book's replay cursor is due for a checkpoint (None: no store)."""
        changes = self._changes
        if changes is None:
            return None
        return changes.saved_cursor_ms + CURSOR_CHECKPOINT_MS

    def skip_quiet(self, symbol: str, close: float, close_time: int) -> None:
        """Candles up to one closing at `close_time` with last price `close` filled nothing:
        what `on_candle` would have recorded for them."""
        self._matcher.set_last_price(symbol, close)
        if self._changes is not None:
            self._changes.cursor_ms = max(self._changes.cursor_ms, close_time)

    # -- the stored book (PersistedBook protocol) -----------------------------------------------

    def attach_store(self, store: BookStore, book: PaperBook | None) -> None:
        """Keep the book in `store` from now on, after restoring `book` (what it last held)."""
        if book is not None:
            self._restore(book)
        self._store = store
        self._changes = BookChanges()
        if book is not None and book.mark is not None:
            self._changes.cursor_ms = self._changes.saved_cursor_ms = book.mark.cursor_ms
        else:
            self._changes.balances = True  # a new book starts with its opening balances

    @property
    def cursor_ms(self) -> int:
        """Close time of the last candle matched (0 before the first, or without a store)."""
        return self._changes.cursor_ms if self._changes is not None else 0

    def unsaved(self, update: ExchangeUpdate) -> bool:
        """Whether `update` is a fill the stored book does not have yet."""
        changes = self._changes
        return (
            changes is not None and isinstance(update, Fill) and update.fill_id in changes.fill_ids
        )

    async def persist(self, force: bool = False) -> None:
        """Write what changed since the last write (one transaction); nothing if nothing did."""
        changes, store = self._changes, self._store
        if changes is None or store is None or not changes.due(force):
            return
        cursor = changes.cursor_ms
        cids, fills, balances = changes.take()
        next_order, next_fill = next(self._order_ids), next(self._fill_ids)
        self._order_ids, self._fill_ids = count(next_order), count(next_fill)  # peeked, not used
        prices = {symbol: repr(p) for symbol, p in self._matcher.last_prices().items()}
        batch = PaperBook(
            orders=[self._stored(cid) for cid in cids],
            fills=fills,
            balances=self._account.snapshot() if balances else None,
            mark=VenueMark(cursor, prices, next_order, next_fill),
        )
        try:
            stored = await store.save(batch)
        except BaseException:
            changes.give_back(cids, fills, balances)
            raise
        changes.saved_cursor_ms = cursor
        if stored is not None and batch.balances is not None:
            self._account.rebase(batch.balances, stored)  # what other venues moved meanwhile

    # -- one stored account, several venues (a fleet of daemons) ------------------------------

    def use_id_tag(self, tag: str) -> None:
        """Issue order and fill ids with `tag` in them: venues sharing one stored account
        never issue the same id (a fill id is stored once)."""
        self._id_tag = f"{tag}-"

    def adopt(self, book: PaperBook) -> None:
        """Take over a bot's stored orders and fills (another venue on the shared account
        ran it): its resting orders match here from now on. The balances already hold their
        locks; the next write rebases on the stored ones."""
        self._restore(PaperBook(orders=book.orders, fills=book.fills))
        if self._changes is not None:
            self._changes.balances = True

    def forget(self, bot: str) -> int:
        """Stop matching `bot`'s orders here (another venue runs the bot now): they stay in
        the stored book with their locks (`persist` first). How many were resting."""
        resting = [r for r in self._open.values() if r.order.bot == bot]
        for order in resting:
            self._matcher.withdraw(order)
            del self._open[order.order.client_order_id]
        self._orders = {cid: o for cid, o in self._orders.items() if o.bot != bot}
        self._fills = [f for f in self._fills if f.bot != bot]
        return len(resting)

    def _stored(self, cid: str) -> StoredOrder:
        resting = self._open.get(cid)
        if resting is None:
            return StoredOrder(self._orders[cid])
        return StoredOrder(resting.order, resting.lock_asset, resting.lock, resting.taker)

    def _restore(self, book: PaperBook) -> None:
        if book.balances is not None:
            self._account = Account.restored(book.balances)
        for stored in book.orders:
            order = stored.order
            self._orders[order.client_order_id] = order
            if order.is_open and order.price is not None:
                resting = RestingOrder(
                    order, order.price, stored.lock_asset, stored.lock, stored.taker
                )
                self._open[order.client_order_id] = resting
                self._matcher.rest(resting)
        self._fills = sorted([*self._fills, *book.fills], key=lambda f: f.ts)
        if book.mark is not None:
            for symbol, text in book.mark.last_prices.items():
                self._matcher.set_last_price(symbol, float(text))
            self._order_ids = count(book.mark.next_order_id)
            self._fill_ids = count(book.mark.next_fill_id)

    # -- synchronous order entry --------------------------------------------------------------

    def place_order_sync(self, request: OrderRequest) -> Order:
        """Validate and lock funds, then fill at once (market or marketable) or rest."""
        symbol, cid = request.symbol, request.client_order_id
        inst = self._instruments.get(symbol) or lookup_instrument(self._instruments, symbol)
        matcher = self._matcher
        now = matcher.clock(symbol)
        if cid in self._orders:
            duplicate = f"duplicate client_order_id {cid!r}: an order with this id already exists"
            return Order.from_request(request, OrderStatus.REJECTED, now, duplicate)
        admission = admit(request, inst, matcher.last_price(symbol), self._account, self._lock_rate)
        if isinstance(admission, str):
            rejected = Order.from_request(request, OrderStatus.REJECTED, now, admission)
            self._orders[cid] = rejected  # the id counts as used; get_order can explain it
            self._changed(cid, funds_moved=False)
            return rejected
        r = request  # built field by field, positionally: a replay places one per fill
        order = Order(
            cid,
            symbol,
            r.side,
            r.type,
            r.qty,
            r.price,
            OrderStatus.NEW,
            now,
            now,
            ZERO,
            None,
            f"paper-o-{self._id_tag}{next(self._order_ids)}",
            "",
            r.bot,
            r.tag,
        )
        self._orders[cid] = order
        resting = RestingOrder(
            order, admission.price, admission.lock_asset, admission.lock, admission.marketable
        )
        self._open[cid] = resting
        self._changed(cid)
        if admission.taker_price is not None:
            return self._execute(resting, admission.taker_price, Liquidity.TAKER, now)
        matcher.rest(resting)
        return order

    def cancel_order_sync(self, symbol: str, client_order_id: str) -> Order | None:
        """Cancel an open order and release its lock; None if unknown or already closed."""
        lookup_instrument(self._instruments, symbol)
        resting = self._open.get(client_order_id)
        if resting is None or resting.order.symbol != symbol:
            return None
        self._matcher.withdraw(resting)
        del self._open[client_order_id]
        self._account.unlock(resting.lock_asset, resting.lock)
        cancelled = replace(
            resting.order, status=OrderStatus.CANCELLED, updated_ms=self._clock(symbol)
        )
        self._orders[client_order_id] = cancelled
        self._changed(client_order_id)
        self._emit(cancelled)
        return cancelled

    def cancel_all_sync(self, symbol: str) -> list[Order]:
        """Cancel every open order of `symbol`, oldest first."""
        lookup_instrument(self._instruments, symbol)
        ids = [cid for cid, r in self._open.items() if r.order.symbol == symbol]
        done = (self.cancel_order_sync(symbol, cid) for cid in ids)
        return [o for o in done if o is not None]

    def get_order_sync(self, symbol: str, client_order_id: str) -> Order | None:
        lookup_instrument(self._instruments, symbol)
        order = self._orders.get(client_order_id)
        return order if order is not None and order.symbol == symbol else None

    def open_orders_sync(self, symbol: str | None = None) -> list[Order]:
        if symbol is not None:
            lookup_instrument(self._instruments, symbol)
        return [r.order for r in self._open.values() if symbol in (None, r.order.symbol)]

    def balances_sync(self) -> dict[str, Balance]:
        return self._account.snapshot()

    # -- internals ----------------------------------------------------------------------------

    def _execute(
        self, resting: RestingOrder, price: Decimal, liquidity: Liquidity, ts: int
    ) -> Order:
        """Fill the whole order: settle balances, then report the Fill before the Order."""
        order = resting.order
        inst = self._instruments[order.symbol]
        if order.type.is_stop:
            price = inst.round_price(price)  # the open of a gap may lie off the tick
            short = self._stop_funds(resting, inst, price)
            if short:
                return self._drop(resting, OrderStatus.REJECTED, ts, short)
        execution = (price, liquidity, ts, f"paper-{self._id_tag}{next(self._fill_ids)}")
        fill, filled = settle(self._account, self._fees, inst, resting, execution)
        del self._open[order.client_order_id]
        self._orders[order.client_order_id] = filled
        self._fills.append(fill)
        if self._changes is not None:
            self._changes.fill(fill)
            self._changes.order(order.client_order_id)
        self._emit(fill)
        self._emit(filled)
        return filled

    def _stop_funds(self, stop: RestingOrder, inst: Instrument, price: Decimal) -> str:
        """The reason a triggered stop cannot fill, or '': like Bybit's spot stop orders, a
        stop locks nothing until it triggers, so the free balance must cover it then (a sell's
        base may be locked by the bot's own take profit: the stop is refused, and its bot
        reacts at this point of the path, as it would on the exchange)."""
        order, account = stop.order, self._account
        if order.side is Side.BUY:
            need = order.qty * price * (1 + self._fees.taker)
            asset = inst.quote
        else:
            need, asset = order.qty, inst.base
        if account.free(asset) >= need:
            return ""
        return (
            f"insufficient {asset} for a stop triggered at {price}: {account.free(asset)} free "
            f"of the {need} it needs (resting orders lock the rest)"
        )

    def _drop(self, resting: RestingOrder, status: OrderStatus, ts: int, reason: str) -> Order:
        """Close an open order without a fill (a triggered stop the funds cannot cover)."""
        cid = resting.order.client_order_id
        del self._open[cid]
        self._account.unlock(resting.lock_asset, resting.lock)
        closed = replace(resting.order, status=status, updated_ms=ts, reject_reason=reason)
        self._orders[cid] = closed
        self._changed(cid)
        self._emit(closed)
        return closed

    def _changed(self, client_order_id: str, funds_moved: bool = True) -> None:
        if self._changes is not None:
            self._changes.order(client_order_id, funds_moved)

    def _clock(self, symbol: str) -> int:
        return self._matcher.clock(symbol)

    def _emit(self, update: ExchangeUpdate) -> None:
        if self._listener is not None:
            self._listener(update)


if TYPE_CHECKING:

    def _conforms(x: PaperExchange) -> tuple[Exchange, CandleMatched, PersistedBook]:
        return x, x, x
