"""Trend following: EMA trend filter, pullback and breakout entries, ATR stops, risk sizing."""

from strategies.kinds import StrategyKind
from strategies.trend.config import TrendConfig
from strategies.trend.position import LongPosition, TrailingStop
from strategies.trend.signals import TrendSignals
from strategies.trend.strategy import TrendStrategy

KIND = StrategyKind(
    "trend",
    TrendConfig,
    TrendStrategy,
    "EMA trend filter, pullback and breakout entries, ATR stops, risk sizing",
    quiet=True,
)
"""The trend kind, as `strategies.registry` registers it."""

__all__ = ["KIND", "LongPosition", "TrailingStop", "TrendConfig", "TrendSignals", "TrendStrategy"]
