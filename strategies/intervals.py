"""Candle intervals a strategy may decide on, by name ("15m", "1h") and in epoch milliseconds."""

from __future__ import annotations

from typing import Literal, get_args

from traderagent.domain import MINUTE_MS

Interval = Literal["1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d"]
"""The bar intervals strategies understand (epoch-aligned, built from 1m candles)."""

_UNIT_MINUTES = {"m": 1, "h": 60, "d": 1440}


def interval_ms(interval: Interval) -> int:
    """Length of one bar of `interval` in milliseconds."""
    if interval not in get_args(Interval):
        raise ValueError(f"unknown interval {interval!r}")
    return int(interval[:-1]) * _UNIT_MINUTES[interval[-1]] * MINUTE_MS
