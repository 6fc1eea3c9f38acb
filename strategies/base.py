"""The strategy protocol: pure decision logic that turns market state and fills into intents.

A strategy reads no clock and does no I/O; everything it knows arrives in a `StrategyContext`.
The same object runs live, on paper and in backtests.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from traderagent.domain import Candle, Fill, Instrument, Intent, Order, OrderType, PlaceOrder, Side
from traderagent.domain.values import quick_init


@quick_init  # built twice per stepped candle of a replay
@dataclass(frozen=True, slots=True)
class StrategyContext:
    """What the engine tells a strategy at each decision."""

    instrument: Instrument
    price: Decimal
    """Last traded / close price; at a fill, the venue's price at that moment (where a market
    order placed in reaction fills: the paper venue's last price, else the fill's price)."""
    ts: int
    """Engine time in epoch ms."""
    live_tags: AbstractSet[str] = frozenset()
    """Tags of this bot's orders resting on the exchange now (the engine passes a live,
    read-only view: a set operation on it returns a frozenset)."""
    position_qty: Decimal = Decimal(0)
    """The bot's position in the base asset (long > 0). At `on_start` a non-zero position is
    inherited (a regime switch handed it over, or recovery found it): adopt it."""
    position_avg_price: Decimal | None = None
    """Average entry price of that position."""
    equity: Decimal = Decimal(0)
    """Account equity in the quote asset (for risk-per-trade sizing)."""
    budget: Decimal | None = None
    """Quote capital this bot may still commit now: its allocator budget minus what it has
    committed already (None: no allocation limit)."""
    fee_reserve: Decimal = Decimal(0)
    """Fee rate a buy must leave room for within `budget`: the venue locks `notional x
    (1 + fee_reserve)` of quote with a buy, so a buy sized to the budget spends
    `budget / (1 + fee_reserve)`."""
    resting: Collection[Order] = ()
    """This bot's orders resting on the exchange now (a live, read-only view): at `on_start`
    after a restart, the ones recovery adopted (a stop held on the exchange, to keep)."""


class StrategyError(ValueError):
    """A strategy that cannot trade as configured on this instrument (the message says why)."""


class Strategy(Protocol):
    kind: str

    def on_start(self, ctx: StrategyContext) -> list[Intent]:
        """First decision, once a price is known."""
        ...

    def on_candle(self, candle: Candle, ctx: StrategyContext) -> list[Intent]: ...

    def on_fill(self, fill: Fill, order: Order, ctx: StrategyContext) -> list[Intent]:
        """A fill of one of this bot's orders; `order` is its state after the fill."""
        ...

    def on_resume(self, ctx: StrategyContext) -> list[Intent]:
        """After a pause: bring the orders on the exchange back to what the strategy wants."""
        ...

    def prime(self, history: Sequence[Candle]) -> None:
        """Recent closed 1m candles, oldest first, before `on_start`: indicators warm up on
        them; nothing is decided and no intent results. A regime switch primes the incoming
        strategy so it can act at once instead of waiting hours for its indicators."""
        ...

    def wind_down(self, ctx: StrategyContext) -> list[Intent]:
        """The router takes the bot away: stop opening, cancel every resting order of this
        strategy (leave nothing resting). The position is not sold; it is handed over."""
        ...

    def describe(self) -> str:
        """One line for the operator: the strategy's current state."""
        ...


def by_intent(order: PlaceOrder, price: Decimal) -> PlaceOrder:
    """A limit already through the market (a buy above `price`, a sell below it) would pay
    the taker fee: it goes as the market order it is, by intent, under the same tag. Never
    rest a buy limit above the market (a restart after the price moved). One exactly at the
    price is not through it (the venues' rule, `admission.marketable`): it rests as a maker."""
    if order.type is not OrderType.LIMIT or order.price is None:
        return order
    through = order.price > price if order.side is Side.BUY else order.price < price
    if not through:
        return order
    return PlaceOrder(
        order.tag, order.side, order.qty, None, OrderType.MARKET, order.purpose, order.reduce_only
    )


# -- quiet spans: when a strategy needs its next candle (optional) ---------------------------


@dataclass(frozen=True, slots=True)
class Wake:
    """What would make a strategy act, when none of its orders fills (its fills always reach
    it): a candle trading strictly below `low_below` or strictly above `high_above`, or the
    candle that closes a bar of `bar_ms` (epoch-aligned). A replay may skip every other candle
    without calling `on_candle`. `candles`: the skipped candles must still go to `absorb`
    (indicators warming up or following the market), although they decide nothing."""

    low_below: float = -math.inf
    high_above: float = math.inf
    bar_ms: int = 0
    """Bar interval whose closes wake the strategy (0: none)."""
    candles: bool = False


QUIET = Wake()
"""Nothing but its own fills wakes the strategy."""


class WakeAware(Protocol):
    """Optional methods of a strategy that knows which candles it can act on. A strategy
    without them is shown every candle (the safe default)."""

    def wake(self) -> Wake | None:
        """The strategy's wake condition in its current state; None: every candle."""
        ...

    def absorb(self, candle: Candle) -> None:
        """A candle the strategy's `wake` let pass: update what `on_candle` would have
        updated (it would have decided nothing). Called only when `wake().candles`."""
        ...


def wake_of(strategy: object) -> Wake | None:
    """`strategy.wake()`, or None (every candle) for a strategy that cannot tell."""
    wake: Callable[[], Wake | None] | None = getattr(strategy, "wake", None)
    return wake() if wake is not None else None


class RefusalAware(Protocol):
    """Optional method of a strategy that reacts when the venue drops one of its resting
    orders (a triggered stop the free balance cannot cover: on Bybit's spot a stop locks
    nothing, and the take profit beside it locks the base it would sell)."""

    def on_refused(self, order: Order, ctx: StrategyContext) -> list[Intent]:
        """`order` (this strategy's, accepted earlier) was refused by the venue now."""
        ...


def on_refused(strategy: object, order: Order, ctx: StrategyContext) -> list[Intent]:
    """`strategy.on_refused(order, ctx)`, or nothing for a strategy without it (its next
    candle sees the order gone)."""
    react: Callable[[Order, StrategyContext], list[Intent]] | None = getattr(
        strategy, "on_refused", None
    )
    return react(order, ctx) if react is not None else []


WAKE_MARGIN = 1e-9
"""Relative margin of a price wake: a candle a hair short of the level wakes the strategy too
(a spurious wake costs one candle stepped; a missed one would change the result)."""


def at_or_below(price: Decimal) -> float:
    """A `low_below` that wakes on every candle trading at or below `price` (compared as
    `Decimal(repr(low)) <= price`)."""
    level = float(price)
    return level + abs(level) * WAKE_MARGIN + WAKE_MARGIN


def at_or_above(price: Decimal) -> float:
    """A `high_above` that wakes on every candle trading at or above `price`."""
    level = float(price)
    return level - abs(level) * WAKE_MARGIN - WAKE_MARGIN
