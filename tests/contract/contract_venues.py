"""The adapters under contract, each behind the same small harness.

A harness owns one exchange, records its listener's updates, and moves its market: `step()`
closes the next candle of `contract_market` and returns once that candle's updates have been
delivered; `settle()` waits for updates already on their way (none on the paper venue, whose
listener is synchronous; the private stream's pushes for the emulator-backed Bybit client).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Protocol

from contract_market import SYMBOL, contract_series

from traderagent.domain import Candle
from traderagent.exchanges.paper import DEFAULT_INSTRUMENTS, PaperExchange
from traderagent.exchanges.ports import Exchange, ExchangeUpdate

STARTING_USDT = Decimal(10_000)


class Venue(Protocol):
    exchange: Exchange
    updates: list[ExchangeUpdate]

    def last_price(self) -> Decimal: ...

    async def start(self) -> None: ...

    async def step(self) -> None: ...

    async def settle(self) -> None: ...

    async def close(self) -> None: ...


class PaperVenue:
    """The paper exchange, fed the contract candles through `on_candle`."""

    def __init__(self) -> None:
        self._candles: list[Candle] = list(contract_series())
        self._next = 0
        self._now = self._candles[0].ts
        self.exchange = PaperExchange(
            DEFAULT_INSTRUMENTS, {"USDT": STARTING_USDT}, now_ms=lambda: self._now
        )
        self.updates: list[ExchangeUpdate] = []
        self.exchange.set_listener(self.updates.append)
        self._close_next()  # a first close, so there is a last price (the emulator's warmup)

    def last_price(self) -> Decimal:
        last = self.exchange.last_price(SYMBOL)
        assert last is not None
        return Decimal(repr(last))

    async def start(self) -> None:
        return None

    async def step(self) -> None:
        self._close_next()

    async def settle(self) -> None:
        return None

    async def close(self) -> None:
        await self.exchange.close()

    def _close_next(self) -> None:
        candle = self._candles[self._next]
        self._next += 1
        self.exchange.on_candle(candle)
        self._now = candle.close_time


VenueFactory = Callable[[], Venue]
