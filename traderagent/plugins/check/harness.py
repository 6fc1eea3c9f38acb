"""A small, exact, synchronous stand-in for the engine that drives one strategy through candles
and records every decision it makes, for the contract kit.

It is not the paper venue: the checks compare decision streams, and need to replay what no
venue does on demand (a fill crossing a cancel), so it keeps fills simple and sure:

- the strategy is primed with the candles up to the first one it trades on, then `on_start`
  at that candle's close, then per later candle: fills of resting orders, then `on_candle`
  (`on_resume` instead, at the candle `resume_at`: a pause and a resume), and `wind_down`
  and `describe` after the last candle;
- a resting buy limit (or sell stop) fills whole at its price when a candle trades at or below
  it, a sell limit (or buy stop) when one trades at or above it; a market order fills at once
  at the decision's price; a fee of `FEE_RATE` is charged as on Bybit's spot (a buy's in the
  coin bought, so a position sold leaves dust); balances are not limited (the engine's risk
  and the venue's balance checks are not the strategy's contract);
- with `honour_wake`, a candle on which no order fills and that the strategy's `wake()`
  (`strategies.base.WakeAware`) says cannot wake it is passed over (`absorb`ed if asked), as
  the engine's fast-forward does (a tick of slack on its levels, as the engine gives);
- with `late_fills`, every order the strategy cancels fills instead, half of it (or whole when
  half is below a lot), as when a fill crosses the cancel on a real venue: the strategy gets
  `on_fill` with the order cancelled (or filled) and its fill, as the engine hands it over.

Decisions are `(step, event, intents)` with `step` the candle's index in the data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from strategies.base import Strategy, StrategyContext, Wake, wake_of
from traderagent.domain import (
    CancelAll,
    CancelOrder,
    Candle,
    Fill,
    Instrument,
    Liquidity,
    Order,
    OrderStatus,
    OrderType,
    PlaceOrder,
    Side,
)

PRIME_CANDLES = 240
"""Candles the strategy is primed with before `on_start` (fewer on short data)."""
FEE_RATE = Decimal("0.001")
"""Fee of every fill, in the coin received (the base on a buy, the quote on a sell)."""
EQUITY = Decimal(100_000)
"""Quote the run starts with (a strategy sizing by equity sizes on it)."""


@dataclass(frozen=True, slots=True)
class Decision:
    step: int
    event: str
    intents: tuple[object, ...]
    """What the strategy returned (intents, unless it broke the contract)."""


class StrategyRaised(Exception):  # noqa: N818 - names what happened, as the engine says it
    """The strategy raised while deciding `event` at candle `step`."""

    def __init__(self, step: int, event: str, error: BaseException) -> None:
        super().__init__(f"{event} at candle #{step}: {type(error).__name__}: {error}")
        self.step, self.event, self.error = step, event, error


@dataclass
class Run:
    decisions: list[Decision] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Intents the engine could not act on (a non-positive quantity, a tag already live)."""
    late_fills: int = 0
    fills: int = 0
    stepped: int = 0
    """Candles shown to `on_candle` (or `on_resume`): fewer than all when honouring `wake`."""


def prime_count(candles: int) -> int:
    return min(PRIME_CANDLES, candles // 10)


def replay(
    strategy: Strategy,
    candles: Sequence[Candle],
    instrument: Instrument,
    *,
    primed: int | None = None,
    resume_at: int | None = None,
    late_fills: bool = False,
    honour_wake: bool = False,
) -> Run:
    """Drive `strategy` through `candles`, primed with the first `primed` + 1 of them
    (default: `prime_count`; runs to compare must be given the same); StrategyRaised if one
    of its calls raises. `honour_wake`: pass over the candles the strategy's `wake()` says
    cannot wake it (and none of its orders fills on), as a fast-forwarded replay does."""
    first = prime_count(len(candles)) if primed is None else primed
    run = _Replay(strategy, instrument, late_fills)
    run.honour_wake = honour_wake
    return run.run(candles, first, resume_at)


class _Replay:
    def __init__(self, strategy: Strategy, instrument: Instrument, late_fills: bool) -> None:
        self.strategy, self.instrument, self.late = strategy, instrument, late_fills
        self.out = Run()
        self.resting: dict[str, Order] = {}  # by tag
        self.tags: frozenset[str] = frozenset()
        self.low_trigger = -math.inf  # a candle trading at or below it fills something
        self.high_trigger = math.inf
        self.pending: list[tuple[Order, Decimal, bool]] = []  # fills due: order, price, late
        self.qty = self.cash = Decimal(0)
        self.cash = EQUITY
        self.avg: Decimal | None = None
        self.price = Decimal(0)
        self.ts = self.step = self.serial = 0
        self.honour_wake = False
        self.tick = float(instrument.tick_size)

    def run(self, candles: Sequence[Candle], first: int, resume_at: int | None) -> Run:
        if first >= len(candles):
            return self.out
        self._see(candles[first], first)
        self._call("prime", lambda: self.strategy.prime(list(candles[: first + 1])))
        self._decide("start", lambda ctx: self.strategy.on_start(ctx))
        for i in range(first + 1, len(candles)):
            candle = candles[i]
            self._see(candle, i)
            fills = candle.low <= self.low_trigger or candle.high >= self.high_trigger
            if fills:
                self._match(candle)
            elif self.honour_wake and i != resume_at and self._passes_over(candle):
                continue
            self.out.stepped += 1
            if i == resume_at:
                self._decide("resume", lambda ctx: self.strategy.on_resume(ctx))
            else:
                self._decide("candle", lambda ctx, c=candle: self.strategy.on_candle(c, ctx))
        self.step = len(candles)
        self._decide("wind_down", lambda ctx: self.strategy.wind_down(ctx))
        said = self._call("describe", self.strategy.describe)
        if not isinstance(said, str) or "\n" in said:
            self.out.problems.append(f"describe() returned {said!r}, not one line of text")
        return self.out

    def _passes_over(self, candle: Candle) -> bool:
        """Whether the strategy's wake lets `candle` pass (then it is absorbed if asked)."""
        wake = self._call("wake", lambda: wake_of(self.strategy))
        if not isinstance(wake, Wake):
            return False  # None: it wants every candle
        tick = self.tick if wake.low_below != -math.inf or wake.high_above != math.inf else 0.0
        if candle.low < wake.low_below + tick or candle.high > wake.high_above - tick:
            return False
        if wake.bar_ms and candle.close_time % wake.bar_ms == 0:
            return False
        if wake.candles:
            absorb = getattr(self.strategy, "absorb", None)
            if callable(absorb):
                self._call("absorb", lambda: absorb(candle))
        return True

    def _see(self, candle: Candle, step: int) -> None:
        self.step, self.ts = step, candle.close_time
        self.price = self.instrument.market_price(candle.close)

    def _context(self) -> StrategyContext:
        return StrategyContext(
            instrument=self.instrument,
            price=self.price,
            ts=self.ts,
            live_tags=self.tags,
            position_qty=self.qty,
            position_avg_price=self.avg if self.qty else None,
            equity=self.cash + self.qty * self.price,
        )

    def _call(self, event: str, call: object) -> object:
        try:
            return call()  # type: ignore[operator]
        except Exception as err:  # the strategy's: the check reports it with where it was
            raise StrategyRaised(self.step, event, err) from err

    def _decide(self, event: str, decide: object) -> None:
        ctx = self._context()
        intents = self._call(event, lambda: decide(ctx))  # type: ignore[operator]
        if not isinstance(intents, list):
            self.out.problems.append(
                f"{event} at candle #{self.step} returned {type(intents).__name__}, not a list"
            )
            return
        if intents:
            self.out.decisions.append(Decision(self.step, event, tuple(intents)))
            self._apply(intents, event)
        while self.pending:
            order, price, late = self.pending.pop(0)
            self._fill(order, price, late)

    def _apply(self, intents: list[object], event: str) -> None:
        for intent in intents:
            if isinstance(intent, PlaceOrder):
                self._place(intent, event)
            elif isinstance(intent, CancelOrder):
                self._cancel(intent.tag)
            elif isinstance(intent, CancelAll):
                for tag in list(self.resting):
                    self._cancel(tag)
            else:
                self.out.problems.append(f"{event} at candle #{self.step}: {intent!r} is no intent")
        self._retrigger()

    def _place(self, intent: PlaceOrder, event: str) -> None:
        where = f"{event} at candle #{self.step}: {intent.tag}"
        if intent.qty <= 0:
            self.out.problems.append(f"{where} has quantity {intent.qty}")
            return
        if intent.tag in self.resting:
            self.out.problems.append(f"{where} is placed while an order of that tag rests")
            return
        if intent.type is not OrderType.MARKET and (intent.price is None or intent.price <= 0):
            self.out.problems.append(f"{where}: a {intent.type} order needs a positive price")
            return
        self.serial += 1
        order = Order(
            f"check-{self.serial}",
            self.instrument.symbol,
            intent.side,
            intent.type,
            intent.qty,
            intent.price,
            OrderStatus.NEW,
            self.ts,
            self.ts,
            tag=intent.tag,
        )
        if intent.type is OrderType.MARKET:
            self.pending.append((order, self.price, False))
        else:
            self.resting[intent.tag] = order

    def _cancel(self, tag: str) -> None:
        order = self.resting.pop(tag, None)
        if order is not None and self.late and order.price is not None:
            self.pending.append((order, order.price, True))

    def _retrigger(self) -> None:
        self.tags = frozenset(self.resting)
        low, high = -math.inf, math.inf
        for order in self.resting.values():
            level = float(order.price or 0)
            if (order.side is Side.BUY) != order.type.is_stop:
                low = max(low, level)
            else:
                high = min(high, level)
        self.low_trigger, self.high_trigger = low, high

    def _match(self, candle: Candle) -> None:
        for tag, order in list(self.resting.items()):
            if self.resting.get(tag) is not order or order.price is None:
                continue  # cancelled or replaced by a decision on an earlier fill
            level = float(order.price)
            below = (order.side is Side.BUY) != order.type.is_stop
            if (candle.low <= level) if below else (candle.high >= level):
                del self.resting[tag]
                self._retrigger()
                self._fill(order, order.price, False)
                while self.pending:
                    pending, price, late = self.pending.pop(0)
                    self._fill(pending, price, late)

    def _fill(self, order: Order, price: Decimal, late: bool) -> None:
        qty, status = order.qty, OrderStatus.FILLED
        if late:
            half = self.instrument.floor_qty(order.qty / 2)
            if half >= self.instrument.min_qty and half > 0:
                qty, status = half, OrderStatus.PARTIALLY_FILLED_CANCELLED
            self.out.late_fills += 1
        self.out.fills += 1
        self.serial += 1
        fill = Fill(
            f"fill-{self.serial}",
            order.client_order_id,
            order.symbol,
            order.side,
            price,
            qty,
            qty * FEE_RATE if order.side is Side.BUY else qty * price * FEE_RATE,
            self.instrument.base if order.side is Side.BUY else self.instrument.quote,
            Liquidity.TAKER if order.type is OrderType.MARKET else Liquidity.MAKER,
            self.ts,
            tag=order.tag,
        )
        self._book(fill)
        after = Order(
            order.client_order_id,
            order.symbol,
            order.side,
            order.type,
            order.qty,
            order.price,
            status,
            order.created_ms,
            self.ts,
            qty,
            price,
            tag=order.tag,
        )
        event = f"{'late fill' if late else 'fill'} {order.tag}"
        self._decide(event, lambda ctx: self.strategy.on_fill(fill, after, ctx))

    def _book(self, fill: Fill) -> None:
        before = self.qty
        if fill.side is Side.BUY:
            self.qty += fill.base_qty
            self.cash -= fill.notional
        else:
            self.qty -= fill.base_qty
            self.cash += fill.notional - fill.fee_value
        if fill.side is Side.BUY and before >= 0 and self.qty > 0:
            self.avg = ((self.avg or Decimal(0)) * before + fill.notional) / self.qty
        elif not self.qty:
            self.avg = None
