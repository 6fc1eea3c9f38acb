"""Broken on purpose: an unseeded random draw decides (fails the determinism check)."""

from __future__ import annotations

import random

from base_dip import BaseDip

from traderagent.domain import Candle


class Nondeterministic(BaseDip):
    """Takes half of the dips, chosen by a coin nobody seeded."""

    def wants_entry(self, candle: Candle) -> bool:
        return random.random() < 0.5  # noqa: S311 - the bug on show
