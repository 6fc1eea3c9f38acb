"""Bybit's linear USDT perpetuals as the engine sees a perpetual venue: a bot's position is
signed (a short is negative), an opening order is budgeted by its margin at the symbol's
leverage, and the open positions' unrealised PnL is part of the account's equity (Bybit's
wallet balance holds only realised money).

The leverage is the account's for each traded symbol: set at start when the config gives one
(`exchange.leverage`), else read from the position list (Bybit lists a symbol's position,
with its leverage, even when flat). A symbol whose leverage is unknown counts at 1x: an order
is then budgeted at its whole notional, never less margin than the venue will take.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from traderagent.domain import ZERO, Position
from traderagent.exchanges.bybit.config import BybitConfig
from traderagent.exchanges.bybit.credentials import ApiCredentials
from traderagent.exchanges.bybit.exchange import BybitExchange

log = logging.getLogger("traderagent.exchanges.bybit")

UNKNOWN_LEVERAGE = Decimal(1)


class BybitLinearExchange(BybitExchange):
    """`BybitExchange` on `category: linear`, with the engine's `Perpetual` and
    `MarginAccount` ports."""

    def __init__(
        self,
        config: BybitConfig,
        credentials: ApiCredentials | None = None,
        **options: Any,
    ) -> None:
        super().__init__(config, credentials, **options)
        self._leverage: dict[str, Decimal] = {}
        self._positions: dict[str, Position] = {}  # read at start; the stream's win after

    async def use_leverage(self, symbols: Iterable[str], leverage: Decimal | None) -> None:
        """Set `leverage` on each symbol (None: keep the account's), then learn each one's
        leverage and position as the venue has them."""
        for symbol in symbols:
            if leverage is not None:
                await self.set_leverage(symbol, leverage)
            found = await self.endpoints.position_leverage(symbol)
            if found is not None:
                self._leverage[symbol] = found
            for position in await self.endpoints.positions(symbol):
                self._positions[position.symbol] = position
            log.info("bybit linear %s: leverage %sx", symbol, self.leverage_of(symbol))

    async def set_leverage(self, symbol: str, leverage: Decimal) -> None:
        await super().set_leverage(symbol, leverage)
        self._leverage[symbol] = leverage

    def leverage_of(self, symbol: str) -> Decimal:
        return self._leverage.get(symbol, UNKNOWN_LEVERAGE)

    def unrealised_pnl(self, prices: Mapping[str, Decimal]) -> Decimal:
        """The open positions' PnL at `prices`: signed quantity x (price - entry)."""
        total = ZERO
        for symbol, position in {**self._positions, **self.account.positions}.items():
            price = prices.get(symbol)
            if price is not None and position.qty:
                total += position.qty * (price - position.avg_price)
        return total
