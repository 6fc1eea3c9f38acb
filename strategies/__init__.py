"""Pure decision logic. Imports only traderagent.domain and traderagent.indicators."""

from strategies.base import Strategy, StrategyContext, StrategyError

__all__ = ["Strategy", "StrategyContext", "StrategyError"]
