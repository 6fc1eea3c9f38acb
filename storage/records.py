"""Read-side values that have no domain type of their own (a bot row, a bot's position, equity)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from traderagent.domain import BotState, Position


@dataclass(frozen=True, slots=True)
class BotRecord:
    """A registered bot as journalled: what it trades, with which strategy, and its last state."""

    name: str
    symbol: str
    strategy: str
    state: BotState
    config: dict[str, Any]
    created_ms: int
    updated_ms: int


@dataclass(frozen=True, slots=True)
class PositionRecord:
    """One bot's position in one symbol, as last written."""

    bot: str
    position: Position
    updated_ms: int


@dataclass(frozen=True, slots=True)
class EquityPoint:
    """Account equity at `ts`; `bot` is None for the whole portfolio."""

    ts: int
    equity: Decimal
    bot: str | None = None
