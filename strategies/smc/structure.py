"""Market structure from confirmed swings: break of structure (BOS) and change of character.

A close above the last unbroken swing high is a bullish break: a BOS when the structure was
already bullish, a CHoCH (change of character) when it was bearish. Mirror for the lows.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal

from traderagent.domain import Candle
from traderagent.indicators import SwingDetector

Direction = Literal["bullish", "bearish"]


@dataclass(frozen=True, slots=True)
class StructureBreak:
    kind: Literal["BOS", "CHoCH"]
    direction: Direction
    level: float
    """The swing price the close went through."""
    ts: int
    """Open time of the bar that broke it."""


class MarketStructure:
    def __init__(self, left: int, right: int, memory: int = 100) -> None:
        self.swings = SwingDetector(left, right)
        self.bars: deque[Candle] = deque(maxlen=memory)
        self.swing_high: float | None = None
        self.swing_low: float | None = None
        self.bias: Direction | None = None
        self.last_break: StructureBreak | None = None

    def update(self, bar: Candle) -> StructureBreak | None:
        """One closed bar; the break it makes, if any."""
        for swing in self.swings.update(bar.high, bar.low):
            if swing.kind == "high":
                self.swing_high = swing.price
            else:
                self.swing_low = swing.price
        self.bars.append(bar)
        found: StructureBreak | None = None
        if self.swing_high is not None and bar.close > self.swing_high:
            found = self._broke("bullish", self.swing_high, bar.ts)
            self.swing_high = None  # broken: wait for the next confirmed swing high
        elif self.swing_low is not None and bar.close < self.swing_low:
            found = self._broke("bearish", self.swing_low, bar.ts)
            self.swing_low = None
        return found

    def order_block(self, direction: Direction, lookback: int = 20) -> Candle | None:
        """The last opposite candle before the impulse that just broke structure."""
        recent = list(self.bars)[-lookback - 1 : -1]  # before the breaking bar
        for bar in reversed(recent):
            bearish_bar = bar.close < bar.open
            if bearish_bar == (direction == "bullish"):
                return bar
        return None

    def _broke(self, direction: Direction, level: float, ts: int) -> StructureBreak:
        kind: Literal["BOS", "CHoCH"] = (
            "CHoCH" if self.bias is not None and self.bias != direction else "BOS"
        )
        self.bias = direction
        self.last_break = StructureBreak(kind, direction, level, ts)
        return self.last_break
