"""An open long: entry, a stop that only tightens, and a take profit, in exact prices."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

ExitReason = Literal["stop", "take_profit"]


class TrailingStop:
    """A stop level that can move up, never down."""

    def __init__(self, level: Decimal) -> None:
        self.level = level

    def tighten(self, candidate: Decimal) -> Decimal:
        """Raise the stop to `candidate` if that is higher; return the stop in force."""
        if candidate > self.level:
            self.level = candidate
        return self.level


@dataclass(slots=True)
class LongPosition:
    entry: Decimal
    stop: TrailingStop
    take_profit: Decimal | None
    highest: Decimal
    """Highest high seen since entry (the trailing stop hangs below it)."""
    atr_stop_set: bool = True
    """False while an inherited position waits for the ATR to give it a proper stop."""

    def exit_on(self, low: Decimal, high: Decimal) -> ExitReason | None:
        """Which exit a closed candle triggers. The stop wins when both are inside the candle
        (the path inside a candle is unknown, so assume the worse)."""
        if low <= self.stop.level:
            return "stop"
        if self.take_profit is not None and high >= self.take_profit:
            return "take_profit"
        return None

    def trail(self, high: Decimal, distance: Decimal) -> Decimal:
        """After a candle: follow its high with the stop `distance` below (only upwards)."""
        self.highest = max(self.highest, high)
        return self.stop.tighten(self.highest - distance)
