"""EngineAPI: the one surface that the TUI, the CLI (and later the REST API and Telegram) call.

Panes and summaries render from the immutable snapshots defined here, never from engine
internals, so a remote engine can serve the same snapshots over the wire.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from traderagent.bus import EventStream
from traderagent.domain import ZERO, BotState, Fill, Order, RegimeReading, TradingMode
from traderagent.domain.events import Event


@dataclass(frozen=True, slots=True)
class BotSnapshot:
    name: str
    symbol: str
    strategy: str
    state: BotState
    position_qty: Decimal = ZERO
    avg_price: Decimal = ZERO
    realised_pnl: Decimal = ZERO
    unrealised_pnl: Decimal = ZERO
    fees: Decimal = ZERO
    orders_placed: int = 0
    fills: int = 0
    open_orders: int = 0
    last_price: Decimal | None = None
    detail: str = ""
    state_reason: str = ""
    """Why the bot is in its state: a halt's reason names the limit and the figures."""


@dataclass(frozen=True, slots=True)
class RegimeView:
    """The market regime of one symbol and where it routes."""

    reading: RegimeReading
    route: str = ""
    """The strategy this regime routes to (e.g. 'trend follower, long'); '' when no bot routes."""


@dataclass(frozen=True, slots=True)
class EngineSnapshot:
    mode: TradingMode
    venue: str
    clock_ms: int
    equity: Decimal
    starting_equity: Decimal
    bots: tuple[BotSnapshot, ...] = ()
    open_orders: tuple[Order, ...] = ()
    recent_fills: tuple[Fill, ...] = ()
    running: bool = False
    finished: bool = False
    data_label: str = ""
    replay_progress: float | None = None
    regimes: tuple[RegimeView, ...] = ()
    venue_status: str = ""
    """What the operator should know about the venue connection ('' when all is well): a rate
    limit being waited out, a stream reconnecting, an IP ban."""

    @property
    def pnl(self) -> Decimal:
        return self.equity - self.starting_equity


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What `traderagent run --headless` prints on exit."""

    bots: tuple[BotSnapshot, ...]
    orders_placed: int
    fills: int
    fees: Decimal
    realised_pnl: Decimal
    starting_equity: Decimal
    final_equity: Decimal
    candles: int
    started_ms: int
    ended_ms: int
    reason: str
    database: str = ""


class CommandError(Exception):
    """A command the engine refused (unknown bot, illegal state change); the text says why."""


class EngineAPI(Protocol):
    def snapshot(self) -> EngineSnapshot: ...

    def events(self, kinds: tuple[type[Event], ...] = (), maxsize: int = 2_000) -> EventStream:
        """A bounded stream of bus events for a UI or client."""
        ...

    async def run(self) -> RunSummary:
        """Drive the engine until the data ends, `shutdown` is called, or it is cancelled."""
        ...

    async def start_bot(self, name: str) -> None: ...

    async def pause_bot(self, name: str) -> None: ...

    async def resume_bot(self, name: str) -> None: ...

    async def stop_bot(self, name: str) -> None: ...

    async def halt(self, name: str | None = None, reason: str = "operator") -> None:
        """Emergency halt of one bot, or of every bot when name is None."""
        ...

    async def acknowledge(self, name: str) -> None:
        """Operator acknowledges an EMERGENCY: the bot goes STOPPING -> STOPPED."""
        ...

    async def shutdown(self, cancel_orders: bool = False) -> None: ...
