"""One daemon's side of the fleet: its heartbeat row, its fair share of the bots, and the
leases it holds.

Every poll a member (`step`) drops the leases it lost, then takes free or expired bots up to
its fair share, `ceil(bots / live members)`, where the live members are the heartbeat rows
not yet expired (`storage.fleet.members`). A member never takes a bot whose row is live
elsewhere. One that holds more than its share (it started first, or another joined) hands the
surplus back (`surplus`; the daemon stops those bots, then `hand_back` expires their rows) and
the members below their share take them at their next poll. A member that dies stops renewing
its heartbeat and its bots' rows alike: within `ttl_s` the others count one member fewer and
its bots are free.
"""

from __future__ import annotations

import logging
import math
import secrets
from collections.abc import Iterable

from storage.database import Database
from storage.fleet import (
    MEMBER_PREFIX,
    TTL_S,
    FleetLease,
    claim,
    forget,
    member_id,
    members,
    prune_members,
)

log = logging.getLogger(__name__)

PRUNE_AFTER_TTLS = 6
"""A dead daemon's heartbeat row is deleted this many TTLs after it expired."""


class FleetMember:
    """Take free or expired bots of `bots` up to a share (`step`, called every poll), keep
    what it holds, say what it gained or lost, and hand back what is over its share."""

    def __init__(
        self,
        database: Database,
        bots: Iterable[str],
        holder: str | None = None,
        address: str = "",
        *,
        ttl_s: float = TTL_S,
        renew_s: float | None = None,
    ) -> None:
        self.database = database
        self.bots = list(bots)
        self.holder = holder or member_id()
        self.address = address
        self.ttl_s = ttl_s
        self.renew_s = renew_s
        self.leases: dict[str, FleetLease] = {}
        self.key = MEMBER_PREFIX + secrets.token_hex(8)
        self.heartbeat: FleetLease | None = None
        self.lost_reasons: dict[str, str] = {}
        """Why each bot of the last `step`'s lost ones was lost."""

    @property
    def tag(self) -> str:
        """A short token of this member (what it issues, ids, may carry it)."""
        return self.key.removeprefix(MEMBER_PREFIX)[:6]

    async def join(self) -> None:
        """Write (again, if it was lost) this member's heartbeat row, renewed like a lease."""
        if self.heartbeat is not None and await self.heartbeat.is_held():
            return
        if self.heartbeat is not None:
            await self.heartbeat.release()
        self.heartbeat = await claim(
            self.database, self.key, self.holder, self.address, ttl_s=self.ttl_s
        )
        await prune_members(self.database, int(self.ttl_s * 1000) * PRUNE_AFTER_TTLS)

    async def share(self) -> int:
        """`ceil(bots / live members)`, this one counted even before its row is written."""
        live = {m.holder for m in await members(self.database)} | {self.holder}
        return math.ceil(len(self.bots) / len(live)) if self.bots else 0

    async def step(self, limit: int | None = None) -> tuple[list[str], list[str]]:
        """(bots taken now, bots lost since the last step); at most `limit` held in all."""
        lost = [b for b, lease in self.leases.items() if not await lease.is_held()]
        self.lost_reasons = {}
        for bot in lost:
            gone = self.leases.pop(bot)
            self.lost_reasons[bot] = gone.lost_reason
            await gone.release()
        taken = []
        for bot in self.bots:
            if bot in self.leases or (limit is not None and len(self.leases) >= limit):
                continue
            lease = await claim(
                self.database,
                bot,
                self.holder,
                self.address,
                ttl_s=self.ttl_s,
                renew_s=self.renew_s,
            )
            if lease is not None:
                self.leases[bot] = lease
                taken.append(bot)
        return taken, lost

    def surplus(self, share: int) -> list[str]:
        """The bots held beyond `share` (the last of the config's order first)."""
        held = [bot for bot in self.bots if bot in self.leases]
        return held[share:][::-1]

    async def hand_back(self, bot: str) -> None:
        """Expire `bot`'s row now (its bot stopped here first): another member takes it."""
        lease = self.leases.pop(bot, None)
        if lease is not None:
            await lease.release()
            log.info("fleet: handed bot %s back (over this daemon's share)", bot)

    async def close(self) -> None:
        leases, self.leases = self.leases, {}
        for lease in leases.values():
            await lease.release()
        if self.heartbeat is not None:
            heartbeat, self.heartbeat = self.heartbeat, None
            await heartbeat.release()
            try:
                await forget(self.database, self.key, self.holder)
            except Exception as exc:  # noqa: BLE001 - an expired heartbeat counts nobody
                log.warning("fleet: heartbeat row not deleted (%s); it expires", exc)
