"""The TradeJournal protocol: how the engine persists what happens (storage implements it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol

from traderagent.domain import BotState, Fill, Order, Position


class TradeJournal(Protocol):
    async def register_bot(
        self, name: str, symbol: str, strategy: str, config: dict[str, Any]
    ) -> None: ...

    async def set_bot_state(self, name: str, state: BotState, now_ms: int) -> None: ...

    async def last_sequence(self, bot: str) -> int:
        """The highest intent sequence this bot has used (0 if none): client ids never repeat."""
        ...

    async def record_order(self, order: Order, seq: int | None = None) -> None:
        """Insert or update by client order id (written before the request leaves)."""
        ...

    async def record_fill(self, fill: Fill) -> None:
        """Insert once by fill id; a repeated fill id is ignored."""
        ...

    async def record_position(self, bot: str, position: Position, now_ms: int) -> None: ...

    async def record_equity(self, ts: int, equity: Decimal, bot: str | None = None) -> None: ...

    async def close_stale_orders(self, bot: str, reason: str, now_ms: int) -> int:
        """Mark this bot's orders still open in the journal as cancelled; returns how many."""
        ...

    async def close(self) -> None: ...
