"""Grid bounds from the market: price +/- k x ATR, measured on bars of a configured interval."""

from __future__ import annotations

from decimal import Decimal

from strategies.grid.config import AtrBounds
from strategies.intervals import interval_ms
from traderagent.domain import Candle
from traderagent.indicators import Atr, CandleAggregator


class AtrRange:
    """Feeds the data's candles into an ATR on `bounds.interval` bars; `around(price)` once warm."""

    def __init__(self, bounds: AtrBounds) -> None:
        self.bounds = bounds
        self.bars = CandleAggregator(interval_ms(bounds.interval))
        self.atr = Atr(bounds.atr_period)
        self.closed = 0

    @property
    def ready(self) -> bool:
        return self.atr.ready

    @property
    def bars_needed(self) -> int:
        return self.bounds.atr_period + 1  # the first bar has no true range

    def update(self, candle: Candle) -> None:
        bar = self.bars.update(candle)
        if bar is not None:
            self.atr.update(bar.high, bar.low, bar.close)
            self.closed += 1

    def around(self, price: Decimal) -> tuple[Decimal, Decimal]:
        """The range price - k*ATR .. price + k*ATR (ATR as a Decimal of its float value)."""
        half = self.bounds.atr_multiple * Decimal(repr(self.atr.value))
        return price - half, price + half

    def describe(self) -> str:
        return (
            f"ATR({self.bounds.atr_period}) on {self.bounds.interval}: "
            f"{min(self.closed, self.bars_needed)}/{self.bars_needed} bars"
        )
