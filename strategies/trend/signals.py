"""Trend entry signals on closed bars of the configured interval: EMA filter, pullback, breakout."""

from __future__ import annotations

import math
from collections import deque
from decimal import Decimal
from typing import Literal

from strategies.intervals import interval_ms
from strategies.trend.config import TrendConfig
from traderagent.domain import Candle
from traderagent.indicators import Atr, CandleAggregator, Ema

EntrySignal = Literal["pullback", "breakout", "short pullback", "breakdown"]
SHORT_SIGNALS = frozenset({"short pullback", "breakdown"})
"""The signals that open a short (a downtrend's)."""


class TrendSignals:
    """Feed every candle (1m, 5m, ...); a finished bar may yield an entry signal."""

    def __init__(self, config: TrendConfig) -> None:
        self.config = config
        self.bars = CandleAggregator(interval_ms(config.interval))
        self.fast = Ema(config.fast_ema)
        self.slow = Ema(config.slow_ema)
        self.atr = Atr(config.atr_period)
        self.highs: deque[float] = deque(maxlen=config.breakout_bars)
        self.longs = config.sides != "short"
        self.shorts = config.sides != "long"
        self.lows: deque[float] = deque(maxlen=config.breakout_bars if self.shorts else 0)
        self.bars_seen = 0
        self.last_bar: Candle | None = None

    @property
    def ready(self) -> bool:
        return self.fast.ready and self.slow.ready and self.atr.ready

    @property
    def uptrend(self) -> bool:
        return self.ready and self.fast.value > self.slow.value

    @property
    def downtrend(self) -> bool:
        return self.ready and self.fast.value < self.slow.value

    @property
    def atr_value(self) -> Decimal | None:
        """The ATR as a Decimal (None while warming up)."""
        value = self.atr.value
        return Decimal(repr(value)) if self.atr.ready and math.isfinite(value) else None

    def update(self, candle: Candle) -> EntrySignal | None:
        bar = self.bars.update(candle)
        return None if bar is None else self.on_bar(bar)

    def on_bar(self, bar: Candle) -> EntrySignal | None:
        """One closed bar: update the indicators, then test the entry rules on it."""
        was_ready = self.fast.ready
        fast_before = self.fast.value  # the line the bar pulled back to
        prior_high = max(self.highs) if len(self.highs) == self.highs.maxlen else math.inf
        shorts = self.shorts
        prior_low = min(self.lows) if shorts and len(self.lows) == self.lows.maxlen else -math.inf
        self.fast.update(bar.close)
        self.slow.update(bar.close)
        self.atr.update(bar.high, bar.low, bar.close)
        self.highs.append(bar.high)
        if shorts:
            self.lows.append(bar.low)
        self.bars_seen += 1
        self.last_bar = bar
        if shorts and self.downtrend:
            if self.config.breakout_entries and bar.close < prior_low:
                return "breakdown"
            if self.config.pullback_entries and was_ready and bar.close < fast_before <= bar.high:
                return "short pullback"
            return None
        if not self.longs or not self.uptrend:
            return None
        if self.config.breakout_entries and bar.close > prior_high:
            return "breakout"
        if self.config.pullback_entries and was_ready and bar.low <= fast_before < bar.close:
            return "pullback"
        return None

    def warmup_note(self) -> str:
        need = max(self.config.slow_ema, self.config.atr_period + 1)
        return f"warming up on {self.config.interval} bars: {min(self.bars_seen, need)}/{need}"
