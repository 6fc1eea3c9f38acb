"""Closed trades and profit, derived from stored fills (pure: the domain only)."""

from traderagent.ledger.closed import ClosedTrade, TradeLedger, closed_trades
from traderagent.ledger.profit import PERIODS, BotPerformance, PeriodProfit, performance, profit

__all__ = [
    "PERIODS",
    "BotPerformance",
    "ClosedTrade",
    "PeriodProfit",
    "TradeLedger",
    "closed_trades",
    "performance",
    "profit",
]
