"""The ccxt venue (`CcxtExchange`, spot) driving ccxt's own `bybit` class against the emulator.

ccxt itself speaks to a server: every REST URL of its bybit class is pointed at the emulator
(`url`), and the venue polls (`streams: false`), so `settle()` is one poll: every change the
emulator lists has reached the listener when it returns.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal

from contract_market import closes, contract_series
from contract_venues import STARTING_USDT

from traderagent.exchanges.bybit import ApiCredentials
from traderagent.exchanges.ccxt import CcxtConfig, CcxtExchange
from traderagent.exchanges.emulator import Emulator, running_emulator
from traderagent.exchanges.ports import ExchangeUpdate


class EmulatedCcxtVenue:
    """Starts the emulator and a connected ccxt venue in `start()`; `close()` stops both."""

    def __init__(self) -> None:
        self.updates: list[ExchangeUpdate] = []
        self._closes = closes()
        self._closed = 1  # the emulator's warmup closes the first candle
        self._stack = contextlib.AsyncExitStack()
        self.emulator: Emulator | None = None
        self.exchange: CcxtExchange = None  # type: ignore[assignment]  # set by start()

    async def start(self) -> None:
        emu = await self._stack.enter_async_context(
            running_emulator(contract_series(), speed=None, balances={"USDT": STARTING_USDT})
        )
        self.emulator = emu
        config = CcxtConfig(
            exchange="bybit", url=emu.rest_url, streams=False, throttle=False, poll_interval_s=60
        )
        self.exchange = CcxtExchange(config, ApiCredentials(emu.api_key, emu.api_secret))
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
