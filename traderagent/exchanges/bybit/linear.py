"""Bybit's linear USDT perpetuals as the engine sees a perpetual venue: a bot's position is
signed (a short is negative), an opening order is budgeted by its margin at the symbol's
leverage, and the open positions' unrealised PnL is part of the account's equity (Bybit's
wallet balance holds only realised money).

Each position's liquidation price is Bybit's own (`liqPrice`, read at start, then as the
private stream pushes it): the TUI's liquidation band shows it as it does the paper venue's.

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
from traderagent.exchanges.bybit.parse import parse_liquidation, parse_position

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
        self._liquidation: dict[str, Decimal | None] = {}

    async def use_leverage(self, symbols: Iterable[str], leverage: Decimal | None) -> None:
        """Set `leverage` on each symbol (None: keep the account's), then learn each one's
        leverage and position as the venue has them."""
        for symbol in symbols:
            if leverage is not None:
                await self.set_leverage(symbol, leverage)
            for item in await self.endpoints.position_items(symbol):
                if item.get("symbol") != symbol:
                    continue
                if item.get("leverage"):
                    self._leverage[symbol] = Decimal(str(item["leverage"]))
                self._positions[symbol] = parse_position(item)
                self._liquidation[symbol] = parse_liquidation(item)
            log.info("bybit linear %s: leverage %sx", symbol, self.leverage_of(symbol))

    async def set_leverage(self, symbol: str, leverage: Decimal) -> None:
        await super().set_leverage(symbol, leverage)
        self._leverage[symbol] = leverage

    def leverage_of(self, symbol: str) -> Decimal:
        return self._leverage.get(symbol, UNKNOWN_LEVERAGE)

    def liquidation_price(self, symbol: str) -> Decimal | None:
        """Where Bybit liquidates `symbol`'s position (its `liqPrice`, as last pushed or
        read); None when flat or not given."""
        pushed = self.account.liquidation
        return pushed[symbol] if symbol in pushed else self._liquidation.get(symbol)

    def unrealised_pnl(self, prices: Mapping[str, Decimal]) -> Decimal:
        """The open positions' PnL at `prices`: signed quantity x (price - entry)."""
        total = ZERO
        for symbol, position in {**self._positions, **self.account.positions}.items():
            price = prices.get(symbol)
            if price is not None and position.qty:
                total += position.qty * (price - position.avg_price)
        return total
