"""RegimeConfig: every threshold, period and timing of the market regime classifier."""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from traderagent.marketdata.errors import MarketDataError
from traderagent.marketdata.resample import parse_interval


class RegimeConfig(BaseModel):
    """How the classifier turns ADX, EMA20/EMA50 and ATR% into one of six regimes.

    Entry thresholds follow DESIGN.md ("Market regimes and routing"); the ADX gaps between the
    bands are hysteresis, and a change needs `confirmations` bars in a row and `min_dwell`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    interval: str = "15m"
    """Bar length the classifier evaluates, built from 1m candles (e.g. 15m, 1h, 4h)."""
    adx_period: int = Field(default=56, ge=1)
    """Wilder period of the ADX and its DI lines, in classifier bars (56 x 15m = 14 hours: the
    hourly ADX(14) at 15-minute resolution; a 15m ADX(14) flips with every intraday swing)."""
    atr_period: int = Field(default=96, ge=1)
    """Wilder period of the ATR behind ATR%, in classifier bars (96 x 15m = one day, so the
    quiet night and busy afternoon hours do not flip TIGHT and WIDE every day)."""
    ema_fast: int = Field(default=20, ge=1)
    """Fast EMA period; a trend is bullish while EMA(fast) is above EMA(slow)."""
    ema_slow: int = Field(default=50, ge=2)
    """Slow EMA period."""
    range_adx_below: float = Field(default=18.0, gt=0)
    """ADX below this proposes a range (TIGHT or WIDE)."""
    transition_adx_from: float = Field(default=22.0, gt=0)
    """ADX from this up to the trend threshold proposes a transition; between the range bound
    and this the bar proposes nothing (hysteresis)."""
    trend_adx_above: float = Field(default=32.0, gt=0)
    """ADX above this proposes a trend (BULL or BEAR by the EMAs) when not already trending."""
    trend_exit_adx_below: float = Field(default=28.0, gt=0)
    """While trending, a bar keeps proposing the trend until ADX falls below this (hysteresis
    band of the trend threshold; equal to `trend_adx_above` for none)."""
    tight_atr_pct_below: float = Field(default=1.0, gt=0)
    """A range is TIGHT while ATR% is below this, else WIDE."""
    quiet_atr_pct_below: float = Field(default=2.0, gt=0)
    """A transition is QUIET while ATR% is below this, else VOLATILE."""
    atr_pct_band: float = Field(default=0.1, ge=0, lt=1)
    """Relative hysteresis around the ATR% thresholds: within threshold * (1 +- band) a range
    or transition keeps its current side (0 for none)."""
    trend_needs_di_agreement: bool = True
    """A trend is proposed only when +DI/-DI point the same way as the EMAs (the ADX measures
    the strength of the DI's direction); otherwise the bar proposes nothing."""
    atr_pct_horizon: str = "1h"
    """ATR% is quoted per this horizon: ATR / close * 100 * sqrt(horizon / interval), the
    square-root-of-time scaling of volatility, so the ATR% thresholds mean the same at any
    interval. Set it equal to `interval` for the plain ATR / close * 100."""
    confirmations: int = Field(default=3, ge=1)
    """Consecutive bars that must propose the same new regime before it is adopted."""
    min_dwell: str = "6h"
    """A regime stays at least this long (e.g. 30m, 4h) before another may replace it."""

    @field_validator("interval", "atr_pct_horizon", "min_dwell")
    @classmethod
    def _duration(cls, value: str) -> str:
        try:
            parse_interval(value)
        except MarketDataError as err:
            raise ValueError(str(err)) from None
        return value.strip()

    @model_validator(mode="after")
    def _ordered(self) -> RegimeConfig:
        if self.ema_fast >= self.ema_slow:
            raise ValueError(
                f"ema_fast ({self.ema_fast}) must be shorter than ema_slow ({self.ema_slow})"
            )
        bands = (
            self.range_adx_below,
            self.transition_adx_from,
            self.trend_exit_adx_below,
            self.trend_adx_above,
        )
        if list(bands) != sorted(bands):
            raise ValueError(
                "ADX thresholds must satisfy range_adx_below <= transition_adx_from <= "
                f"trend_exit_adx_below <= trend_adx_above, got {' / '.join(map(str, bands))}"
            )
        return self

    @property
    def interval_ms(self) -> int:
        return parse_interval(self.interval)

    @property
    def min_dwell_ms(self) -> int:
        return parse_interval(self.min_dwell)

    @property
    def atr_pct_scale(self) -> float:
        """Factor from ATR / close * 100 on the interval to ATR% per `atr_pct_horizon`."""
        return math.sqrt(parse_interval(self.atr_pct_horizon) / self.interval_ms)
