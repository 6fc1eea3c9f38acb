"""Broken on purpose: its quiet-span hint says only its fills wake it, yet it opens on candles
(fails the wake check: a fast-forwarded backtest would never see it enter)."""

from __future__ import annotations

from base_dip import BaseDip

from strategies.base import QUIET, Wake


class LyingWake(BaseDip):
    """Claims to sleep between fills."""

    def wake(self) -> Wake | None:
        return QUIET
