"""Configuration of the grid strategy."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from strategies.intervals import Interval


class AtrBounds(BaseModel):
    """Grid bounds measured from the market when the grid opens: price +/- k x ATR."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    atr_multiple: Decimal = Field(gt=0)
    """Half-width of the range in ATRs: the grid spans price - k*ATR to price + k*ATR."""
    atr_period: int = Field(default=14, ge=1, le=500)
    """ATR period in bars of `interval`; the grid waits until that many bars have closed."""
    interval: Interval = "1h"
    """Bar interval the ATR is measured on (built from the data's candles, 1m or any interval
    that divides it, so it means the same time on 1m and 5m data)."""


class GridConfig(BaseModel):
    """A grid: buy orders on the levels below the price, sells above, and a counter-order
    at the neighbouring level on every fill. The base for the sell levels is bought at start
    (`direction: long`); short and neutral grids trade linear perpetuals."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    kind: Literal["grid"] = "grid"
    """Strategy kind."""
    direction: Literal["long", "short", "neutral"] = "long"
    """long (the default, a spot grid: buys below the price, the base for the sells above
    bought at start); short (sell-first: sells above the price open shorts, each bought back
    reduce-only one level lower; the short of the levels below the price is sold at market at
    start); neutral (nothing opened at start: buys below the price open longs, sells above it
    open shorts). Short and neutral need a linear perpetual venue (`paper.category: linear`
    with `paper.linear.long_only: false`)."""
    lower: Decimal | None = Field(default=None, gt=0)
    """Lowest grid level (quote currency); give `lower` and `upper`, or `bounds`."""
    upper: Decimal | None = Field(default=None, gt=0)
    """Highest grid level (quote currency); must be above `lower`."""
    bounds: AtrBounds | None = None
    """Instead of `lower`/`upper`: a range of k ATRs around the price when the grid opens."""
    levels: int = Field(ge=2, le=1000)
    """Number of price levels, bounds included."""
    spacing: Literal["arithmetic", "geometric"] = "arithmetic"
    """Equal price steps (arithmetic) or equal percentage steps (geometric)."""
    amount_per_level: Decimal = Field(gt=0)
    """Quote amount (e.g. USDT) per grid slot; its quantity is amount / level price."""
    range_factor: Decimal = Field(default=Decimal(1), gt=0, le=1)
    """Shrink the range around its centre (0.7 keeps the middle 70 %); 1 keeps it whole."""
    stop_outside_pct: Decimal | None = Field(default=None, gt=0, le=100)
    """Stop the grid when the price closes this many percent outside the range: below it the
    orders are cancelled and the inventory sold at market; above it the orders are cancelled."""

    @model_validator(mode="after")
    def _bounds_given_once(self) -> GridConfig:
        fixed = self.lower is not None or self.upper is not None
        if fixed and self.bounds is not None:
            raise ValueError("give either lower/upper or bounds, not both")
        if self.bounds is None:
            if self.lower is None or self.upper is None:
                raise ValueError("give lower and upper, or bounds (an ATR multiple)")
            if self.upper <= self.lower:
                raise ValueError(f"upper ({self.upper}) must be above lower ({self.lower})")
        return self
