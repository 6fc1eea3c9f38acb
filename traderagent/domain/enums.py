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


class OrderStatus(StrEnum):
    NEW = "New"
    PARTIALLY_FILLED = "PartiallyFilled"
    FILLED = "Filled"
    CANCELLED = "Cancelled"
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


class TradingMode(StrEnum):
    PAPER = "PAPER"
    DEMO = "DEMO"
    LIVE = "LIVE"
    REPLAY = "REPLAY"
