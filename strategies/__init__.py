"""Pure decision logic. Imports only traderagent.domain (and later traderagent.indicators)."""

from strategies.base import Strategy, StrategyContext

__all__ = ["Strategy", "StrategyContext"]
