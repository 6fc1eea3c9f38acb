"""One bot runs in one place, also while it runs: the engine stops trading when a lease is lost.

The journal that holds the bots' leases (the daemon's database journal) is a `LeaseGuard`. Every
order asks it first (`Execution.place`), and every candle reads what its keep-alive last saw. A
lost lease means another process may run the bots now: nothing more is sent or written, each
bot goes to EMERGENCY with the reason, its orders are left as they are (they may be the other
process's now), and the engine stops.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from traderagent.engine.account_risk import HALTABLE
from traderagent.engine.protocols import EngineCore


@runtime_checkable
class LeaseGuard(Protocol):
    @property
    def lease_lost(self) -> str:
        """Why a lease is lost, as last seen without asking ('' while all are held)."""
        ...

    async def check_lease(self, bot: str) -> str:
        """Ask now whether `bot`'s lease is still held: '' if so, else why not."""
        ...

    @property
    def per_bot(self) -> bool:
        """Each bot's lease is its own (a fleet daemon): a lost one stops that bot only."""
        ...


class LeaseLost(Exception):
    """A bot's lease is gone: stop trading at once. The message is the reason; `bot` is
    set when only that bot's lease is gone (`LeaseGuard.per_bot`)."""

    def __init__(self, reason: str, bot: str = "") -> None:
        super().__init__(reason)
        self.bot = bot


def check_lease(guard: LeaseGuard | None) -> None:
    """LeaseLost if the keep-alive has seen a lease lost (no I/O: once per candle)."""
    if guard is not None and (lost := guard.lease_lost):
        raise LeaseLost(lost)


class StoppableEngine(EngineCore, Protocol):
    """What stopping on a lost lease needs of the engine (`Engine` is one)."""

    lease_lost: str
    finish_reason: str


async def stop_trading(engine: StoppableEngine, reason: str) -> None:
    """The lease is lost: every bot that trades goes to EMERGENCY with `reason`, its orders
    left as they are, and the engine records nothing more (`Engine.lease_lost`)."""
    if engine.lease_lost:
        return
    engine.lease_lost = engine.finish_reason = reason
    for bot in engine.bots.values():
        if bot.state in HALTABLE:
            await bot.halt(reason, keep_orders=True)
