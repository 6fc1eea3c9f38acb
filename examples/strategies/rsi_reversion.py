"""RSI mean reversion: buy a dip when the RSI of closed bars is oversold, sell into strength.

A worked example of a user strategy (see docs/writing-a-strategy.md). Check it, then backtest:

    traderagent strategy check examples/strategies/rsi_reversion.py:RsiReversion

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
from traderagent.indicators import CandleAggregator, Rsi

MINUTE_MS = 60_000


class RsiReversion:
    """RSI mean reversion: a limit buy below an oversold bar, a take profit above the entry,
    out at market when the RSI is overbought or the stop is hit."""

    kind = "rsi_reversion"

    class Config(BaseModel):
        """Settings of the RSI mean-reversion strategy."""

        model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

        kind: Literal["rsi_reversion"] = "rsi_reversion"
        """Strategy kind."""
        bar_minutes: int = Field(default=15, ge=1, le=1440)
        """Length of the bars the RSI is measured on, in minutes (built from 1m candles)."""
        period: int = Field(default=14, ge=2, le=200)
        """RSI period in bars."""
        oversold: float = Field(default=30.0, gt=0, lt=50)
        """Buy when a bar closes with the RSI below this."""
        overbought: float = Field(default=70.0, gt=50, lt=100)
        """Sell the position at market when a bar closes with the RSI above this."""
        order_quote: Decimal = Field(default=Decimal(500), gt=0)
        """Quote amount (e.g. USDT) of each entry."""
        entry_offset_pct: Decimal = Field(default=Decimal("0.1"), ge=0, lt=10)
        """The entry buy limit rests this many percent below the oversold bar's close."""
        entry_timeout_bars: int = Field(default=4, ge=1, le=1000)
        """An entry still unfilled after this many bars is cancelled."""
        take_profit_pct: Decimal = Field(default=Decimal("1.5"), gt=0, le=100)
        """The take-profit sell rests this many percent above the average entry price."""
        stop_loss_pct: Decimal = Field(default=Decimal(3), gt=0, lt=100)
        """Sell at market when a candle closes this many percent below the entry price."""

    def __init__(self, config: RsiReversion.Config, instrument: Instrument) -> None:
        self.config = config
        self.instrument = instrument
        self.bars = CandleAggregator(config.bar_minutes * MINUTE_MS)
        self.rsi = Rsi(config.period)
        self.entry_age = 0  # bars since the resting entry was placed
        self.serial = 0  # numbers the take-profit tags: a new one never reuses a resting tag

    # -- the contract ------------------------------------------------------------------------

    def prime(self, history: Sequence[Candle]) -> None:
        for candle in history:
            self._bar(candle)

    def on_start(self, ctx: StrategyContext) -> list[Intent]:
        return self._take_profit(ctx) if self._held(ctx) > 0 else []

    def on_candle(self, candle: Candle, ctx: StrategyContext) -> list[Intent]:
        held = self._held(ctx)
        if held > 0 and ctx.position_avg_price is not None:
            floor = ctx.position_avg_price * (1 - self.config.stop_loss_pct / 100)
            if ctx.price <= floor:
                return self._exit(ctx)
        bar = self._bar(candle)
        if bar is None or math.isnan(self.rsi.value):
            return []
        if "entry" in ctx.live_tags:
            self.entry_age += 1
            return (
                [CancelOrder("entry")] if self.entry_age >= self.config.entry_timeout_bars else []
            )
        if held > 0 and self.rsi.value > self.config.overbought:
            return self._exit(ctx)
        if held <= 0 and self.rsi.value < self.config.oversold:
            return self._entry(ctx)
        return []

    def on_fill(self, fill: Fill, order: Order, ctx: StrategyContext) -> list[Intent]:
        # any order of ours may fill, cancelled or not (a fill can cross a cancel)
        if fill.side is Side.BUY:
            return self._take_profit(ctx)
        if self._held(ctx) <= 0:
            return [CancelOrder(tag) for tag in ctx.live_tags]  # flat: nothing left to sell
        return []

    def on_resume(self, ctx: StrategyContext) -> list[Intent]:
        has_tp = any(tag.startswith("tp-") for tag in ctx.live_tags)
        return self._take_profit(ctx) if self._held(ctx) > 0 and not has_tp else []

    def wind_down(self, ctx: StrategyContext) -> list[Intent]:
        return [CancelOrder(tag) for tag in sorted(ctx.live_tags)]

    def describe(self) -> str:
        rsi = "warming up" if math.isnan(self.rsi.value) else f"{self.rsi.value:.1f}"
        return f"RSI({self.config.period}) {rsi} on {self.config.bar_minutes}m bars"

    # -- decisions ---------------------------------------------------------------------------

    def _bar(self, candle: Candle) -> Candle | None:
        bar = self.bars.update(candle)
        if bar is not None:
            self.rsi.update(bar.close)
        return bar

    def _entry(self, ctx: StrategyContext) -> list[Intent]:
        price = self.instrument.round_price(
            ctx.price * (1 - self.config.entry_offset_pct / 100), Side.BUY
        )
        qty = self.instrument.floor_qty(self.config.order_quote / price)
        if self.instrument.check_order(price, qty) is not None:
            return []  # too small for the venue's minimums: nothing to do
        self.entry_age = 0
        return [PlaceOrder("entry", Side.BUY, qty, price, OrderType.LIMIT, Purpose.ENTRY)]

    def _take_profit(self, ctx: StrategyContext) -> list[Intent]:
        """(Re)place one take-profit for the whole position, above its average price."""
        avg = ctx.position_avg_price or ctx.price
        price = self.instrument.round_price(
            avg * (1 + self.config.take_profit_pct / 100), Side.SELL
        )
        qty = self._held(ctx)
        out: list[Intent] = [CancelOrder(t) for t in sorted(ctx.live_tags) if t.startswith("tp-")]
        if self.instrument.check_order(price, qty) is None:
            self.serial += 1
            out.append(
                PlaceOrder(f"tp-{self.serial}", Side.SELL, qty, price, purpose=Purpose.TAKE_PROFIT)
            )
        return out

    def _exit(self, ctx: StrategyContext) -> list[Intent]:
        qty = self._held(ctx)
        out: list[Intent] = [CancelOrder(tag) for tag in sorted(ctx.live_tags)]
        if qty > 0:
            out.append(PlaceOrder("exit", Side.SELL, qty, None, OrderType.MARKET, Purpose.EXIT))
        return out

    def _held(self, ctx: StrategyContext) -> Decimal:
        """The position it can sell: on the lot and above the venue's minimums (the fee of a
        spot buy is taken in the coin, so a sold position leaves dust: that counts as flat)."""
        qty = self.instrument.floor_qty(max(ctx.position_qty, Decimal(0)))
        return qty if self.instrument.check_order(ctx.price, qty) is None else Decimal(0)
