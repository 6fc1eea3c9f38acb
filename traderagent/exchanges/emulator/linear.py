"""LinearVenue: USDT perpetuals in one-way mode, on the paper venue's matching engine.

Orders rest on the shared `CandleMatcher` and fill by the same candle-path model as spot; only
what a fill does differs: it moves one net position per symbol (long or short), realises PnL on
the part it closes, and charges the fee, all in the settle coin of the shared wallet.

Margin is simple: an order locks `opening qty * price / leverage` plus the worst fee, where the
opening qty is what it adds beyond closing the current position; a position holds
`size * avgPrice / leverage`. There is no liquidation and no funding.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
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
    Side,
)
from traderagent.exchanges.emulator.errors import INSUFFICIENT_AB, REDUCE_ONLY_ZERO, BybitError
from traderagent.exchanges.emulator.records import LinearFill
from traderagent.exchanges.fee_rules import FeeRules
from traderagent.exchanges.paper.account import Account
from traderagent.exchanges.paper.admission import market_price, marketable
from traderagent.exchanges.paper.book import RestingOrder
from traderagent.exchanges.paper.matcher import CandleMatcher
from traderagent.exchanges.paper.matching import FillModel
from traderagent.exchanges.ports import UpdateListener

DEFAULT_LEVERAGE = Decimal(10)


@dataclass(slots=True)
class LinearPosition:
    """The net position of one symbol. `side` is None when flat."""

    symbol: str
    leverage: Decimal = DEFAULT_LEVERAGE
    side: Side | None = None
    size: Decimal = ZERO
    avg_price: Decimal = ZERO
    margin: Decimal = ZERO  # the initial margin held for it in the wallet
    cur_realised: Decimal = ZERO
    cum_realised: Decimal = ZERO
    created_ms: int = 0
    updated_ms: int = 0
    seq: int = 0

    def closable_by(self, side: Side) -> Decimal:
        """How much an order of `side` would close (the size, if it is the opposite side)."""
        return self.size if self.side is side.opposite else ZERO

    def unrealised(self, mark: Decimal) -> Decimal:
        if self.side is None:
            return ZERO
        sign = 1 if self.side is Side.BUY else -1
        return (mark - self.avg_price) * self.size * sign

    def trade(self, side: Side, qty: Decimal, price: Decimal) -> tuple[Decimal, Decimal]:
        """Apply a fill; return (closed size, realised PnL before fees)."""
        closed = min(qty, self.closable_by(side))
        pnl = ZERO
        if closed:
            sign = 1 if self.side is Side.BUY else -1
            pnl = (price - self.avg_price) * closed * sign
            self.size -= closed
        opened = qty - closed
        if opened:
            if self.size == 0:
                self.side, self.avg_price, self.cur_realised = side, price, ZERO
            self.avg_price = (self.avg_price * self.size + price * opened) / (self.size + opened)
            self.size += opened
        if self.size == 0:
            self.side, self.avg_price = None, ZERO
        return closed, pnl


class LinearVenue:
    """Order entry, resting books and positions of the linear category of one account."""

    def __init__(
        self,
        instruments: Mapping[str, Instrument],
        wallet: Account,
        fees: FeeRules,
        fill_model: FillModel,
        *,
        now_ms: Callable[[], int],
    ) -> None:
        self._instruments = dict(instruments)
        self._matcher = CandleMatcher(fill_model, now_ms, self._execute, self._instruments)
        self._wallet = wallet
        self._fees = fees
        self._positions = {s: LinearPosition(s) for s in instruments}
        self._open: dict[str, RestingOrder] = {}
        self._listener: UpdateListener | None = None
        self._fill_ids = count(1)

    def set_listener(self, listener: UpdateListener) -> None:
        self._listener = listener

    def on_candle(self, candle: Candle) -> None:
        if candle.symbol in self._instruments:
            self._matcher.on_candle(candle)

    def last_price(self, symbol: str) -> float | None:
        return self._matcher.last_price(symbol)

    def position(self, symbol: str) -> LinearPosition:
        return self._positions[symbol]

    def order_margin(self) -> Decimal:
        """Wallet amount locked by open linear orders."""
        return sum((r.lock for r in self._open.values()), ZERO)

    def position_margin(self) -> Decimal:
        return sum((p.margin for p in self._positions.values()), ZERO)

    def set_leverage(self, symbol: str, leverage: Decimal) -> None:
        position = self._positions[symbol]
        position.leverage = leverage
        self._hold_margin(position)

    def place_order_sync(self, request: OrderRequest, reduce_only: bool = False) -> Order:
        """Lock margin and fill at once (market) or rest; BybitError if refused."""
        symbol = request.symbol
        inst, position = self._instruments[symbol], self._positions[symbol]
        now, last = self._matcher.clock(symbol), self.last_price(symbol)
        qty, taker_price = request.qty, None
        if request.type.is_stop and request.price is not None:
            # conditional: no margin until it triggers (the desk checked the trigger's side)
            order = Order.from_request(request, OrderStatus.NEW, now)
            stop = RestingOrder(order, request.price, inst.quote, ZERO, True)
            self._open[request.client_order_id] = stop
            self._matcher.rest(stop)
            return order
        if request.type is OrderType.MARKET or request.price is None:
            if last is None:
                raise BybitError(INSUFFICIENT_AB, f"no market price for {symbol} yet")
            price = taker_price = market_price(inst, last)
        else:
            price = request.price
        closable = position.closable_by(request.side)
        if reduce_only:
            if not closable:
                raise BybitError(
                    REDUCE_ONLY_ZERO, "current position is zero, cannot fix reduce-only order qty"
                )
            qty = min(qty, closable)
        opening = max(ZERO, qty - closable)
        lock = opening * price / position.leverage + qty * price * self._fees.lock_rate
        if not self._wallet.lock(inst.quote, lock):
            raise BybitError(INSUFFICIENT_AB, "ab not enough for new order")
        through = last is not None and marketable(request.side, price, market_price(inst, last))
        order = replace(Order.from_request(request, OrderStatus.NEW, now), qty=qty)
        resting = RestingOrder(order, price, inst.quote, lock, through)
        self._open[request.client_order_id] = resting
        if taker_price is not None:
            return self._execute(resting, taker_price, Liquidity.TAKER, now)
        self._matcher.rest(resting)
        return order

    def cancel_order_sync(self, symbol: str, client_order_id: str) -> Order | None:
        """Cancel an open order and release its margin; None if it is not open."""
        resting = self._open.get(client_order_id)
        if resting is None or resting.order.symbol != symbol:
            return None
        self._matcher.withdraw(resting)
        del self._open[client_order_id]
        self._wallet.unlock(resting.lock_asset, resting.lock)
        now = self._matcher.clock(symbol)
        cancelled = replace(resting.order, status=OrderStatus.CANCELLED, updated_ms=now)
        self._emit(cancelled)
        return cancelled

    def _execute(
        self, resting: RestingOrder, price: Decimal, liquidity: Liquidity, ts: int
    ) -> Order:
        order = resting.order
        inst, position = self._instruments[order.symbol], self._positions[order.symbol]
        if order.type.is_stop:
            price = inst.round_price(price)  # the open of a gap may lie off the tick
        fee = self._fees.fee(order.side, order.qty, price, liquidity)
        self._wallet.unlock(resting.lock_asset, resting.lock)
        if position.side is None:
            position.created_ms = ts
        closed, pnl = position.trade(order.side, order.qty, price)
        self._wallet.credit(inst.quote, pnl - fee)
        position.cur_realised += pnl - fee
        position.cum_realised += pnl - fee
        position.updated_ms, position.seq = ts, position.seq + 1
        self._hold_margin(position)
        del self._open[order.client_order_id]
        fill = LinearFill(
            fill_id=f"linear-{next(self._fill_ids)}",
            client_order_id=order.client_order_id,
            symbol=order.symbol,
            side=order.side,
            price=price,
            qty=order.qty,
            fee=fee,
            fee_asset=inst.quote,
            liquidity=liquidity,
            ts=ts,
            closed_size=closed,
            exec_pnl=pnl,
        )
        filled = replace(
            order,
            status=OrderStatus.FILLED,
            filled_qty=order.qty,
            avg_fill_price=price,
            updated_ms=ts,
        )
        self._emit(fill)
        self._emit(filled)
        return filled

    def _hold_margin(self, position: LinearPosition) -> None:
        quote = self._instruments[position.symbol].quote
        self._wallet.unlock(quote, position.margin)
        position.margin = position.size * position.avg_price / position.leverage
        self._wallet.reserve(quote, position.margin)

    def _emit(self, update: Order | LinearFill) -> None:
        if self._listener is not None:
            self._listener(update)
