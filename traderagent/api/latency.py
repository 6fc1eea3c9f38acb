"""Exchange latency for /metrics: the time each venue request takes, per method.

The engine measures none, so the daemon wraps the request methods of its one exchange object
(instance attributes shadowing the class's methods): every holder of that object, the engine
and each bot, is timed, and no engine code changes. Paper requests measure the in-process
venue; Bybit ones include the network and the client's retries and rate-limit waits.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import Histogram

TIMED_METHODS = (
    "place_order",
    "cancel_order",
    "cancel_all",
    "get_order",
    "open_orders",
    "balances",
    "positions",
    "fills_since",
)
BUCKETS = (0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ExchangeLatency:
    """A histogram of exchange request durations by method, fed by `instrument`."""

    def __init__(self) -> None:
        self.histogram = Histogram(
            "traderagent_exchange_latency_seconds",
            "Time an exchange request took, by method (retries and rate-limit waits included)",
            ["method"],
            registry=None,
            buckets=BUCKETS,
        )
        for method in TIMED_METHODS:
            self.histogram.labels(method)  # every series exists from the first scrape
        self._timed_exchanges: list[object] = []

    def instrument(self, exchange: object) -> None:
        """Time `exchange`'s request methods from now on (once per exchange object)."""
        if any(timed is exchange for timed in self._timed_exchanges):
            return
        for method in TIMED_METHODS:
            original = getattr(exchange, method, None)
            if callable(original):
                setattr(exchange, method, self._timed(method, original))
        self._timed_exchanges.append(exchange)

    def _timed(
        self, method: str, call: Callable[..., Awaitable[Any]]
    ) -> Callable[..., Awaitable[Any]]:
        series = self.histogram.labels(method)

        @functools.wraps(call)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await call(*args, **kwargs)
            finally:
                series.observe(time.perf_counter() - started)

        return timed
