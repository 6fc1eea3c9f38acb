"""Broken on purpose: a config field without a description (fails the config check)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from strategies.base import StrategyContext
from traderagent.domain import Candle, Fill, Instrument, Intent, Order


class Undocumented:
    """Decides nothing; its config has a field nobody explained."""

    kind = "undocumented"

    class Config(BaseModel):
        model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

        kind: Literal["undocumented"] = "undocumented"
        """Strategy kind."""
        threshold: Decimal = Decimal(1)

    def __init__(self, config: Undocumented.Config, instrument: Instrument) -> None:
        self.config = config

    def prime(self, history: Sequence[Candle]) -> None:
        pass

    def on_start(self, ctx: StrategyContext) -> list[Intent]:
        return []

    def on_candle(self, candle: Candle, ctx: StrategyContext) -> list[Intent]:
        return []

    def on_fill(self, fill: Fill, order: Order, ctx: StrategyContext) -> list[Intent]:
        return []

    def on_resume(self, ctx: StrategyContext) -> list[Intent]:
        return []

    def wind_down(self, ctx: StrategyContext) -> list[Intent]:
        return []

    def describe(self) -> str:
        return "idle"
