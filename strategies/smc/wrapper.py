"""`Filtered`: any strategy with its entries screened by the SMC filter.

Exits, stops, take-profits and grid counter-orders pass untouched. A blocked market entry is
dropped (the strategy decides again later); a blocked limit entry is parked and placed as soon
as the filter allows it, unless the strategy cancels or replaces its tag first.
"""

from __future__ import annotations

from collections.abc import Sequence

from strategies.base import Strategy, StrategyContext, Wake, on_refused, wake_of
from strategies.smc.filter import SmcFilter
from traderagent.domain import (
    CancelAll,
    CancelOrder,
    Candle,
    Fill,
    Intent,
    Order,
    OrderType,
    PlaceOrder,
)


class Filtered:
    def __init__(self, strategy: Strategy, smc_filter: SmcFilter) -> None:
        self.inner = strategy
        self.filter = smc_filter
        self.kind = strategy.kind
        self.parked: dict[str, PlaceOrder] = {}
        self.blocked = 0

    def on_start(self, ctx: StrategyContext) -> list[Intent]:
        self.parked.clear()
        return self._screen(self.inner.on_start(ctx), ctx)

    def on_candle(self, candle: Candle, ctx: StrategyContext) -> list[Intent]:
        self.filter.update(candle)
        intents = self._screen(self.inner.on_candle(candle, ctx), ctx)
        for tag, order in list(self.parked.items()):
            if tag not in ctx.live_tags and self.filter.allows(order, ctx):
                del self.parked[tag]
                intents.append(order)
        return intents

    def on_fill(self, fill: Fill, order: Order, ctx: StrategyContext) -> list[Intent]:
        return self._screen(self.inner.on_fill(fill, order, ctx), ctx)

    def on_refused(self, order: Order, ctx: StrategyContext) -> list[Intent]:
        return self._screen(on_refused(self.inner, order, ctx), ctx)

    def on_resume(self, ctx: StrategyContext) -> list[Intent]:
        return self._screen(self.inner.on_resume(ctx), ctx)

    def wind_down(self, ctx: StrategyContext) -> list[Intent]:
        self.parked.clear()
        return self._screen(self.inner.wind_down(ctx), ctx)

    def prime(self, history: Sequence[Candle]) -> None:
        self.inner.prime(history)
        for candle in history:
            self.filter.update(candle)

    def wake(self) -> Wake | None:
        """The inner strategy's wake, with every candle absorbed by the filter (its zones and
        structure follow the market); every candle while an entry is parked."""
        inner = wake_of(self.inner)
        if self.parked or inner is None:
            return None
        return Wake(inner.low_below, inner.high_above, inner.bar_ms, candles=True)

    def absorb(self, candle: Candle) -> None:
        self.filter.update(candle)
        inner = wake_of(self.inner)
        if inner is not None and inner.candles:
            self.inner.absorb(candle)  # type: ignore[attr-defined]

    def describe(self) -> str:
        parked = f", {len(self.parked)} entries parked" if self.parked else ""
        return f"{self.inner.describe()} | {self.filter.describe()}{parked}"

    def _screen(self, intents: list[Intent], ctx: StrategyContext) -> list[Intent]:
        passed: list[Intent] = []
        for intent in intents:
            if isinstance(intent, CancelAll):
                self.parked.clear()
            elif isinstance(intent, CancelOrder):
                self.parked.pop(intent.tag, None)
            elif self.filter.check(intent, ctx) is not None:
                self.blocked += 1
                if intent.type is OrderType.LIMIT:
                    self.parked[intent.tag] = intent
                continue
            else:
                self.parked.pop(intent.tag, None)
            passed.append(intent)
        return passed
