"""Broken on purpose: returns None instead of a list after a pause (fails as intents)."""

from __future__ import annotations

from base_dip import BaseDip

from strategies.base import StrategyContext
from traderagent.domain import Intent


class BadIntents(BaseDip):
    """Forgets to return its (empty) decision on resume."""

    def on_resume(self, ctx: StrategyContext) -> list[Intent]:
        self.age = 0  # and no return: None
        return None  # type: ignore[return-value]
