"""A strategy that decides nothing, for tests that need a valid class to vary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from strategies.base import StrategyContext
from traderagent.domain import Candle, Fill, Intent, Order


class Quiet:
    """Decides nothing."""

    def __init__(self, config: Any, instrument: Any) -> None:
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
        return "quiet"
