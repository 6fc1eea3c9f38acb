"""Broken on purpose: reads the wall clock (fails the purity check's import audit)."""

from __future__ import annotations

import time

from base_dip import BaseDip

from traderagent.domain import Candle


class ImpureClock(BaseDip):
    """Trades only in the first half of every wall-clock minute."""

    def wants_entry(self, candle: Candle) -> bool:
        return time.time() % 60 < 30
