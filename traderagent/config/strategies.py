"""The strategy settings a bot (or a route of the regime router) may name, by `kind`."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from strategies.dca.config import DcaConfig
from strategies.grid.config import GridConfig
from strategies.trend.config import TrendConfig

StrategyConfig = Annotated[GridConfig | DcaConfig | TrendConfig, Field(discriminator="kind")]
"""One strategy's settings, chosen by its `kind`."""
STRATEGY_KINDS = ("grid", "dca", "trend")
"""The `kind` tags of StrategyConfig (pydantic puts the tag in error locations)."""
