"""The engine's account: the venue's balances as last read, the symbols' last prices, and the
equity they make (valued again only when either changed)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from traderagent.domain import ZERO, Balance
from traderagent.engine.allocator import BatchLocks
from traderagent.exchanges.ports import MarginAccount


def valuation(
    balances: Mapping[str, Balance], prices: Mapping[str, Decimal], quote: str
) -> Decimal:
    """Account value in the quote asset: other assets at their last `ASSETQUOTE` price."""
    total = ZERO
    for asset, balance in balances.items():
        held = balance.total
        if asset == quote:
            total += held
        elif held:
            price = prices.get(f"{asset}{quote}")
            if price is not None:
                total += held * price
    return total


class Account:
    """Balances, prices and equity of the one venue account the engine's bots trade."""

    __slots__ = ("_equity", "balances", "batch", "margin", "prices", "quote_asset")

    def __init__(self, quote_asset: str, margin: MarginAccount | None = None) -> None:
        self.quote_asset = quote_asset
        self.margin = margin
        """A perpetual venue's account: open positions' PnL is in no balance."""
        self.balances: dict[str, Balance] = {}
        self.prices: dict[str, Decimal] = {}
        self.batch = BatchLocks()
        """Quote the buys approved since `balances` was refreshed lock (the allocator's view)."""
        self._equity: tuple[dict[str, Balance], dict[str, Decimal], Decimal] | None = None

    @property
    def equity(self) -> Decimal:
        balances, prices, cached = self.balances, self.prices, self._equity
        # read several times a step: valued again only when balances or prices changed
        if cached is not None and cached[0] is balances and cached[1] == prices:
            return cached[2]
        value = valuation(balances, prices, self.quote_asset)
        if self.margin is not None:  # perpetuals: open positions' PnL is in no balance
            value += self.margin.unrealised_pnl(prices)
        self._equity = (balances, dict(prices), value)
        return value

    def value_at(self, prices: Mapping[str, Decimal]) -> Decimal:
        """The balances valued at `prices` (`equity` is this at the last prices)."""
        value = valuation(self.balances, prices, self.quote_asset)
        return value + (self.margin.unrealised_pnl(prices) if self.margin is not None else ZERO)

    @property
    def free_quote(self) -> Decimal:
        balance, locked = self.balances.get(self.quote_asset), self.batch.locked(self.balances)
        return (balance.free if balance is not None else ZERO) - locked

    def lock_quote(self, amount: Decimal) -> None:
        self.batch.add(self.balances, amount)
