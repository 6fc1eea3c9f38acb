"""A fleet daemon's bots, kept in step with its leases while its engine runs.

Every `POLL_S` the daemon renews its heartbeat, works out its fair share of the config's bots
(`ceil(bots / live daemons)`), and then, under the engine's lock:

- a bot whose lease it lost leaves the engine (`engine.fleet.let_go`): that bot stops here,
  logged, and the daemon trades its other bots on;
- a free or expired bot, up to the share, joins it (`fleet_bots.admit_bot`): its orders and
  fills adopted from the shared paper book, reconciled before it trades;
- a bot over the share (this daemon started first, or another joined) is handed back: its
  state and the venue's book written first, then it leaves, then its lease row expires at once
  so that a daemon under its share takes it at its next poll.

The bound: a daemon that dies (SIGKILL, a lost host) renews nothing more; its bots' rows and
its heartbeat expire `ttl` after its last renewal, and each of its bots runs in another daemon
within `ttl + POLL_S` (plus that daemon's reconcile, a moment on paper).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from storage.fleet_member import FleetMember
from traderagent.config import AppConfig
from traderagent.engine.allocator import CapitalAllocator
from traderagent.engine.fleet import let_go
from traderagent.wiring.fleet_bots import admit_bot
from traderagent.wiring.runtime import Built

POLL_S = 1.0
"""How often a fleet daemon looks for bots to take (and renews its heartbeat)."""

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FleetStep:
    """What one poll changed."""

    taken: tuple[str, ...] = ()
    lost: tuple[tuple[str, str], ...] = ()
    handed_back: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()
    """Taken but not built here (logged): handed back for another daemon to try."""


class FleetRunner:
    """Keeps `built.engine`'s bots in step with `built.member`'s leases (see the module doc)."""

    def __init__(self, built: Built, config: AppConfig, poll_s: float = POLL_S) -> None:
        if built.member is None or built.allocator is None:
            raise ValueError("a fleet runner needs an engine built for a fleet")
        self.built = built
        self.member: FleetMember = built.member
        self.allocator: CapitalAllocator = built.allocator
        self.config = config
        self.poll_s = poll_s

    async def run(self) -> None:
        """Poll until cancelled; a poll that fails (the database away) is logged and retried."""
        while True:
            await asyncio.sleep(self.poll_s)
            try:
                done = await self.step()
            except Exception as err:  # noqa: BLE001 - leases expire by themselves: poll again
                _log.warning("fleet poll failed: %s: %s", type(err).__name__, err)
                continue
            self.say(done)

    async def step(self) -> FleetStep:
        engine, member = self.built.engine, self.member
        if engine.stopping:
            return FleetStep()
        await member.join()
        share = await member.share()
        taken, lost = await member.step(limit=share)
        reasons = tuple((bot, member.lost_reasons.get(bot, "")) for bot in lost)
        surplus = member.surplus(share)
        refused: list[str] = []
        async with engine.lock:
            for bot, why in reasons:
                await let_go(engine, bot, why or "its fleet lease is lost")
            for bot in taken:
                try:
                    await admit_bot(engine, self.config, bot, self.allocator, self.built.book)
                except Exception as err:  # noqa: BLE001 - never hold a lease of a bot not run
                    why = f"it could not start here: {type(err).__name__}: {err}"
                    _log.error("fleet: %s: %s", bot, why)
                    await let_go(engine, bot, why)  # nor match its orders here
                    refused.append(bot)
            if surplus:
                await engine.checkpoint(force=True)  # its state and the venue's book first
                for bot in surplus:
                    why = f"over this daemon's share of {share}"
                    await let_go(engine, bot, why, handed_back=True)
                await self.built.journal.settle()
        for bot in (*surplus, *refused):
            await member.hand_back(bot)
        admitted = tuple(bot for bot in taken if bot not in refused)
        return FleetStep(admitted, reasons, tuple(surplus), tuple(refused))

    def say(self, done: FleetStep) -> None:
        """One line per change on stdout (container logs), and in the log."""
        runs = ", ".join(self.built.engine.bots) or "no bot"
        for bot in done.taken:
            self._say(f"took over: {bot} (this daemon runs {runs})")
        for bot, why in done.lost:
            self._say(f"lost: {bot}: {why}; it stopped here (this daemon runs {runs})")
        for bot in done.handed_back:
            self._say(f"handed back: {bot} (over this daemon's share; it runs {runs})")
        for bot in done.refused:
            self._say(f"handed back: {bot} (it could not start here: see the log)")

    @staticmethod
    def _say(line: str) -> None:
        print(line, flush=True)
        _log.info("fleet: %s", line)
