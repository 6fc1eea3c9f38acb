"""The Bybit client (`BybitExchange`, spot) against the emulator replaying the contract candles.

The replay stands still (`speed=None`); `step()` closes the next candle through the emulator's
test hook and then waits for a private-stream round trip, so every push the venue made for that
candle has reached the listener before the test looks.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal

from contract_market import closes, contract_series
from contract_venues import STARTING_USDT

from traderagent.exchanges.bybit import ApiCredentials, BybitConfig, BybitExchange
from traderagent.exchanges.emulator import Emulator, running_emulator
from traderagent.exchanges.ports import ExchangeUpdate


class EmulatedBybitVenue:
    """Starts the emulator and a connected client in `start()`; `close()` stops both."""

    def __init__(self, category: str = "spot") -> None:
        self.category = category
        self.updates: list[ExchangeUpdate] = []
        self._closes = closes()
        self._closed = 1  # the emulator's warmup closes the first candle
        self._stack = contextlib.AsyncExitStack()
        self.emulator: Emulator | None = None
        self.exchange: BybitExchange = None  # type: ignore[assignment]  # set by start()

    async def start(self) -> None:
        emu = await self._stack.enter_async_context(
            running_emulator(contract_series(), speed=None, balances={"USDT": STARTING_USDT})
        )
        self.emulator = emu
        config = BybitConfig(env="custom", url=emu.rest_url, category=self.category)  # type: ignore[arg-type]
        self.exchange = BybitExchange(config, ApiCredentials(emu.api_key, emu.api_secret))
        self.exchange.set_listener(self.updates.append)
        await self.exchange.connect()

    def last_price(self) -> Decimal:
        return Decimal(repr(self._closes[self._closed - 1]))

    async def step(self) -> None:
        assert self.emulator is not None
        self._closed += await self.emulator.step(1)
        await self.settle()

    async def settle(self) -> None:
        await self.exchange.catch_up()

    async def close(self) -> None:
        if self.exchange is not None:
            await self.exchange.close()
        await self._stack.aclose()
