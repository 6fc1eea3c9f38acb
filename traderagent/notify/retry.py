"""When to try a Bot API call again, and how long to wait first.

A 429 waits exactly the `retry_after` the server asked for (all requests wait: the limit is the
bot's, not one chat's). Network errors, timeouts, 5xx and 409 (another poller holds the token)
back off exponentially with jitter. A wrong token or a refused request is not repeated.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from traderagent.notify.botapi import TelegramError, TelegramRateLimited

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

log = logging.getLogger("traderagent.notify")


class Backoff:
    """Delays after consecutive failures: `base` doubling up to `cap`, each jittered to 50-100%."""

    def __init__(
        self,
        base_s: float = 0.5,
        cap_s: float = 30.0,
        jitter: Callable[[], float] = random.random,  # noqa: S311 - timing jitter, not secrets
    ) -> None:
        self.base_s = base_s
        self.cap_s = cap_s
        self.failures = 0
        self._jitter = jitter

    def delay(self, error: TelegramError) -> float:
        """How long to wait after `error` before the next attempt."""
        self.failures += 1
        if isinstance(error, TelegramRateLimited):
            return error.retry_after
        step = min(self.cap_s, self.base_s * 2.0 ** (self.failures - 1))
        return step * (0.5 + self._jitter() / 2)

    def reset(self) -> None:
        self.failures = 0


async def retrying(
    call: Callable[[], Awaitable[T]],
    *,
    what: str,
    attempts: int = 5,
    backoff: Backoff | None = None,
    sleep: Sleep = asyncio.sleep,
) -> T:
    """`call()`'s result, repeating it while its errors are retryable, `attempts` times at most.

    The last error (or the first that is not retryable) is raised.
    """
    backoff = backoff or Backoff()
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except TelegramError as error:
            if not error.retryable or attempt == attempts:
                raise
            wait = backoff.delay(error)
            log.warning("telegram: %s failed (%s); retry %d in %.1fs", what, error, attempt, wait)
            await sleep(wait)
    raise AssertionError("the loop returns or raises")  # pragma: no cover
