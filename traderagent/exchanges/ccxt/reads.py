"""Reads that survive a passing failure: a ccxt client whose read methods are retried.

A read (markets, candles, order lists, trades, balances, positions) changes nothing on the
exchange, so a network error, a 5xx, a timeout or a rate limit (ccxt's `NetworkError`s) is
retried a few times with a growing pause, each retry logged; what still fails is raised.
Writes (create, cancel, amend) are never retried here: the venue decides, by looking the
order up first. ccxt's own `maxRetriesOnFailure` would retry writes too, silently.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger("traderagent.exchanges.ccxt")

READS = frozenset(
    {
        "load_markets",
        "fetch_ohlcv",
        "fetch_open_orders",
        "fetch_closed_orders",
        "fetch_canceled_orders",
        "fetch_canceled_and_closed_orders",
        "fetch_orders",
        "fetch_my_trades",
        "fetch_balance",
        "fetch_positions",
    }
)
"""The ccxt methods retried: each only reads."""
READ_ATTEMPTS = 4
"""Tries of one read at most."""
FIRST_PAUSE_S = 0.25
"""Pause before the first retry; it doubles with each retry, up to `LONGEST_PAUSE_S`."""
LONGEST_PAUSE_S = 4.0


class RetryingReads:
    """`client` with its read methods retried on ccxt's `NetworkError`; everything else
    (writes, `has`, `markets`, `milliseconds`, ...) is the client's own."""

    def __init__(self, client: Any, network_error: type[Exception], name: str) -> None:
        object.__setattr__(self, "_client", client)
        object.__setattr__(self, "_network_error", network_error)
        object.__setattr__(self, "_name", name)

    @property
    def wrapped(self) -> Any:
        """The ccxt client itself."""
        return self._client

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self._client, attr)
        if attr in READS:
            return self._retried(attr, value)
        return value

    def __setattr__(self, attr: str, value: Any) -> None:
        setattr(self._client, attr, value)

    def _retried(self, attr: str, method: Callable[..., Awaitable[Any]]) -> Any:
        @functools.wraps(method)
        async def read(*args: Any, **kwargs: Any) -> Any:
            pause = FIRST_PAUSE_S
            for attempt in range(1, READ_ATTEMPTS + 1):
                try:
                    return await method(*args, **kwargs)
                except self._network_error as err:
                    if attempt == READ_ATTEMPTS:
                        raise
                    log.warning(
                        "%s: %s failed (%s: %s); retry %d of %d in %.2f s",
                        self._name, attr, type(err).__name__, err, attempt,
                        READ_ATTEMPTS - 1, pause,
                    )  # fmt: skip
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, LONGEST_PAUSE_S)
            raise AssertionError("unreachable")  # pragma: no cover

        return read
