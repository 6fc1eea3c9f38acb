"""LinearBook: USDT perpetuals in one-way mode on the shared candle matcher, one settlement rule
for every simulated venue (the paper venue and the Bybit emulator's linear category).

Orders rest on the shared `CandleMatcher` and fill by the same candle-path model as spot; what a
fill does differs: it moves one net position per symbol (long or short), realises PnL on the
part it closes, and charges the fee in the settle coin, all in the shared wallet.

Margin: an order locks `opening qty x price / leverage + qty x price x worst fee rate`, where
the opening qty is what it adds beyond closing the current position; a position holds its
initial margin `size x avgPrice / leverage` (released and re-held at each fill). A reduce-only
order may only reduce: it is refused (Bybit's 110017) when there is nothing of the other side to
close, its qty is capped at the position on entry, and again when it fills (cancelled if the
position is gone by then). Funding (`settle_funding`) and liquidation (`liquidation`) act on the
same positions and wallet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from decimal import Decimal
from itertools import count

from traderagent.domain import (
    ZERO,
    Candle,
    Instrument,
    Liquidity,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
)
from traderagent.exchanges.fee_rules import FeeRules
from traderagent.exchanges.paper.account import Account
from traderagent.exchanges.paper.admission import market_price, marketable
from traderagent.exchanges.paper.book import RestingOrder
from traderagent.exchanges.paper.linear.funding import charge_funding
from traderagent.exchanges.paper.linear.liquidation import Liquidator
from traderagent.exchanges.paper.linear.position import (
    DEFAULT_LEVERAGE,
    DEFAULT_MMR,
    LinearPosition,
)
from traderagent.exchanges.paper.linear.records import (
    INSUFFICIENT_AB,
    MARGIN_MODES,
    REDUCE_ONLY,
    FundingCharge,
    LinearFill,
    LinearRefusal,
    MarginMode,
)
from traderagent.exchanges.paper.matcher import CandleMatcher
from traderagent.exchanges.paper.matching import FillModel
from traderagent.exchanges.ports import ExchangeUpdate

Listener = Callable[[ExchangeUpdate], None]


class LinearBook:
    """Order entry, resting books, positions, funding and liquidation of linear symbols."""

    def __init__(  # noqa: PLR0913 - the venue's whole configuration
        self,
        instruments: Mapping[str, Instrument],
        wallet: Account,
        fees: FeeRules,
        fill_model: FillModel,
        *,
        now_ms: Callable[[], int],
        leverage: Mapping[str, Decimal] | None = None,
        mmr: Mapping[str, Decimal] | None = None,
        margin_mode: MarginMode = "isolated",
    ) -> None:
        if margin_mode not in MARGIN_MODES:
            raise ValueError(f"margin_mode must be isolated or cross, not {margin_mode!r}")
        self.instruments = dict(instruments)
        self.matcher = CandleMatcher(fill_model, now_ms, self._execute, self.instruments)
        self.wallet = wallet
        self.fees = fees
        self.margin_mode: MarginMode = margin_mode
        lev, rates = leverage or {}, mmr or {}
        self.positions = {
            s: LinearPosition(
                s, Decimal(lev.get(s, DEFAULT_LEVERAGE)), mmr=Decimal(rates.get(s, DEFAULT_MMR))
            )
            for s in instruments
        }
        self.open: dict[str, RestingOrder] = {}
        self.reduce_only: set[str] = set()  # client ids of resting reduce-only orders
        self.marks: dict[str, Decimal] = {}  # a given mark price; else the last price
        self.liquidator = Liquidator(self)
        self._listener: Listener | None = None
        self._fill_ids = count(1)

    def set_listener(self, listener: Listener) -> None:
        self._listener = listener

    # -- market ---------------------------------------------------------------------------------

    def on_candle(self, candle: Candle) -> None:
        for _ in self.walk(candle):
            pass

    def walk(self, candle: Candle) -> Iterator[None]:
        """Liquidate a position the candle reaches the liquidation price of (as held at its
        open), match the candle's orders, pausing after each fill (`CandleMatcher.walk`), then
        liquidate a position they changed if the rest of the path reaches its price."""
        if candle.symbol not in self.instruments:
            return
        self.marks.pop(candle.symbol, None)  # a given mark holds for one candle
        if self.liquidator.check(candle):
            yield
        position = self.positions[candle.symbol]
        seq = position.seq
        yield from self.matcher.walk(candle)
        path = self.matcher.path  # the walk's own, as a fill happened in it
        changed = position.seq != seq and path is not None
        if changed and self.liquidator.check_rest(candle, path or (), position.updated_ms):
            yield

    def last_price(self, symbol: str) -> float | None:
        return self.matcher.last_price(symbol)

    def set_mark(self, symbol: str, mark: Decimal) -> None:
        """The mark price of `symbol` until its next candle (else the last price is the mark)."""
        self.marks[symbol] = mark

    def mark(self, symbol: str) -> Decimal | None:
        given = self.marks.get(symbol)
        if given is not None:
            return given
        last = self.matcher.last_price(symbol)
        return None if last is None else market_price(self.instruments[symbol], last)

    # -- views ----------------------------------------------------------------------------------

    def position(self, symbol: str) -> LinearPosition:
        return self.positions[symbol]

    def order_margin(self) -> Decimal:
        """Wallet amount locked by open linear orders."""
        return sum((r.lock for r in self.open.values()), ZERO)

    def extra_margin(self, symbol: str) -> Decimal:
        """What a position may lose beyond its initial margin: the free settle coin in cross
        margin (each position may draw on all of it), nothing in isolated margin."""
        if self.margin_mode == "isolated":
            return ZERO
        return max(self.wallet.free(self.instruments[symbol].quote), ZERO)

    def liquidation_price(self, symbol: str) -> Decimal | None:
        return self.positions[symbol].liquidation_price(self.extra_margin(symbol))

    def set_leverage(self, symbol: str, leverage: Decimal) -> None:
        position = self.positions[symbol]
        position.leverage = leverage
        self.hold_margin(position)

    # -- order entry ----------------------------------------------------------------------------

    def place_order_sync(self, request: OrderRequest, reduce_only: bool = False) -> Order:
        """Lock margin and fill at once (market) or rest; LinearRefusal if refused."""
        symbol = request.symbol
        inst, position = self.instruments[symbol], self.positions[symbol]
        now, last = self.matcher.clock(symbol), self.last_price(symbol)
        qty, taker_price = request.qty, None
        if request.type.is_stop and request.price is not None:
            # conditional: no margin until it triggers (the caller checked the trigger's side)
            order = Order.from_request(request, OrderStatus.NEW, now)
            stop = RestingOrder(order, request.price, inst.quote, ZERO, True)
            self._rest(stop, reduce_only)
            return order
        if request.type is OrderType.MARKET or request.price is None:
            if last is None:
                raise LinearRefusal(INSUFFICIENT_AB, f"no market price for {symbol} yet")
            price = taker_price = market_price(inst, last)
        else:
            price = request.price
        closable = position.closable_by(request.side)
        if reduce_only:
            if not closable:
                raise LinearRefusal(
                    REDUCE_ONLY, "current position is zero, cannot fix reduce-only order qty"
                )
            qty = min(qty, closable)
        opening = max(ZERO, qty - closable)
        lock = opening * price / position.leverage + qty * price * self.fees.lock_rate
        if not self.wallet.lock(inst.quote, lock):
            raise LinearRefusal(INSUFFICIENT_AB, "ab not enough for new order")
        through = last is not None and marketable(request.side, price, market_price(inst, last))
        order = replace(Order.from_request(request, OrderStatus.NEW, now), qty=qty)
        resting = RestingOrder(order, price, inst.quote, lock, through)
        if taker_price is not None:
            self.open[request.client_order_id] = resting
            return self._execute(resting, taker_price, Liquidity.TAKER, now)
        self._rest(resting, reduce_only)
        return order

    def cancel_order_sync(
        self, symbol: str, client_order_id: str, reason: str = ""
    ) -> Order | None:
        """Cancel an open order and release its margin; None if it is not open."""
        resting = self.open.get(client_order_id)
        if resting is None or resting.order.symbol != symbol:
            return None
        self.matcher.withdraw(resting)
        return self._close(resting, self.matcher.clock(symbol), reason)

    def cancel_symbol(self, symbol: str, reason: str) -> list[Order]:
        """Cancel every open order of `symbol`, oldest first."""
        ids = [cid for cid, r in self.open.items() if r.order.symbol == symbol]
        done = (self.cancel_order_sync(symbol, cid, reason) for cid in ids)
        return [o for o in done if o is not None]

    # -- settlement -----------------------------------------------------------------------------

    def settle_funding(self, symbol: str, rate: Decimal, ts: int) -> FundingCharge | None:
        """Charge (or pay) the funding of `symbol`'s position (`funding.charge_funding`)."""
        quote, mark = self.instruments[symbol].quote, self.mark(symbol)
        return charge_funding(self.positions[symbol], self.wallet, quote, (mark, rate, ts))

    def hold_margin(self, position: LinearPosition) -> None:
        quote = self.instruments[position.symbol].quote
        self.wallet.unlock(quote, position.margin)
        position.margin = position.size * position.avg_price / position.leverage
        self.wallet.reserve(quote, position.margin)

    def book_fill(  # noqa: PLR0913 - one execution's figures
        self,
        order: Order,
        price: Decimal,
        liquidity: Liquidity,
        ts: int,
        fee: Decimal,
        exec_type: str = "Trade",
    ) -> LinearFill:
        """Move the position by `order` (all of it) at `price`, realise PnL less `fee`."""
        inst, position = self.instruments[order.symbol], self.positions[order.symbol]
        if position.side is None:
            position.created_ms = ts
        if exec_type == "Trade":
            self.liquidator.note_owner(order)
        closed, pnl = position.trade(order.side, order.qty, price)
        self.wallet.credit(inst.quote, pnl - fee)
        position.cur_realised += pnl - fee
        position.cum_realised += pnl - fee
        position.updated_ms, position.seq = ts, position.seq + 1
        self.hold_margin(position)
        return LinearFill(
            f"linear-{next(self._fill_ids)}", order.client_order_id, order.symbol, order.side,
            price, order.qty, fee, inst.quote, liquidity, ts, order.bot, order.tag,
            closed, pnl, exec_type,
        )  # fmt: skip

    # -- a stored book ------------------------------------------------------------------------

    def peek_fill_id(self) -> int:
        """The number the next fill id will carry (stored, so a restart never reuses one)."""
        n = next(self._fill_ids)
        self._fill_ids = count(n)
        return n

    def resume(self, next_fill_id: int, resting: list[tuple[RestingOrder, bool]]) -> None:
        """Continue a stored book: fill ids from `next_fill_id`, and its resting orders (with
        whether each is reduce-only) back on the matcher; their margin is in the restored
        wallet already."""
        self._fill_ids = count(next_fill_id)
        for order, reduce_only in resting:
            self._rest(order, reduce_only)

    def emit(self, update: ExchangeUpdate) -> None:
        if self._listener is not None:
            self._listener(update)

    def _rest(self, resting: RestingOrder, reduce_only: bool) -> None:
        cid = resting.order.client_order_id
        self.open[cid] = resting
        if reduce_only:
            self.reduce_only.add(cid)
        self.matcher.rest(resting)

    def _close(self, resting: RestingOrder, ts: int, reason: str = "") -> Order:
        cid = resting.order.client_order_id
        del self.open[cid]
        self.reduce_only.discard(cid)
        self.wallet.unlock(resting.lock_asset, resting.lock)
        status = OrderStatus.CANCELLED
        closed = replace(resting.order, status=status, updated_ms=ts, reject_reason=reason)
        self.emit(closed)
        return closed

    def _execute(
        self, resting: RestingOrder, price: Decimal, liquidity: Liquidity, ts: int
    ) -> Order:
        order = resting.order
        inst, position = self.instruments[order.symbol], self.positions[order.symbol]
        if order.type.is_stop:
            price = inst.round_price(price)  # the open of a gap may lie off the tick
        if order.client_order_id in self.reduce_only:
            closable = position.closable_by(order.side)
            if not closable:
                return self._close(resting, ts, "reduce-only order: the position is gone")
            if closable < order.qty:
                # cut to the position, and said before its fill, as Bybit amends such an order
                order = replace(order, qty=closable, updated_ms=ts)
                self.emit(order)
        fee = self.fees.fee(order.side, order.qty, price, liquidity)
        self.wallet.unlock(resting.lock_asset, resting.lock)
        self.reduce_only.discard(order.client_order_id)
        del self.open[order.client_order_id]
        fill = self.book_fill(order, price, liquidity, ts, fee)
        filled = replace(
            order,
            status=OrderStatus.FILLED,
            filled_qty=order.qty,
            avg_fill_price=price,
            updated_ms=ts,
        )
        self.emit(fill)
        self.emit(filled)
        return filled
