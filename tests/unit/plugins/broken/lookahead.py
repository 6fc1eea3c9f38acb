"""Broken on purpose: a cache shared by every instance remembers candles, so a later run
knows the future of an earlier point (fails the look-ahead check)."""

from __future__ import annotations

from typing import ClassVar

from base_dip import BaseDip

from traderagent.domain import Candle


class Lookahead(BaseDip):
    """Buys a dip only when the close an hour later is known to be higher."""

    seen: ClassVar[dict[int, float]] = {}  # open time -> close, for every instance (the bug)

    def wants_entry(self, candle: Candle) -> bool:
        self.seen[candle.ts] = candle.close
        later = self.seen.get(candle.ts + 60 * 60_000)
        return later is None or later > candle.close
