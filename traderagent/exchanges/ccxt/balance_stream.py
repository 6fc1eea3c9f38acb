"""The balances, read by REST only when they may have changed: ccxt.pro's `watch_balance`
says when, REST says what.

Where the exchange has `watch_balance` (`Capabilities.balance_stream`) and streams are on, a
task listens to it. Every push, every failure of the stream, every order request the venue
sends and every change the update poll delivers moves an epoch on. `balances()` answers the
last REST read again when the epoch has not moved since that read began, the stream has
pushed since it last (re)connected, and the read is younger than `TRUTH_S`; else it reads
REST again. So the engine's balance sync, which asks after every drain of updates, asks the
exchange only when something pushed or happened, and at least every `TRUTH_S` (the periodic
truth); without the stream, or while it is down, every call is a REST read, as before.

The pushed amounts themselves are not used: ccxt merges a push into its cached balance coin
by coin, so a coin a push leaves out (the emulator, like Binance's deltas, omits some) keeps
its old amount there; a REST read is the whole wallet.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from traderagent.domain import Balance
from traderagent.exchanges.ccxt.parse import parse_balances
from traderagent.exchanges.ccxt.session import CcxtSession
from traderagent.exchanges.ports import ExchangeError

log = logging.getLogger("traderagent.exchanges.ccxt")

TRUTH_S = 5.0
"""Longest a REST answer is given again: the balances are read at least this often."""
CLOSE_WAIT_S = 5.0


class BalanceWatch:
    """The last REST read of the balances, kept while `watch_balance` says nothing changed."""

    def __init__(
        self, session: CcxtSession, changes: Callable[[], int], truth_s: float = TRUTH_S
    ) -> None:
        self.session = session
        self.changes = changes
        """How many changes the update poll has delivered so far (each moves the epoch)."""
        self.truth_s = truth_s
        self.pushes = 0
        """Balance pushes heard."""
        self.rest_reads = 0
        self.saved = 0
        """Calls answered with the last REST read (nothing changed since)."""
        self.live = False
        """The stream has pushed since it last (re)connected."""
        self._epoch = 0
        self._cached: dict[str, Balance] | None = None
        self._cached_mark: tuple[int, int] = (-1, -1)
        self._cached_at = -float("inf")
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    @property
    def streamed(self) -> bool:
        """`watch_balance` is used on this exchange with this config."""
        return self.session.config.streams and self.session.caps.balance_stream

    def start(self) -> None:
        if self._task is None and self.streamed:
            name = f"{self.session.name}-watch_balance"
            self._task = asyncio.create_task(self.watch(), name=name)

    async def stop(self) -> None:
        self._closing = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            _, stuck = await asyncio.wait([task], timeout=CLOSE_WAIT_S)
            if stuck:
                log.warning("%s: watch_balance did not stop within %s s", self.session.name,
                            CLOSE_WAIT_S)  # fmt: skip

    def changed(self) -> None:
        """Something may have moved the balances (an order request is sent or answered)."""
        self._epoch += 1

    async def read(self) -> dict[str, Balance]:
        mark = (self._epoch, self.changes())
        fresh = time.monotonic() - self._cached_at < self.truth_s
        if self.live and self._cached is not None and mark == self._cached_mark and fresh:
            self.saved += 1
            return dict(self._cached)
        started = time.monotonic()
        try:
            answer = parse_balances(await self.session.client.fetch_balance())
        except self.session.errors.BaseError as err:
            raise ExchangeError(f"balances: {err}") from None
        self.rest_reads += 1
        self._cached, self._cached_mark, self._cached_at = dict(answer), mark, started
        return answer

    async def watch(self) -> None:
        """Move the epoch on every push; on a failure, forget the stream until it pushes."""
        delay = 1.0
        while not self._closing:
            try:
                await self.session.client.watch_balance()
            except asyncio.CancelledError:
                raise
            except Exception as err:  # noqa: BLE001 - any stream failure: REST, retry later
                self.live = False
                self._epoch += 1
                log.warning("%s: watch_balance failed (%s); balances by REST until it is back",
                            self.session.name, err)  # fmt: skip
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)
                continue
            self._epoch += 1
            self.pushes += 1
            self.live = True
            delay = 1.0
