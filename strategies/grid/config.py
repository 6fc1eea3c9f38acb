"""Configuration of the grid strategy."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class GridConfig(BaseModel):
    """A spot grid: buy orders on the levels below the price, sells above, and a counter-order
    at the neighbouring level on every fill. The base for the sell levels is bought at start."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    kind: Literal["grid"] = "grid"
    """Strategy kind."""
    lower: Decimal = Field(gt=0)
    """Lowest grid level (quote currency)."""
    upper: Decimal = Field(gt=0)
    """Highest grid level (quote currency); must be above `lower`."""
    levels: int = Field(ge=2, le=1000)
    """Number of price levels, bounds included."""
    spacing: Literal["arithmetic", "geometric"] = "arithmetic"
    """Equal price steps (arithmetic) or equal percentage steps (geometric)."""
    amount_per_level: Decimal = Field(gt=0)
    """Quote amount (e.g. USDT) per grid slot; its quantity is amount / level price."""

    @model_validator(mode="after")
    def _bounds_ordered(self) -> GridConfig:
        if self.upper <= self.lower:
            raise ValueError(f"upper ({self.upper}) must be above lower ({self.lower})")
        return self
