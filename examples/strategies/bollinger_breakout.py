"""Bollinger breakout: buy when a bar closes above the upper band, ride it with a trailing stop.

A worked example of a user strategy (see docs/writing-a-strategy.md). Check it, then backtest:

    traderagent strategy check examples/strategies/bollinger_breakout.py:BollingerBreakout

The strategy is pure: it reads no clock and does no I/O; it decides from the candles, its
fills and the context the engine gives it, and returns intents as data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from strategies.base import StrategyContext
from traderagent.domain import (
    CancelOrder,
    Candle,
    Fill,
    Instrument,
    Intent,
    Order,
    OrderType,
    PlaceOrder,
    Purpose,
    Side,
)
from traderagent.indicators import Bollinger, CandleAggregator

MINUTE_MS = 60_000


class BollingerBreakout:
    """Bollinger breakout: a market buy on a close above the upper band, a stop that trails
    the lower band, out at market on a close below the middle band."""

    kind = "bollinger_breakout"

    class Config(BaseModel):
        """Settings of the Bollinger breakout strategy."""

        model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

        kind: Literal["bollinger_breakout"] = "bollinger_breakout"
        """Strategy kind."""
        bar_minutes: int = Field(default=60, ge=1, le=1440)
        """Length of the bars the bands are measured on, in minutes (built from 1m candles)."""
        period: int = Field(default=20, ge=2, le=500)
        """Bars in the bands' moving window."""
        width: float = Field(default=2.0, gt=0, le=10)
        """Band half-width in standard deviations."""
        order_quote: Decimal = Field(default=Decimal(1000), gt=0)
        """Quote amount (e.g. USDT) of each entry."""
        stop_buffer_pct: Decimal = Field(default=Decimal("0.2"), ge=0, lt=20)
        """The stop rests this many percent below the lower band."""

    def __init__(self, config: BollingerBreakout.Config, instrument: Instrument) -> None:
        self.config = config
        self.instrument = instrument
        self.bars = CandleAggregator(config.bar_minutes * MINUTE_MS)
        self.bands = Bollinger(config.period, config.width)
        self.stop_price: Decimal | None = None  # where the resting stop is
        self.serial = 0  # numbers the stop tags: a new stop never reuses a resting tag

    # -- the contract ------------------------------------------------------------------------

    def prime(self, history: Sequence[Candle]) -> None:
        for candle in history:
            bar = self.bars.update(candle)
            if bar is not None:
                self.bands.update(bar.close)

    def on_start(self, ctx: StrategyContext) -> list[Intent]:
        return self._trail(ctx) if self._held(ctx) > 0 else []

    def on_candle(self, candle: Candle, ctx: StrategyContext) -> list[Intent]:
        bar = self.bars.update(candle)
        if bar is None:
            return []
        band = self.bands.update(bar.close)
        if math.isnan(band.middle):
            return []
        if self._held(ctx) > 0:
            if bar.close < band.middle:
                return self._exit(ctx)
            return self._trail(ctx)
        if bar.close > band.upper and not ctx.live_tags:
            qty = self.instrument.floor_qty(self.config.order_quote / ctx.price)
            if self.instrument.check_order(ctx.price, qty) is None:
                return [PlaceOrder("entry", Side.BUY, qty, None, OrderType.MARKET, Purpose.ENTRY)]
        return []

    def on_fill(self, fill: Fill, order: Order, ctx: StrategyContext) -> list[Intent]:
        # any order of ours may fill, cancelled or not (a fill can cross a cancel)
        if self._held(ctx) <= 0:
            self.stop_price = None
            return [CancelOrder(tag) for tag in sorted(ctx.live_tags)]
        if fill.side is Side.BUY:
            return self._trail(ctx, again=True)
        return []

    def on_resume(self, ctx: StrategyContext) -> list[Intent]:
        return self._trail(ctx, again=True) if self._held(ctx) > 0 else []

    def wind_down(self, ctx: StrategyContext) -> list[Intent]:
        self.stop_price = None
        return [CancelOrder(tag) for tag in sorted(ctx.live_tags)]

    def describe(self) -> str:
        band = self.bands.value
        if math.isnan(band.middle):
            return "bands warming up"
        stop = f", stop {self.stop_price}" if self.stop_price is not None else ""
        return f"bands {band.lower:.2f} / {band.middle:.2f} / {band.upper:.2f}{stop}"

    # -- decisions ---------------------------------------------------------------------------

    def _trail(self, ctx: StrategyContext, *, again: bool = False) -> list[Intent]:
        """Move the stop up to the lower band (never down); `again`: place it anew for the
        whole position (after a buy, a resume or a start)."""
        lower = self.bands.value.lower
        if math.isnan(lower):
            level = ctx.price * (1 - Decimal(5) / 100)  # bands not ready: a wide stop
        else:
            level = Decimal(repr(lower)) * (1 - self.config.stop_buffer_pct / 100)
        level = min(self.instrument.round_price(level, Side.BUY), ctx.price)
        moved = self.stop_price is None or level > self.stop_price
        if not (again or moved):
            return []
        if self.stop_price is not None and level < self.stop_price:
            level = self.stop_price  # a stop only moves up
        qty = self._held(ctx)
        out: list[Intent] = [CancelOrder(t) for t in sorted(ctx.live_tags) if t.startswith("stop-")]
        if self.instrument.check_order(level, qty) is not None:
            self.stop_price = None
            return out
        self.serial += 1
        self.stop_price = level
        out.append(
            PlaceOrder(
                f"stop-{self.serial}", Side.SELL, qty, level, OrderType.STOP_MARKET, Purpose.STOP
            )
        )
        return out

    def _exit(self, ctx: StrategyContext) -> list[Intent]:
        self.stop_price = None
        out: list[Intent] = [CancelOrder(tag) for tag in sorted(ctx.live_tags)]
        qty = self._held(ctx)
        if qty > 0:
            out.append(PlaceOrder("exit", Side.SELL, qty, None, OrderType.MARKET, Purpose.EXIT))
        return out

    def _held(self, ctx: StrategyContext) -> Decimal:
        """The position it can sell: on the lot and above the venue's minimums (the fee of a
        spot buy is taken in the coin, so a sold position leaves dust: that counts as flat)."""
        qty = self.instrument.floor_qty(max(ctx.position_qty, Decimal(0)))
        return qty if self.instrument.check_order(ctx.price, qty) is None else Decimal(0)
