"""Per-endpoint request budgets from Bybit's `X-Bapi-Limit*` headers, and the IP ban.

Bybit counts requests per UID and endpoint in a rolling one-second window and tells us the
limit, what is left and when it refills. A request that would overspend waits for the refill
instead of earning a 10006. HTTP 403 means the IP limit was breached: nothing is sent until the
ban period is over (bybit_v5.md §5: at least ten minutes).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from traderagent.exchanges.bybit.errors import IpBannedError
from traderagent.exchanges.bybit.status import Health, StatusBoard

WINDOW_MS = 1_000
BAN_MS = 600_000


@dataclass(slots=True)
class Budget:
    """What one endpoint has left, as last reported and minus what we sent since."""

    limit: int
    remaining: int
    reset_ms: int  # when the window refills; "roughly now" while budget remains
    observed_ms: int


def header_int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class RateBudgets:
    """Waits before a request that would exceed its endpoint's budget; tracks the IP ban."""

    def __init__(
        self,
        now_ms: Callable[[], int],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        status: StatusBoard | None = None,
        ban_ms: int = BAN_MS,
    ) -> None:
        self._now_ms = now_ms
        self._sleep = sleep
        self._status = status or StatusBoard(now_ms)
        self._ban_ms = ban_ms
        self._budgets: dict[str, Budget] = {}
        self.banned_until_ms = 0

    def budget(self, endpoint: str) -> Budget | None:
        return self._budgets.get(endpoint)

    async def acquire(self, endpoint: str) -> None:
        """Return when one request to `endpoint` may be sent; raise while the IP is banned."""
        now = self._now_ms()
        if now < self.banned_until_ms:
            raise IpBannedError(self._ban_message(), endpoint, self.banned_until_ms)
        if self.banned_until_ms:
            self.banned_until_ms = 0
            self._status.ok("rest", "the IP ban period is over; requests resumed")
        budget = self._budgets.get(endpoint)
        if budget is None:
            return
        if budget.remaining <= 0:
            resume = max(budget.reset_ms, budget.observed_ms + WINDOW_MS)
            if resume > now:
                self._status.report(
                    "rest",
                    Health.DEGRADED,
                    f"rate limit of {endpoint} ({budget.limit}/s) reached: "
                    f"waiting {(resume - now) / 1000:.2f} s",
                )
                await self._sleep((resume - now) / 1000)
            budget.remaining = budget.limit
            budget.observed_ms = self._now_ms()
            self._status.ok("rest")
        budget.remaining -= 1

    def observe(self, endpoint: str, headers: Mapping[str, str]) -> None:
        """Record the budget a response reports (`headers` keys are case-insensitive)."""
        limit = header_int(headers, "X-Bapi-Limit")
        remaining = header_int(headers, "X-Bapi-Limit-Status")
        if limit is None or remaining is None:
            return
        now = self._now_ms()
        reset = header_int(headers, "X-Bapi-Limit-Reset-Timestamp") or now
        self._budgets[endpoint] = Budget(limit, remaining, reset, now)

    def exhausted(self, endpoint: str, reset_ms: int | None) -> None:
        """A 10006: the budget is spent until `reset_ms` (or one window from now)."""
        now = self._now_ms()
        budget = self._budgets.get(endpoint)
        limit = budget.limit if budget is not None else 1
        self._budgets[endpoint] = Budget(limit, 0, reset_ms or now + WINDOW_MS, now)

    def ban(self, endpoint: str) -> IpBannedError:
        """An HTTP 403: pause every request for the ban period, say so, and return the error."""
        self.banned_until_ms = self._now_ms() + self._ban_ms
        message = self._ban_message()
        self._status.report("rest", Health.DOWN, message)
        return IpBannedError(message, endpoint, self.banned_until_ms)

    def _ban_message(self) -> str:
        left = max(0, self.banned_until_ms - self._now_ms()) / 1000
        return (
            "HTTP 403 from Bybit: the IP request limit was breached (or this IP is refused); "
            f"no requests are sent for {left:.0f} s more"
        )
