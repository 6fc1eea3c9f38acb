"""The files `traderagent strategy new` writes: a documented strategy and its test.

Placeholders: __TITLE__, __CLASS__, __KIND__, __MODULE__, __PATH__, __TEST__.
"""

STRATEGY = r'''"""__TITLE__: a strategy of your own (written by `traderagent strategy new`).

As written it buys a dip below the moving average and takes profit above the entry: replace
the decisions with yours. The contract (see docs/writing-a-strategy.md):

- pure: read no clock (the time is `ctx.ts`), open no file or connection, draw no unseeded
  random number; everything arrives in the config, the candles, your fills and `ctx`;
- intents as data: every method returns a list of PlaceOrder / CancelOrder / CancelAll;
- every fill managed: `on_fill` gets a fill of any order you placed, even one you cancelled
  (a fill can cross a cancel);
- every config field has a description (the docstring under it): it is the setting's help.

Check it, test it, backtest it:

    traderagent strategy check __PATH__:__CLASS__
    pytest __TEST__
"""

from __future__ import annotations

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
from traderagent.indicators import Sma


class __CLASS__:
    """__TITLE__: a limit buy 1 % below the moving average, a take profit above the entry."""

    kind = "__KIND__"
    """The name a config gives as `kind:` (the Config's `kind` literal says the same)."""

    class Config(BaseModel):
        """Settings of __CLASS__ (a config's `strategy:` block)."""

        model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

        kind: Literal["__KIND__"] = "__KIND__"
        """Strategy kind."""
        period: int = Field(default=60, ge=2, le=10_000)
        """Candles in the moving average."""
        dip_pct: Decimal = Field(default=Decimal("1"), gt=0, lt=50)
        """Buy this many percent below the moving average."""
        take_profit_pct: Decimal = Field(default=Decimal("0.8"), gt=0, le=100)
        """Sell this many percent above the average entry price."""
        order_quote: Decimal = Field(default=Decimal(500), gt=0)
        """Quote amount (e.g. USDT) of each entry."""

    def __init__(self, config: __CLASS__.Config, instrument: Instrument) -> None:
        """Raise strategies.base.StrategyError when it cannot trade so on `instrument`."""
        self.config = config
        self.instrument = instrument
        self.average = Sma(config.period)  # all state lives on the instance, never the class
        self.serial = 0  # numbers the take-profit tags: a new one never reuses a resting tag

    def prime(self, history: Sequence[Candle]) -> None:
        """Recent closed candles before `on_start`: warm the indicators up, decide nothing."""
        for candle in history:
            self.average.update(candle.close)

    def on_start(self, ctx: StrategyContext) -> list[Intent]:
        """The first decision. A position may be inherited (`ctx.position_qty`): adopt it."""
        return self._take_profit(ctx) if self._held(ctx) > 0 else []

    def on_candle(self, candle: Candle, ctx: StrategyContext) -> list[Intent]:
        """A closed candle: the main decision."""
        mean = self.average.update(candle.close)
        if not self.average.ready or self._held(ctx) > 0 or ctx.live_tags:
            return []
        price = self.instrument.round_price(
            Decimal(repr(mean)) * (1 - self.config.dip_pct / 100), Side.BUY
        )
        qty = self.instrument.floor_qty(self.config.order_quote / price)
        if price >= ctx.price or self.instrument.check_order(price, qty) is not None:
            return []
        return [PlaceOrder("entry", Side.BUY, qty, price, OrderType.LIMIT, Purpose.ENTRY)]

    def on_fill(self, fill: Fill, order: Order, ctx: StrategyContext) -> list[Intent]:
        """A fill of one of your orders (`order` after it; it may be one you cancelled)."""
        if fill.side is Side.BUY:
            return self._take_profit(ctx)
        if self._held(ctx) <= 0:
            return [CancelOrder(tag) for tag in sorted(ctx.live_tags)]
        return []

    def on_resume(self, ctx: StrategyContext) -> list[Intent]:
        """After a pause: bring the resting orders back to what you want."""
        wants_tp = self._held(ctx) > 0 and not any(t.startswith("tp-") for t in ctx.live_tags)
        return self._take_profit(ctx) if wants_tp else []

    def wind_down(self, ctx: StrategyContext) -> list[Intent]:
        """The bot is taken from you: cancel every resting order (the position is kept)."""
        return [CancelOrder(tag) for tag in sorted(ctx.live_tags)]

    def describe(self) -> str:
        """One line for the operator."""
        if not self.average.ready:
            return f"SMA({self.config.period}) warming up"
        return f"SMA({self.config.period}) {self.average.value:.2f}"

    def _take_profit(self, ctx: StrategyContext) -> list[Intent]:
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

    def _held(self, ctx: StrategyContext) -> Decimal:
        """The position it can sell: on the lot and above the venue's minimums (the fee of a
        spot buy is taken in the coin, so a sold position leaves dust: that counts as flat)."""
        qty = self.instrument.floor_qty(max(ctx.position_qty, Decimal(0)))
        return qty if self.instrument.check_order(ctx.price, qty) is None else Decimal(0)
'''

TEST = r'''"""Tests of __CLASS__ (written by `traderagent strategy new`): its decisions, and the
contract kit of `traderagent strategy check` on the bundled candles."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from strategies.base import StrategyContext
from traderagent.domain import Candle, OrderType, PlaceOrder, Side
from traderagent.exchanges.paper.instruments import DEFAULT_INSTRUMENTS
from traderagent.marketdata import load_bundled
from traderagent.plugins import load_plugin
from traderagent.plugins.check import run_checks, subject_of

SPEC = f"{Path(__file__).with_name('__MODULE__.py')}:__CLASS__"
BTCUSDT = DEFAULT_INSTRUMENTS["BTCUSDT"]


def _candle(minute: int, close: float) -> Candle:
    return Candle("BTCUSDT", minute * 60_000, close, close + 5, close - 5, close, 1.0)


def test_it_buys_a_dip_below_the_average() -> None:
    plugin = load_plugin(SPEC)
    strategy = plugin.build(plugin.config(period=10), BTCUSDT)
    strategy.prime([_candle(i, 20_000.0) for i in range(10)])
    ctx = StrategyContext(BTCUSDT, Decimal("20000"), 600_000)
    assert strategy.on_start(ctx) == []
    intents = strategy.on_candle(_candle(10, 20_000.0), ctx)
    assert len(intents) == 1
    entry = intents[0]
    assert isinstance(entry, PlaceOrder)
    assert entry.side is Side.BUY and entry.type is OrderType.LIMIT
    assert entry.price is not None and entry.price < Decimal("20000")


def test_it_passes_the_contract_kit() -> None:
    candles = list(load_bundled())[:5_000]
    subject = subject_of(SPEC, None, BTCUSDT)
    results = run_checks(subject, candles, BTCUSDT)
    failed = [r for r in results if not r.passed]
    assert not failed, failed[0].detail + " - " + failed[0].fix
    names = [r.name for r in results]
    assert names == ["config", "purity", "determinism", "look-ahead", "fills", "wake"]
'''
