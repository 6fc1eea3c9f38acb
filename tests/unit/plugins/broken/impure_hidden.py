"""Broken on purpose: reaches the clock and a file where the import audit cannot see it
(fails the purity check's guarded run)."""

from __future__ import annotations

from datetime import datetime as clock

from base_dip import BaseDip

from traderagent.domain import Candle


class ImpureHidden(BaseDip):
    """Keeps a diary of its entries in a file, stamped with the wall clock."""

    writes_file = False

    def wants_entry(self, candle: Candle) -> bool:
        if self.writes_file:
            diary = __builtins__["open"]("diary.log", "a")  # type: ignore[index]
            diary.write(f"{candle.ts}\n")
            diary.close()
            return True
        return clock.now().second < 30


class HiddenFile(ImpureHidden):
    """The same, writing the diary without the clock."""

    writes_file = True
