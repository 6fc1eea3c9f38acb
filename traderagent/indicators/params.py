"""Argument checks and array conversion shared by every indicator."""

from __future__ import annotations

import math
import operator

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def check_period(name: str, value: object, minimum: int = 1) -> int:
    """`value` as an int >= `minimum`; ValueError naming the parameter otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    try:
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}") from None
    if number < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {number}")
    return number


def check_multiplier(name: str, value: float) -> float:
    """`value` as a finite float >= 0 (a band width in standard deviations)."""
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return number


def as_prices(values: npt.ArrayLike, name: str = "values") -> FloatArray:
    """A one-dimensional, contiguous float64 array (no copy if it already is one)."""
    array = np.ascontiguousarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    return array


def as_bars(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike | None = None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """High, low (and close) as float64 arrays of one length; close defaults to an empty array."""
    h, lo = as_prices(high, "high"), as_prices(low, "low")
    c = as_prices(close, "close") if close is not None else np.empty(0, dtype=np.float64)
    sizes = {h.size, lo.size} | ({c.size} if close is not None else set())
    if len(sizes) != 1:
        raise ValueError(
            f"high, low{', close' if close is not None else ''} must have one length, "
            f"got {h.size}, {lo.size}{f', {c.size}' if close is not None else ''}"
        )
    return h, lo, c


def nan_array(size: int) -> FloatArray:
    return np.full(size, np.nan, dtype=np.float64)
