"""Configuration of the trend follower."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from strategies.intervals import Interval


class TrendConfig(BaseModel):
    """A trend follower, long only by default: EMA trend filter, pullback and breakout
    entries, ATR stop, ATR take profit and a trailing stop, sized from the risk to the stop.
    `sides: short|both` also shorts a downtrend (on a linear perpetual venue only)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    kind: Literal["trend"] = "trend"
    """Strategy kind."""
    interval: Interval = "15m"
    """Bar interval the signals are computed on (built from the data's candles, 1m or any interval
    that divides it, so it means the same time on 1m and 5m data)."""
    sides: Literal["long", "short", "both"] = "long"
    """Which trends it trades: long (an uptrend, the default), short (a downtrend: EMA fast
    below slow, entries on a pullback up to the fast EMA or a close below the lowest low of N
    bars, stop above, take profit below) or both. Shorts need a linear perpetual venue
    (`paper.category: linear` with `paper.linear.long_only: false`, or Bybit's linear)."""
    fast_ema: int = Field(default=20, ge=2, le=500)
    """Fast EMA period (bars): the pullback line; uptrend when above the slow EMA."""
    slow_ema: int = Field(default=50, ge=3, le=1000)
    """Slow EMA period (bars)."""
    pullback_entries: bool = True
    """Enter when, in an uptrend, a bar dips to the fast EMA and closes back above it."""
    breakout_entries: bool = True
    """Enter when, in an uptrend, a bar closes above the highest high of the last N bars."""
    breakout_bars: int = Field(default=20, ge=2, le=1000)
    """N: bars whose highest high a breakout must close above."""
    atr_period: int = Field(default=14, ge=1, le=500)
    """ATR period (bars) for the stop, take-profit and trailing distances."""
    stop_atr: Decimal = Field(default=Decimal(2), gt=0, le=50)
    """Initial stop: this many ATRs below the entry."""
    take_profit_atr: Decimal | None = Field(default=Decimal(4), gt=0, le=100)
    """Take profit this many ATRs above the entry; null: none (the trailing stop exits)."""
    trailing_atr: Decimal | None = Field(default=Decimal("2.5"), gt=0, le=50)
    """Trailing stop this many ATRs below the highest high since entry; it only tightens."""
    risk_per_trade: Decimal = Field(default=Decimal("0.01"), gt=0, le=Decimal("0.1"))
    """Fraction of equity lost if the initial stop is hit (0.01 = 1 %)."""
    fallback_equity: Decimal | None = Field(default=None, gt=0)
    """Equity (quote) to size from when the engine reports none; no entries without either."""
    max_notional: Decimal | None = Field(default=None, gt=0)
    """Largest entry, in quote, whatever the risk sizing says."""
    warmup_stop_pct: Decimal = Field(default=Decimal(3), gt=0, lt=100)
    """Stop for an inherited position while the ATR warms up: this percent below its entry."""

    @model_validator(mode="after")
    def _slow_above_fast(self) -> TrendConfig:
        if self.slow_ema <= self.fast_ema:
            raise ValueError(f"slow_ema ({self.slow_ema}) must be above fast_ema ({self.fast_ema})")
        if not (self.pullback_entries or self.breakout_entries):
            raise ValueError("switch on pullback_entries or breakout_entries (or both)")
        return self
