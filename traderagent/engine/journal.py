"""The TradeJournal protocol: how the engine persists what happens (storage implements it)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from traderagent.domain import BotState, Fill, Order, Position


class TradeJournal(Protocol):
    async def register_bot(
        self, name: str, symbol: str, strategy: str, config: dict[str, Any], *, market: str = "spot"
    ) -> None:
        """Register (or update) a bot: what it trades on which `market` (`spot`, or `linear`
        for a perpetual, whose fills are a signed position), with which strategy."""
        ...

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

    async def close(self) -> None: ...

    # -- what recovery reads and writes ---------------------------------------------------------

    async def record_strategy(self, bot: str, kind: str, config: dict[str, Any], ts: int) -> None:
        """The bot runs strategy `kind` with `config` from `ts` on (appended, history kept)."""
        ...

    async def save_snapshot(self, bot: str, payload: dict[str, Any], ts: int) -> int:
        """Store the bot's state (JSON-able; Decimals come back as strings); returns its version."""
        ...

    async def load_snapshot(self, bot: str) -> tuple[dict[str, Any], int] | None:
        """The latest snapshot's (payload, ts), None if the bot has none."""
        ...

    async def open_orders(self, bot: str) -> Sequence[Order]:
        """The bot's orders the journal still thinks are open (every one), newest first."""
        ...

    async def orders_of(self, bot: str, *, limit: int | None = None) -> Sequence[Order]:
        """The bot's orders, newest first (every one unless `limit`)."""
        ...

    async def fills_of(self, bot: str) -> Sequence[Fill]:
        """Every fill of the bot, oldest first (the order to replay them in)."""
        ...

    async def fill_ids(self, bot: str) -> frozenset[str]: ...

    async def has_fill(self, fill_id: str) -> bool: ...

    async def position_of(self, bot: str, symbol: str) -> Position | None: ...


@runtime_checkable
class RiskStateStore(Protocol):
    """Where the account's risk state survives a restart (the database journal; a backtest's
    memory journal has none: a backtest never restarts)."""

    async def save_risk_state(self, account: str, payload: dict[str, Any], ts: int) -> None: ...

    async def load_risk_state(self, account: str) -> tuple[dict[str, Any], int] | None: ...
