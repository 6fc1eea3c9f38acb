"""What `/api/v1/fleet` says of each bot (the daemon serves it, an attached console reads it)."""

from __future__ import annotations

from pydantic import BaseModel


class FleetView(BaseModel):
    """One bot of the fleet: the daemon that holds its lease, and until when."""

    bot: str
    holder: str
    """The daemon (`host:pid:tag`; '' while no daemon has claimed the bot)."""
    host: str = ""
    """The daemon's host (a container's id under Docker)."""
    pid: int | None = None
    """The daemon's process id on that host."""
    address: str = ""
    """Its API URL ('' while it starts, or when it serves none)."""
    generation: int = 0
    """How many daemons have run the bot (one more each takeover)."""
    expires_in_ms: int = 0
    """The lease's expiry, from now (renewed every quarter of the TTL while its daemon lives)."""
    live: bool = False
    """False: its daemon stopped renewing; another one takes it over."""
    here: bool = False
    """This daemon runs it."""
    state: str = ""
    """The bot's state: this daemon's own bots as they are, the others' as their daemon last
    journalled it ('unclaimed': no daemon has taken it yet)."""
