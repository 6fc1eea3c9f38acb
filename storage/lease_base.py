"""What every bot lease is (`BotLease`) and how a refusal names the holder: the part the
SQLite (`lease`) and PostgreSQL (`lease_postgres`) leases share, apart so neither imports the
other back."""

from __future__ import annotations

import os
import socket
from abc import ABC, abstractmethod
from types import TracebackType

from storage.errors import LeaseError


def this_process() -> str:
    """How a holder is named in messages: 'process 1234 on host trader-1'."""
    return f"process {os.getpid()} on host {socket.gethostname()}"


def refused(bot: str, holder: str) -> LeaseError:
    return LeaseError(f"bot {bot} is already running in {holder}; stop it first")


class BotLease(ABC):
    """The right to run one bot; release it (or leave the `async with` block) when it stops.

    Keep a reference while the bot runs: a PostgreSQL lease that is garbage-collected loses
    its connection, and the server then frees the lock.
    """

    def __init__(self, bot: str) -> None:
        self.bot = bot
        self.released = False

    @abstractmethod
    async def _release(self) -> None: ...

    async def is_held(self) -> bool:
        """Whether this process still holds the lease (a dropped connection loses it)."""
        return not self.released

    @property
    def lost_reason(self) -> str:
        """Why the lease was lost while held, as last seen without asking ('' if it was not)."""
        return ""

    async def release(self) -> None:
        """Give the lease up. Safe to call more than once."""
        if not self.released:
            self.released = True
            await self._release()

    async def __aenter__(self) -> BotLease:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.release()
