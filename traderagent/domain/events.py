"""Typed events carried by the bus. Everything that happens in the engine is one of these.

An event class with `coalesce = True` may be collapsed by slow subscribers to the newest
value per `key` (prices, equity); all others are delivered one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from traderagent.domain.enums import BotState, Regime
from traderagent.domain.market import Candle
from traderagent.domain.orders import Fill, Order
from traderagent.domain.regime import RegimeReading
from traderagent.domain.values import quick_init


@quick_init
@dataclass(frozen=True, slots=True)
class Event:
    ts: int
    coalesce: ClassVar[bool] = False

    @property
    def key(self) -> str:
        return type(self).__name__


@quick_init
@dataclass(frozen=True, slots=True)
class CandleClosed(Event):
    candle: Candle
    coalesce: ClassVar[bool] = True

    @property
    def key(self) -> str:
        return f"candle:{self.candle.symbol}"


@quick_init
@dataclass(frozen=True, slots=True)
class OrderUpdated(Event):
    order: Order


@quick_init
@dataclass(frozen=True, slots=True)
class OrderFilled(Event):
    fill: Fill


@quick_init
@dataclass(frozen=True, slots=True)
class BotStateChanged(Event):
    bot: str
    old: BotState
    new: BotState
    reason: str = ""


@quick_init
@dataclass(frozen=True, slots=True)
class IntentRejected(Event):
    bot: str
    tag: str
    reason: str
    limit: str = ""
    """The risk limit or allocator rule that refused it; '' when the venue rejected it."""


@quick_init
@dataclass(frozen=True, slots=True)
class IntentResized(Event):
    """An intent placed smaller than the strategy asked: a risk limit or the allocator cut it."""

    bot: str
    tag: str
    asked: Decimal
    placed: Decimal
    reason: str
    limit: str = ""


@quick_init
@dataclass(frozen=True, slots=True)
class RiskBreached(Event):
    """A pair limit (the stop loss) or a portfolio limit (daily loss, drawdown) was crossed."""

    scope: str
    """`pair` or `portfolio`."""
    limit: str
    """The config field crossed, e.g. `max_daily_loss`."""
    value: Decimal
    threshold: Decimal
    bot: str | None
    """The bot whose limit it is; None for the account's limits (every bot is halted)."""
    reason: str


@quick_init
@dataclass(frozen=True, slots=True)
class HaltTriggered(Event):
    """Stage 3 of an emergency halt: the operator must be told."""

    bot: str
    reason: str
    cancelled_orders: int


@quick_init
@dataclass(frozen=True, slots=True)
class EquityUpdated(Event):
    equity: Decimal
    pnl: Decimal
    coalesce: ClassVar[bool] = True


@quick_init
@dataclass(frozen=True, slots=True)
class LogRecord(Event):
    level: str
    message: str
    bot: str = ""


@quick_init
@dataclass(frozen=True, slots=True)
class RegimeUpdated(Event):
    """A classifier evaluation (one per classifier bar), for panes and metrics."""

    reading: RegimeReading
    coalesce: ClassVar[bool] = True

    @property
    def key(self) -> str:
        return f"regime:{self.reading.symbol}"


@quick_init
@dataclass(frozen=True, slots=True)
class RegimeChanged(Event):
    """The confirmed regime of a symbol changed (after confirmations and dwell time)."""

    symbol: str
    old: Regime | None
    new: Regime
    reading: RegimeReading


@quick_init
@dataclass(frozen=True, slots=True)
class StrategySwitched(Event):
    """A routed bot handed over from one strategy to another."""

    bot: str
    old: str
    """Outgoing strategy kind ('' when none ran yet)."""
    new: str
    regime: Regime
    reason: str = ""


@quick_init
@dataclass(frozen=True, slots=True)
class BotTaskCrashed(Event):
    """A bot's handling of a candle or an exchange update raised: the health monitor caught
    it, and starts the bot again after `retry_in_ms` (0: it was not started again)."""

    bot: str
    error: str
    """The exception, one line: its type and message."""
    failures: int
    """Crashes counted within the health window, this one included."""
    retry_in_ms: int


@quick_init
@dataclass(frozen=True, slots=True)
class HealthCritical(Event):
    """HEALTH_CRITICAL: a bot crashed too often and is halted in EMERGENCY until acknowledged."""

    bot: str
    reason: str


@quick_init
@dataclass(frozen=True, slots=True)
class MarketDataStale(Event):
    """No candle for `symbol` for `silent_ms` (three intervals or more): its bots open
    nothing until data returns (`stale` False: it has)."""

    symbol: str
    silent_ms: int
    stale: bool = True
