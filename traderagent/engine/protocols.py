"""What the engine's helper modules see of a bot and of the engine: small Protocols.

The helpers (skip, quiet, handover, health, recovery, snapshots, reload, unsure, ...) never
import `Engine` or `BotRuntime`, not even to annotate: each takes the Protocol of what it reads
or calls, here when several share it, else in its own module. `BotRuntime` and `Engine`
satisfy them structurally (mypy checks it where they are passed), so no import cycle runs
through the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from traderagent.bus import EventBus
from traderagent.clock import Clock
from traderagent.domain import BotState, Candle, Instrument, Position, RegimeReading


class BotCore(Protocol):
    """The parts of a bot every helper may read: who it is, what it trades, its state."""

    @property
    def name(self) -> str: ...

    @property
    def symbol(self) -> str: ...

    @property
    def instrument(self) -> Instrument: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def bus(self) -> EventBus: ...

    @property
    def state(self) -> BotState: ...


class HaltableBot(BotCore, Protocol):
    """A bot an account-wide halt (a risk breach, a lost lease) applies to."""

    async def halt(self, reason: str, *, keep_orders: bool = False) -> None: ...


class PositionedBot(BotCore, Protocol):
    @property
    def position(self) -> Position: ...


class EngineCore(Protocol):
    """The parts of an engine every helper may read: its clock, bus and bots."""

    @property
    def clock(self) -> Clock: ...

    @property
    def bus(self) -> EventBus: ...

    @property
    def bots(self) -> Mapping[str, HaltableBot]: ...


class RegimeSource(Protocol):
    """A per-symbol market regime classifier fed closed 1m candles."""

    def update(self, candle: Candle) -> RegimeReading | None: ...
