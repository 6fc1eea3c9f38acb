"""Swing highs and lows (fractal pivots): a bar whose high is strictly above the `left` bars
before it and the `right` bars after it is a swing high; likewise below for a swing low.

A pivot is known only `right` bars later, so the incremental detector reports it then.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from traderagent.indicators.params import BoolArray, FloatArray, as_bars, check_period


class SwingMarks(NamedTuple):
    """True at each pivot bar (aligned to the input)."""

    highs: BoolArray
    lows: BoolArray


@dataclass(frozen=True, slots=True)
class Swing:
    """A confirmed pivot: the pivot bar's 0-based position in the updates, and its price."""

    index: int
    price: float
    kind: Literal["high", "low"]


def swings(high: npt.ArrayLike, low: npt.ArrayLike, left: int, right: int) -> SwingMarks:
    """Pivot marks; the first `left` and the last `right` bars can never be marked."""
    h, lo, _ = as_bars(high, low)
    left, right = check_period("left", left), check_period("right", right)
    return SwingMarks(_pivots(h, left, right), _pivots(-lo, left, right))


def _pivots(x: FloatArray, left: int, right: int) -> BoolArray:
    marks = np.zeros(x.size, dtype=np.bool_)
    n = x.size - left - right  # bars with enough neighbours on both sides
    if n <= 0:
        return marks
    before = sliding_window_view(x, left).max(axis=1)[:n]  # before[j]: bars j .. j+left-1
    after = sliding_window_view(x, right).max(axis=1)[left + 1 :]  # bars j+left+1 ..
    centre = x[left : left + n]
    marks[left : left + n] = (centre > before) & (centre > after[:n])
    return marks


class SwingDetector:
    """Incremental pivots: `update(high, low)` returns the swings this bar confirms."""

    __slots__ = ("_count", "_highs", "_lows", "left", "right")

    def __init__(self, left: int, right: int) -> None:
        self.left = check_period("left", left)
        self.right = check_period("right", right)
        size = self.left + self.right + 1
        self._highs: deque[float] = deque(maxlen=size)
        self._lows: deque[float] = deque(maxlen=size)
        self._count = 0

    def update(self, high: float, low: float) -> list[Swing]:
        self._highs.append(high)
        self._lows.append(low)
        self._count += 1
        if self._count < self.left + self.right + 1:
            return []
        pivot = self._count - 1 - self.right
        found: list[Swing] = []
        high = self._highs[self.left]
        if sum(x >= high for x in self._highs) == 1:  # only the pivot itself reaches its high
            found.append(Swing(pivot, high, "high"))
        low = self._lows[self.left]
        if sum(x <= low for x in self._lows) == 1:
            found.append(Swing(pivot, low, "low"))
        return found
