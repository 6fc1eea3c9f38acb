"""Broken on purpose: raises on every candle once it has seen `calm` of them (the engine's
health monitor catches it: tests/integration/test_plugin_strategy_crash.py)."""

from __future__ import annotations

from typing import ClassVar

from base_dip import BaseDip

from strategies.base import StrategyContext
from traderagent.domain import Candle, Intent


class Raising(BaseDip):
    """Trades as BaseDip, then fails with an index error on every candle."""

    calm: ClassVar[int] = 120

    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.candles = 0

    def on_candle(self, candle: Candle, ctx: StrategyContext) -> list[Intent]:
        self.candles += 1
        if self.candles > self.calm:
            levels: list[float] = []
            return [levels[0]]  # type: ignore[list-item]
        return super().on_candle(candle, ctx)
