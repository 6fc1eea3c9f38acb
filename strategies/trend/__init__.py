"""Trend following: EMA trend filter, pullback and breakout entries, ATR stops, risk sizing."""

from strategies.trend.config import TrendConfig
from strategies.trend.position import LongPosition, TrailingStop
from strategies.trend.signals import TrendSignals
from strategies.trend.strategy import TrendStrategy

__all__ = ["LongPosition", "TrailingStop", "TrendConfig", "TrendSignals", "TrendStrategy"]
