"""PaperLinearExchange: the paper venue for linear (USDT) perpetuals, behind the `Exchange` port.

The shared `LinearBook` does the settlement (positions, margin, liquidation); this front door
adds what the engine needs of a strict venue: unquantised or duplicate orders and refusals
become REJECTED orders with the reason (never an exception), the orders and fills are kept for
queries, a `long_only` venue (the bots' default for now) makes every sell reduce-only, and
funding is settled at each 8-hour mark a candle reaches (marks after the previous
candle and up to this candle's open, at the previous mark price, before its orders are matched;
marks inside it or at its close after them, at its close or given mark) and reported to the
engine as `FundingFee`s (`FundingSource`). A mark whose rate the data lacks is logged and
counted in `funding_skipped`, never guessed. It has no quiet-span skipping (a backtest steps
every candle: funding and liquidation are checked at each). Like the spot venue it keeps its
book in storage when one is attached (`attach_store`, `persist`; what is kept: `stored`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from traderagent.domain import (
    ZERO,
    Balance,
    Candle,
    Fill,
    FundingFee,
    Instrument,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    Side,
)
from traderagent.exchanges.fee_rules import LINEAR_FEES, FeeRules
from traderagent.exchanges.paper.account import Account
from traderagent.exchanges.paper.admission import market_price
from traderagent.exchanges.paper.instruments import lookup_instrument
from traderagent.exchanges.paper.linear import stored
from traderagent.exchanges.paper.linear.funding import FundingRates, funding_times
from traderagent.exchanges.paper.linear.records import FundingCharge, LinearRefusal, MarginMode
from traderagent.exchanges.paper.linear.venue import LinearBook
from traderagent.exchanges.paper.matching import FillModel
from traderagent.exchanges.paper.stored_book import BookChanges, BookStore, PaperBook, VenueMark
from traderagent.exchanges.ports import ExchangeUpdate, FundingListener, UpdateListener

if TYPE_CHECKING:
    from traderagent.exchanges.ports import (
        CandleMatched,
        Exchange,
        FundingSource,
        MarginAccount,
        PersistedBook,
    )

log = logging.getLogger(__name__)


class PaperLinearExchange:
    """A simulated USDT-perpetual account: one-way positions with leverage, margin, funding and
    liquidation, matched candle by candle like the spot paper venue."""

    name: str = "paper"

    def __init__(  # noqa: PLR0913 - the venue's whole configuration
        self,
        instruments: Mapping[str, Instrument],
        balances: Mapping[str, Decimal],
        fees: FeeRules = LINEAR_FEES,
        fill_model: FillModel = "pessimistic",
        *,
        now_ms: Callable[[], int],
        leverage: Mapping[str, Decimal] | None = None,
        mmr: Mapping[str, Decimal] | None = None,
        margin_mode: MarginMode = "isolated",
        funding: FundingRates | None = None,
        marks: Mapping[str, Mapping[int, Decimal]] | None = None,
        long_only: bool = False,
    ) -> None:
        self._instruments = dict(instruments)
        self._long_only = long_only
        self._account = Account(balances)
        self.book = LinearBook(
            self._instruments, self._account, fees, fill_model, now_ms=now_ms,
            leverage=leverage, mmr=mmr, margin_mode=margin_mode,
        )  # fmt: skip
        self.book.set_listener(self._on_update)
        self._funding_rates = funding
        self._marks = marks or {}
        self._funded: dict[str, int] = {}  # per symbol: funding settled for marks up to this
        self._listener: UpdateListener | None = None
        self._funding_listener: FundingListener | None = None
        self._heard: list[FundingFee] = []
        self._orders: dict[str, Order] = {}
        self._fills: list[Fill] = []
        self.funding_charges: list[FundingCharge] = []
        self.funding_paid: dict[str, Decimal] = {}  # per symbol, in total (negative: received)
        self.funding_skipped = 0
        self._store: BookStore | None = None
        self._changes: BookChanges | None = None  # tracked only while a store is attached

    def unrealised_pnl(self, prices: Mapping[str, Decimal]) -> Decimal:
        """The positions' unrealised PnL at `prices` (MarginAccount), else at their marks."""
        total = ZERO
        for symbol, position in self.book.positions.items():
            if position.size:
                mark = prices.get(symbol) or self.book.mark(symbol)
                total += position.unrealised(mark) if mark is not None else ZERO
        return total

    def leverage_of(self, symbol: str) -> Decimal:
        """The leverage of `symbol` (`Perpetual`): its position's and orders' margin."""
        return self.book.position(symbol).leverage

    def liquidation_price(self, symbol: str) -> Decimal | None:
        """Where `symbol`'s position is liquidated (LiquidationQuote); None when flat."""
        if symbol not in self.book.positions or not self.book.positions[symbol].size:
            return None
        return self.book.liquidation_price(symbol)

    @property
    def liquidations(self) -> int:
        return self.book.liquidator.count

    # -- Exchange protocol --------------------------------------------------------------------

    def set_listener(self, listener: UpdateListener) -> None:
        self._listener = listener

    def set_funding_listener(self, listener: FundingListener) -> None:
        self._funding_listener = listener
        for fee in self._heard:
            listener(fee)

    async def instrument(self, symbol: str) -> Instrument:
        return lookup_instrument(self._instruments, symbol)

    async def place_order(self, request: OrderRequest) -> Order:
        return self.place_order_sync(request)

    async def cancel_order(self, symbol: str, client_order_id: str) -> Order | None:
        lookup_instrument(self._instruments, symbol)
        return self.book.cancel_order_sync(symbol, client_order_id)

    async def cancel_all(self, symbol: str) -> list[Order]:
        lookup_instrument(self._instruments, symbol)
        return self.book.cancel_symbol(symbol, "")

    async def get_order(self, symbol: str, client_order_id: str) -> Order | None:
        lookup_instrument(self._instruments, symbol)
        order = self._orders.get(client_order_id)
        return order if order is not None and order.symbol == symbol else None

    async def open_orders(self, symbol: str | None = None) -> list[Order]:
        return [r.order for r in self.book.open.values() if symbol in (None, r.order.symbol)]

    async def balances(self) -> dict[str, Balance]:
        return self._account.snapshot()

    def balances_sync(self) -> dict[str, Balance]:
        """Wallet per coin: `locked` holds the position and order margin."""
        return self._account.snapshot()

    async def fills_since(self, symbol: str, since_ms: int) -> list[Fill]:
        lookup_instrument(self._instruments, symbol)
        return [f for f in self._fills if f.symbol == symbol and f.ts >= since_ms]

    async def positions(self, symbol: str | None = None) -> list[Position]:
        """Open positions: `qty` signed (negative when short), the entry price, realised PnL."""
        held = []
        for s, p in self.book.positions.items():
            if symbol in (None, s) and p.size:
                held.append(Position(s, p.size * p.sign, p.avg_price, p.cum_realised))
        return held

    async def close(self) -> None:
        return None

    # -- order entry ----------------------------------------------------------------------------

    def place_order_sync(self, request: OrderRequest, reduce_only: bool = False) -> Order:
        """Margin locked and the order rested or filled; a REJECTED order if refused. A
        `long_only` venue makes every sell reduce-only: it never opens a short."""
        symbol, cid = request.symbol, request.client_order_id
        reduce_only = (
            reduce_only or request.reduce_only or (self._long_only and request.side is Side.SELL)
        )
        inst = lookup_instrument(self._instruments, symbol)
        now = self.book.matcher.clock(symbol)
        reason = self._refusal(request, inst)
        if not reason:
            try:
                order = self.book.place_order_sync(request, reduce_only)
            except LinearRefusal as refusal:
                reason = f"{refusal.message} ({refusal.code})"
            else:
                self._orders.setdefault(cid, order)
                self._changed(cid)
                return self._orders[cid]
        rejected = Order.from_request(request, OrderStatus.REJECTED, now, reason)
        if cid not in self._orders:  # a duplicate's id keeps the order it names
            self._orders[cid] = rejected
            self._changed(cid)
        return rejected

    def _refusal(self, request: OrderRequest, inst: Instrument) -> str:
        """Why a strict venue refuses `request` before it looks at margin, or ''."""
        if request.client_order_id in self._orders:
            return f"duplicate client_order_id {request.client_order_id!r}"
        last = self.book.last_price(request.symbol)
        price = request.price
        if request.type is OrderType.MARKET or price is None:
            if request.type is not OrderType.MARKET:
                return "a limit or stop order needs a price"
            if last is None:
                return f"no market price for {request.symbol} yet: send a limit order"
            price = market_price(inst, last)
        reason = inst.check_order(price, request.qty)
        if reason is not None:
            return reason
        if request.type.is_stop and last is not None:
            at, buy = market_price(inst, last), request.side is Side.BUY
            if price <= at if buy else price >= at:
                return f"a stop at {price} would trigger at once (last {at}): send a market order"
        return ""

    # -- the market -----------------------------------------------------------------------------

    def on_candle(self, candle: Candle) -> None:
        for _ in self.walk(candle):
            pass

    def walk(self, candle: Candle) -> Iterator[None]:
        """Funding due up to the candle's open, liquidation, the candle's fills (pausing after
        each), then funding due up to its close."""
        symbol = candle.symbol
        if symbol not in self._instruments:
            return
        self._settle_funding(symbol, candle.ts)
        yield from self.book.walk(candle)
        mark = self._marks.get(symbol, {}).get(candle.ts)
        if mark is not None:
            self.book.set_mark(symbol, mark)
        self._settle_funding(symbol, candle.close_time)
        if self._changes is not None:
            self._changes.cursor_ms = max(self._changes.cursor_ms, candle.close_time)

    def last_price(self, symbol: str) -> float | None:
        return self.book.last_price(symbol)

    def _settle_funding(self, symbol: str, until_ms: int) -> None:
        after = self._funded.setdefault(symbol, until_ms)  # the data's start: nothing before
        self._funded[symbol] = max(after, until_ms)
        if self._funding_rates is None:
            return
        for mark_ms in funding_times(after, until_ms):
            position = self.book.positions[symbol]
            if not position.size:
                continue
            rate = self._funding_rates.rate(symbol, mark_ms)
            if rate is None:
                self.funding_skipped += 1
                log.warning(
                    "funding of %s at %d not settled: no funding rate for it in the data "
                    "(skipped #%d)", symbol, mark_ms, self.funding_skipped,
                )  # fmt: skip
                continue
            charge = self.book.settle_funding(symbol, rate, mark_ms)
            if charge is None:
                continue
            self.funding_charges.append(charge)
            # stored with the next write, which the engine forces before it books the fee
            self.funding_paid[symbol] = self.funding_paid.get(symbol, ZERO) + charge.fee
            fee = FundingFee(
                f"paper-funding-{symbol}-{mark_ms}", symbol, charge.side, charge.size,
                charge.rate, charge.fee, charge.asset, mark_ms,
            )  # fmt: skip
            self._heard.append(fee)
            if self._funding_listener is not None:
                self._funding_listener(fee)

    # -- the stored book (PersistedBook protocol) -----------------------------------------------

    def attach_store(self, store: BookStore, book: PaperBook | None) -> None:
        """Keep the book in `store` from now on, after restoring `book` (what it last held);
        ValueError if this venue's configuration cannot hold `book` (`stored.restore`)."""
        if book is not None:
            self._restore(book)
        self._store = store
        self._changes = BookChanges()
        self._changes.balances = True
        if book is not None and book.mark is not None:
            self._changes.cursor_ms = self._changes.saved_cursor_ms = book.mark.cursor_ms

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
        """Write what changed since the last write, with the whole account (balances and every
        position) as it is now: one transaction, so the stored book is one moment's."""
        changes, store, book = self._changes, self._store, self.book
        if changes is None or store is None or not changes.due(force):
            return
        cursor = changes.cursor_ms
        cids, fills, balances = changes.take()
        prices = {symbol: repr(p) for symbol, p in book.matcher.last_prices().items()}
        details = stored.details_of(book, self.funding_skipped)
        batch = PaperBook(
            orders=[stored.stored_order(book, self._orders[cid]) for cid in cids],
            fills=fills,
            balances=self._account.snapshot(),
            mark=VenueMark(cursor, prices, 1, book.peek_fill_id(), details),
            positions=stored.positions_of(book, self._funded, self.funding_paid),
        )
        try:
            await store.save(batch)
        except BaseException:
            changes.give_back(cids, fills, balances)
            raise
        changes.saved_cursor_ms = cursor

    def _restore(self, book: PaperBook) -> None:
        if book.balances is not None:
            self._account = Account.restored(book.balances)
            self.book.wallet = self._account
        self._funded, self.funding_paid = stored.restore(self.book, book)
        for order in book.orders:
            self._orders[order.order.client_order_id] = order.order
        self._fills = sorted([*self._fills, *book.fills], key=lambda f: f.ts)
        if book.mark is not None:
            self.funding_skipped = int(book.mark.details.get("funding_skipped", 0))

    def _changed(self, client_order_id: str) -> None:
        if self._changes is not None:
            self._changes.order(client_order_id)

    def _on_update(self, update: ExchangeUpdate) -> None:
        if isinstance(update, Fill):
            self._fills.append(update)
            if self._changes is not None:
                self._changes.fill(update)
        else:
            self._orders[update.client_order_id] = update
            self._changed(update.client_order_id)
        if self._listener is not None:
            self._listener(update)


__all__ = ["PaperLinearExchange"]

if TYPE_CHECKING:

    def _conforms(
        x: PaperLinearExchange,
    ) -> tuple[Exchange, CandleMatched, FundingSource, MarginAccount, PersistedBook]:
        return x, x, x, x, x
