"""Read-side values that have no domain type of their own (bots, positions, decisions, audit)."""

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
    market: str = "spot"
    """`spot`, or `linear` (a perpetual: its fills are a signed position)."""


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


@dataclass(frozen=True, slots=True)
class StrategyRecord:
    """The strategy a bot runs from `ts` on (the latest row is the current one)."""

    bot: str
    kind: str
    config: dict[str, Any]
    ts: int


@dataclass(frozen=True, slots=True)
class SnapshotRecord:
    """A bot's saved state; `version` counts up per bot."""

    bot: str
    version: int
    payload: dict[str, Any]
    ts: int


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One operator command: who, from where, what, on what, when, and how it ended."""

    ts: int
    actor: str
    source: str
    command: str
    target: str
    outcome: str
