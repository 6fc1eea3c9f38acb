"""Configuration of the smart-money-concepts entry filter."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from strategies.intervals import Interval


class SmcConfig(BaseModel):
    """Entries pass only near a fresh demand zone (order block or fair value gap) and not
    against the market structure. Exits, stops, take-profits and counter-orders always pass."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    interval: Interval = "15m"
    """Bar interval the structure and zones are read on (built from the data's candles, 1m or
    any interval that divides it, so it means the same time on 1m and 5m data)."""
    swing_left: int = Field(default=3, ge=1, le=50)
    """Bars left of a pivot that must be lower (highs) or higher (lows)."""
    swing_right: int = Field(default=3, ge=1, le=50)
    """Bars right of a pivot that confirm it (the swing is known this many bars later)."""
    max_distance_pct: Decimal = Field(default=Decimal("0.5"), ge=0, le=50)
    """A buy passes when its price is inside a demand zone or at most this percent above it."""
    zone_half_life: int = Field(default=48, ge=1, le=100_000)
    """Bars after which a zone's confidence has halved."""
    min_confidence: Decimal = Field(default=Decimal("0.25"), ge=0, le=1)
    """Zones below this confidence no longer count."""
    max_touches: int = Field(default=2, ge=1, le=20)
    """A zone is used up after this many touches (a bar of `interval` reaching into it after
    one that did not; counted on those bars, so the same on 1m and 5m data)."""
    min_gap_pct: Decimal = Field(default=Decimal("0.05"), ge=0, le=50)
    """Smallest fair value gap kept, in percent of price."""
    respect_structure: bool = True
    """Block buys while the last structure break is bearish (and sells while it is bullish)."""
    max_zones: int = Field(default=12, ge=1, le=200)
    """Zones remembered at most (the oldest go first)."""
