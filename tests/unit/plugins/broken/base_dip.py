"""A small correct strategy the broken ones derive from (each breaks one rule of it).

It buys 0.01 BTC with a limit 0.3 % below a close under the 30-candle mean, sells it 0.3 %
above the entry, and cancels an entry unfilled after 10 candles.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from strategies.base import StrategyContext
from traderagent.domain import (
    CancelOrder,
    Candle,
    Fill,
    Instrument,
    Intent,
    Order,
    PlaceOrder,
    Purpose,
    Side,
)
from traderagent.indicators import Sma


class BaseDip:
    """Buys dips under the mean, sells a little higher."""

    kind = "base_dip"

    class Config(BaseModel):
        """Settings."""

        model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

        kind: Literal["base_dip"] = "base_dip"
        """Strategy kind."""

    def __init__(self, config: BaseModel, instrument: Instrument) -> None:
        self.instrument = instrument
        self.mean = Sma(30)
        self.age = 0

    def prime(self, history: Sequence[Candle]) -> None:
        for candle in history:
            self.mean.update(candle.close)

    def on_start(self, ctx: StrategyContext) -> list[Intent]:
        return []

    def on_candle(self, candle: Candle, ctx: StrategyContext) -> list[Intent]:
        mean = self.mean.update(candle.close)
        if "entry" in ctx.live_tags:
            self.age += 1
            return [CancelOrder("entry")] if self.age >= 10 else []
        if self._held(ctx) > 0 or ctx.live_tags or not self.mean.ready:
            return []
        if candle.close < mean and self.wants_entry(candle):
            self.age = 0
            price = self.instrument.round_price(ctx.price * Decimal("0.997"), Side.BUY)
            return [PlaceOrder("entry", Side.BUY, Decimal("0.01"), price)]
        return []

    def wants_entry(self, candle: Candle) -> bool:
        return True

    def on_fill(self, fill: Fill, order: Order, ctx: StrategyContext) -> list[Intent]:
        if fill.side is Side.BUY and self._held(ctx) > 0 and "exit" not in ctx.live_tags:
            price = self.instrument.round_price(fill.price * Decimal("1.003"), Side.SELL)
            qty = self._held(ctx)
            return [PlaceOrder("exit", Side.SELL, qty, price, purpose=Purpose.TAKE_PROFIT)]
        return []

    def on_resume(self, ctx: StrategyContext) -> list[Intent]:
        return []

    def wind_down(self, ctx: StrategyContext) -> list[Intent]:
        return [CancelOrder(tag) for tag in sorted(ctx.live_tags)]

    def describe(self) -> str:
        return f"mean {self.mean.value:.2f}"

    def _held(self, ctx: StrategyContext) -> Decimal:
        """The position it can sell: on the lot and above the venue's minimums (the fee of a
        spot buy is taken in the coin, so a sold position leaves dust: that counts as flat)."""
        qty = self.instrument.floor_qty(max(ctx.position_qty, Decimal(0)))
        return qty if self.instrument.check_order(ctx.price, qty) is None else Decimal(0)
