"""A fleet daemon's engine runs some of the config's bots; one may leave it while it runs.

A bot leaves (`let_go`) when its fleet lease is lost (another daemon may run it now) or when
this daemon hands it back (over its fair share). It stops here at once: it gets no candle, no
update, sends nothing; its resting orders stay on the venue, with the funds they lock, for the
daemon that runs the bot next (a shared paper account: the venue stores them first, then stops
matching them here). Nothing is written for it in the journal: its state is the next holder's
to write. Bots join the other way in `traderagent.wiring.fleet_bots`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from traderagent.bus import EventBus
from traderagent.clock import Clock
from traderagent.domain.events import LogRecord
from traderagent.exchanges.ports import Exchange, PersistedBook


@runtime_checkable
class SharedAccount(Protocol):
    """A venue whose account other daemons trade too, each its own bots (the shared paper
    account): it matches only the orders of the bots this engine runs."""

    def forget(self, bot: str) -> int:
        """Stop matching `bot`'s orders here (they stay stored); how many were resting."""
        ...


class FleetEngine(Protocol):
    """What letting a bot go needs of the engine (`Engine` is one)."""

    @property
    def clock(self) -> Clock: ...

    @property
    def bus(self) -> EventBus: ...

    @property
    def exchange(self) -> Exchange: ...

    def remove_bot(self, name: str) -> bool:
        """Take bot `name` out of the engine; whether it was in."""
        ...


async def let_go(engine: FleetEngine, name: str, reason: str, *, handed_back: bool = False) -> None:
    """Bot `name` leaves `engine` (see the module doc); `reason` is logged with it. Also when
    the bot had not joined the engine yet: the venue may have adopted its orders already."""
    exchange = engine.exchange
    resting = 0
    if isinstance(exchange, SharedAccount):
        if isinstance(exchange, PersistedBook):
            # what the venue did for it is on record first (a failure changes nothing here)
            await exchange.persist(force=True)
        resting = exchange.forget(name)
    if not engine.remove_bot(name) and not resting:
        return
    level = "info" if handed_back else "critical"
    where = "handed back" if handed_back else "stopped here"
    message = f"{name} {where}: {reason}; its {resting} resting order(s) left for the next daemon"
    engine.bus.publish(LogRecord(engine.clock.now_ms(), level, message, name))
