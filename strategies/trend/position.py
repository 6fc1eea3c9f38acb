"""An open trend position (long, or short on a perpetual): entry, a stop that only tightens,
and a take profit, in exact prices."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

ExitReason = Literal["stop", "take_profit"]


class TrailingStop:
    """A stop level that can move up, never down (a short's: down, never up)."""

    def __init__(self, level: Decimal, short: bool = False) -> None:
        self.level = level
        self.short = short

    def tighten(self, candidate: Decimal) -> Decimal:
        """Raise the stop to `candidate` if that is higher (a short's: lower it if lower);
        return the stop in force."""
        if candidate < self.level if self.short else candidate > self.level:
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
    short: bool = False
    """A short: the stop above, the take profit below; `highest` is the lowest low."""

    def exit_on(self, low: Decimal, high: Decimal) -> ExitReason | None:
        """Which exit a closed candle triggers. The stop wins when both are inside the candle
        (the path inside a candle is unknown, so assume the worse)."""
        if self.short:
            if high >= self.stop.level:
                return "stop"
            if self.take_profit is not None and low <= self.take_profit:
                return "take_profit"
            return None
        if low <= self.stop.level:
            return "stop"
        if self.take_profit is not None and high >= self.take_profit:
            return "take_profit"
        return None

    def trail(self, high: Decimal, distance: Decimal, low: Decimal | None = None) -> Decimal:
        """After a candle: follow its high with the stop `distance` below (only upwards); a
        short follows its `low` with the stop `distance` above (only downwards)."""
        if self.short and low is not None:
            self.highest = min(self.highest, low)
            return self.stop.tighten(self.highest + distance)
        self.highest = max(self.highest, high)
        return self.stop.tighten(self.highest - distance)
