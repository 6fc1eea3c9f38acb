"""Broken on purpose: forgets an order once it asks to cancel it, and fails on the fill that
crosses the cancel (fails the fills check)."""

from __future__ import annotations

from base_dip import BaseDip

from strategies.base import StrategyContext
from traderagent.domain import CancelOrder, Candle, Fill, Intent, Order, PlaceOrder


class UnmanagedFill(BaseDip):
    """Books each order it places by tag and drops it when it cancels."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.placed: dict[str, PlaceOrder] = {}

    def on_candle(self, candle: Candle, ctx: StrategyContext) -> list[Intent]:
        intents = super().on_candle(candle, ctx)
        for intent in intents:
            if isinstance(intent, PlaceOrder):
                self.placed[intent.tag] = intent
            elif isinstance(intent, CancelOrder):
                del self.placed[intent.tag]
        return intents

    def on_fill(self, fill: Fill, order: Order, ctx: StrategyContext) -> list[Intent]:
        if fill.side.value == "Buy":
            self.placed.pop(fill.tag)  # KeyError when the entry was cancelled: the bug
        return super().on_fill(fill, order, ctx)
