"""Enumerations shared by every layer. String values follow Bybit V5 where one exists."""

from __future__ import annotations

from enum import StrEnum


class Side(StrEnum):
    BUY = "Buy"
    SELL = "Sell"

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(StrEnum):
    LIMIT = "Limit"
    MARKET = "Market"
    STOP_MARKET = "StopMarket"
    """A sell (buy) stop: rests untriggered at its `price` (the trigger) and becomes a market
    order when the market trades at or below (above) it. Bybit: a conditional Market order."""

    @property
    def is_stop(self) -> bool:
        return self is OrderType.STOP_MARKET


class OrderStatus(StrEnum):
    NEW = "New"
    PARTIALLY_FILLED = "PartiallyFilled"
    FILLED = "Filled"
    CANCELLED = "Cancelled"
    PARTIALLY_FILLED_CANCELLED = "PartiallyFilledCanceled"  # Bybit spot: cancelled with fills
    REJECTED = "Rejected"

    @property
    def is_open(self) -> bool:
        return self in (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)


class Liquidity(StrEnum):
    MAKER = "Maker"
    TAKER = "Taker"


class BotState(StrEnum):
    STOPPED = "STOPPED"
    STARTING = "STARTING"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    STOPPING = "STOPPING"
    EMERGENCY = "EMERGENCY"
    FINISHED = "FINISHED"
    """The replay it traded has ended: nothing more to trade until the paper account is reset."""


class TradingMode(StrEnum):
    PAPER = "PAPER"
    DEMO = "DEMO"
    LIVE = "LIVE"
    REPLAY = "REPLAY"


class Purpose(StrEnum):
    """Why an order is placed. Entry filters (SMC) and risk limits act on entries only."""

    ENTRY = "entry"
    """Opens or adds to a position."""
    COUNTER = "counter"
    """A grid counter-order at the neighbouring level after a fill."""
    TAKE_PROFIT = "take_profit"
    STOP = "stop"
    EXIT = "exit"
    """Reduces or closes a position for any other reason (wind-down, halt, regime switch)."""

    @property
    def is_entry(self) -> bool:
        return self is Purpose.ENTRY


class Regime(StrEnum):
    """Market regimes (DESIGN.md, "Market regimes and routing")."""

    TIGHT_RANGE = "TIGHT_RANGE"
    WIDE_RANGE = "WIDE_RANGE"
    QUIET_TRANSITION = "QUIET_TRANSITION"
    VOLATILE_TRANSITION = "VOLATILE_TRANSITION"
    BULL_TREND = "BULL_TREND"
    BEAR_TREND = "BEAR_TREND"
