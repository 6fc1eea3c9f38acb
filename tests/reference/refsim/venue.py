"""The paper venue as README.md's "How it trades (and how the paper venue fills)" states it.

Each rule is one function or method here, named after the rule:

- `on_the_tick`: every candle price is read as the nearest tick (half-even) before anything
  compares it, so float noise in the data (a close one ulp off the tick) changes nothing;
- `candle_path`: the path a candle takes (pessimistic: open, the nearer extreme, the other
  extreme, close; a tie goes high first; a low that fills a resting buy or reaches a sell stop
  comes first; `ohlc` / `olhc` fixed orders);
- `crossed`: a resting limit fills only when the path strictly crosses its price, at its own
  price; within a segment buys fill highest first going down, sells lowest first going up, and
  at one price the first placed fills first;
- `PaperVenue.place_limit`: a limit never fills on arrival (it rests from the next candle); one
  strictly through the last price when it arrives pays the taker fee, one exactly at it is a maker;
- `PaperVenue.place_market`: a market order fills at once at the last price on the tick, taker;
  while a candle is walked (an order placed from a fill) the last price is that path point;
- `PaperVenue.cancel`: a cancel takes effect at once, from the point of the path it was decided at;
- `PaperVenue.place_stop` and `triggered`: a stop triggers when the path reaches its trigger and
  fills at once at the trigger, or at the open when the candle opens through it, as a taker;
  at each path point stops go before limits;
- `PaperVenue._settle`: fees on the order value; a buy's fee in the base coin (credited
  qty - fee), a sell's in the quote coin; exact, never rounded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from .candles import Bar
from .rules import BUY, MAKER, SELL, TAKER, FeeRule, Instrument

ZERO = Decimal(0)


@dataclass
class Order:
    """An order the venue accepted (or refused: `refused` says why)."""

    oid: int
    side: str
    qty: Decimal
    price: Decimal | None  # None: a market order
    tag: str
    taker: bool = False  # strictly through the last price on arrival
    stop: bool = False  # a stop: `price` is its trigger
    open: bool = True
    refused: str = ""


@dataclass(frozen=True)
class Fill:
    """One execution, as the comparison reads it."""

    ts: int
    side: str
    price: Decimal
    qty: Decimal
    fee: Decimal
    fee_coin: str
    liquidity: str
    tag: str

    @property
    def credited(self) -> Decimal:
        """Base the account received (a buy) or gave (a sell)."""
        return self.qty - self.fee if self.side == BUY else self.qty


def on_the_tick(bar: Bar, inst: Instrument) -> Bar:
    """The candle with its four prices on the instrument's tick (nearest, half-even)."""
    o, h, lo, c = (inst.nearest_tick(p) for p in (bar.open, bar.high, bar.low, bar.close))
    return Bar(bar.ts, bar.interval_ms, o, h, lo, c)


def candle_path(
    bar: Bar, model: str, best_buy: Decimal | None = None, sell_stop: Decimal | None = None
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """README "Fills": open -> the nearer extreme -> the other extreme -> close (pessimistic;
    equally near: the high first; but when the low fills a resting buy (`best_buy`, the highest,
    is strictly above it) or reaches a sell stop (`sell_stop`, the highest, at or above it), the
    low first), or a fixed `ohlc` / `olhc` order."""
    o, h, lo, c = bar.open, bar.high, bar.low, bar.close
    low_first = (best_buy is not None and best_buy > lo) or (
        sell_stop is not None and sell_stop >= lo
    )
    if model == "ohlc" or (model == "pessimistic" and h - o <= o - lo and not low_first):
        return (o, h, lo, c)
    return (o, lo, h, c)


def point_ms(bar: Bar, k: int) -> int:
    """When path point k (0..3) happens: spread evenly over the candle, the close at its end.
    (README: silent; the engine's convention, stated here so a fill's time can be compared.)"""
    return bar.ts + k * bar.interval_ms // 3


def crossed(resting: list[Order], price: Decimal, going_up: bool) -> Order | None:
    """The next resting order the path fills at `price`: strictly through its limit only.
    Going up, sells lowest first, then buys; going down (or level), buys highest first, then
    sells; at one price the first placed first."""
    limits = [o for o in resting if not o.stop and o.price is not None]
    sells = [o for o in limits if o.side == SELL and (o.price or ZERO) < price]
    buys = [o for o in limits if o.side == BUY and (o.price or ZERO) > price]
    best_sell = min(sells, key=lambda o: (o.price, o.oid), default=None)
    best_buy = min(buys, key=lambda o: (-(o.price or ZERO), o.oid), default=None)
    first, then = (best_sell, best_buy) if going_up else (best_buy, best_sell)
    return first if first is not None else then


def triggered(resting: list[Order], price: Decimal) -> Order | None:
    """The next stop the path triggers at `price` (a touch triggers): sell stops from the
    highest trigger, then buy stops from the lowest; at one trigger the first placed first."""
    sells = [o for o in resting if o.stop and o.side == SELL and (o.price or ZERO) >= price]
    buys = [o for o in resting if o.stop and o.side == BUY and (o.price or ZERO) <= price]
    best_sell = min(sells, key=lambda o: (-(o.price or ZERO), o.oid), default=None)
    best_buy = min(buys, key=lambda o: (o.price or ZERO, o.oid), default=None)
    return best_sell if best_sell is not None else best_buy


@dataclass
class PaperVenue:
    """One spot account on one instrument, matched candle by candle."""

    inst: Instrument
    fees: FeeRule
    balances: dict[str, Decimal]
    fill_model: str = "pessimistic"
    on_fill: Callable[[Fill, Order], None] | None = None
    on_refused: Callable[[Order], None] | None = None  # an order refused after it rested
    fills: list[Fill] = field(default_factory=list)
    refusals: list[tuple[str, str]] = field(default_factory=list)
    last: Decimal | None = None  # the last traded price (the candle close, or the path point)
    now_ms: int = 0
    _book: list[Order] = field(default_factory=list)  # resting, fillable now
    _arriving: list[Order] = field(default_factory=list)  # placed during a walk: next candle
    _walking: bool = False
    _seq: int = 0

    # -- order entry ---------------------------------------------------------------------------

    def place_limit(self, side: str, qty: Decimal, price: Decimal, tag: str) -> Order:
        order = self._admit(side, qty, price, tag)
        if order.open:
            last = self.last
            order.taker = last is not None and (price > last if side == BUY else price < last)
            (self._arriving if self._walking else self._book).append(order)
        return order

    def place_market(self, side: str, qty: Decimal, tag: str) -> Order:
        if self.last is None:
            return self._refuse(Order(self._next(), side, qty, None, tag), "no price yet")
        price = self.inst.nearest_tick(self.last)
        order = self._admit(side, qty, price, tag)
        if order.open:
            order.price = None
            self._settle(order, price, TAKER)
        return order

    def place_stop(self, side: str, qty: Decimal, trigger: Decimal, tag: str) -> Order:
        """A stop-market order; refused when the last price is already at or through its
        trigger (it would trigger at once: that is a market order). It holds no funds."""
        order = Order(self._next(), side, qty, trigger, tag, stop=True)
        reason = self.inst.refusal(trigger, qty)
        last = self.last
        if (
            reason is None
            and last is not None
            and (trigger <= last if side == BUY else trigger >= last)
        ):
            reason = f"a {side} stop at {trigger} is through the last price {last}"
        if reason:
            return self._refuse(order, reason)
        (self._arriving if self._walking else self._book).append(order)
        return order

    def cancel(self, order: Order) -> bool:
        """Take `order` off the book now; False if it is no longer open."""
        for queue in (self._book, self._arriving):
            if order in queue:
                queue.remove(order)
                order.open = False
                return True
        return False

    def resting(self) -> list[Order]:
        return [*self._book, *self._arriving]

    # -- the candle walk -----------------------------------------------------------------------

    def walk(self, bar: Bar) -> None:
        """Fill the resting orders along the candle's path (each fill reported at once), then
        let the orders placed meanwhile rest, and record the close."""
        bar = on_the_tick(bar, self.inst)
        previous = self.last
        self._walking = True
        stops = [o.price or ZERO for o in self._book if o.stop and o.side == SELL]
        buys = [o.price or ZERO for o in self._book if not o.stop and o.side == BUY]
        path = candle_path(bar, self.fill_model, max(buys, default=None), max(stops, default=None))
        for k, price in enumerate(path):
            going_up = previous is not None and price > previous
            self.last, self.now_ms = price, point_ms(bar, k)
            while (order := triggered(self._book, price)) is not None:
                self._book.remove(order)
                at = bar.open if k == 0 else order.price or ZERO  # a gap fills at the open
                self.last = self.inst.nearest_tick(at)  # the market as the stop goes off
                self._trigger(order, self.last)
                self.last = price
            while (order := crossed(self._book, price, going_up)) is not None:
                self._book.remove(order)
                self._settle(order, order.price or ZERO, TAKER if order.taker else MAKER)
            previous = price
        self._walking = False
        self._book.extend(self._arriving)
        self._arriving.clear()
        self.last, self.now_ms = bar.close, bar.close_ms

    # -- money ---------------------------------------------------------------------------------

    def free(self, asset: str) -> Decimal:
        """What open orders leave of `asset`: a resting buy holds its value in quote (README
        "Fees": a buy locks no fee in USDT), a resting sell its quantity of base."""
        held = self.balances.get(asset, ZERO)
        for o in self.resting():
            if o.stop:
                continue  # a stop holds nothing until it triggers
            if asset == self.inst.quote and o.side == BUY and o.price is not None:
                held -= o.qty * o.price
            elif asset == self.inst.base and o.side == SELL:
                held -= o.qty
        return held

    def _admit(self, side: str, qty: Decimal, price: Decimal, tag: str) -> Order:
        order = Order(self._next(), side, qty, price, tag)
        reason = self.inst.refusal(price, qty)
        if reason is None and side == BUY and qty * price > self.free(self.inst.quote):
            reason = f"insufficient {self.inst.quote} for {qty} at {price}"
        if reason is None and side == SELL and qty > self.free(self.inst.base):
            reason = f"insufficient {self.inst.base} for {qty}"
        return self._refuse(order, reason) if reason else order

    def _trigger(self, stop: Order, price: Decimal) -> None:
        """A triggered stop is a market order: it fills at `price` as a taker if the free
        balance covers it then (it locked nothing while it rested), else it is refused and its
        owner is told at once, the market standing at `price` (README: "a triggered stop ...")."""
        if stop.side == SELL and self.free(self.inst.base) < stop.qty:
            self._refuse(stop, f"insufficient {self.inst.base} for a triggered stop")
            if self.on_refused is not None:
                self.on_refused(stop)
            return
        self._settle(stop, price, TAKER)

    def _refuse(self, order: Order, reason: str) -> Order:
        order.open, order.refused = False, reason
        self.refusals.append((order.tag, reason))
        return order

    def _settle(self, order: Order, price: Decimal, liquidity: str) -> None:
        rate = self.fees.rate(liquidity)
        base, quote, b = self.inst.base, self.inst.quote, self.balances
        value = order.qty * price
        if order.side == BUY:  # fee in the base coin: the account is credited qty - fee
            fee, coin = order.qty * rate, base
            b[quote] = b.get(quote, ZERO) - value
            b[base] = b.get(base, ZERO) + order.qty - fee
        else:  # fee in the quote coin
            fee, coin = value * rate, quote
            b[base] = b.get(base, ZERO) - order.qty
            b[quote] = b.get(quote, ZERO) + value - fee
        order.open = False
        fill = Fill(self.now_ms, order.side, price, order.qty, fee, coin, liquidity, order.tag)
        self.fills.append(fill)
        if self.on_fill is not None:
            self.on_fill(fill, order)

    def _next(self) -> int:
        self._seq += 1
        return self._seq
