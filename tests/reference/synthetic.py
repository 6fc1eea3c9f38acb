"""Generated BTCUSDT-like candles with fixed seeds: gaps, float noise and 5m bars.

Written as CSV text so the engine (its own loader) and the reference (its own reader) read the
very same file. Prices are on the 0.01 tick unless `noise` puts closes one ulp off it.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

MINUTE_MS = 60_000
START_MS = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp() * 1000)


def random_walk(n: int, seed: int, start: float = 22_000.0) -> list[list[float]]:
    """n one-minute candles [ts, open, high, low, close] of a seeded random walk."""
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0, 0.0009, n) + 0.00006 * np.sin(np.arange(n) / 500.0)
    wicks = np.abs(rng.normal(0.0, 0.0006, (n, 2)))
    rows, price = [], start
    for i in range(n):
        close = round(price * math.exp(float(steps[i])), 2)
        o = price
        high = round(max(o, close) * (1 + float(wicks[i, 0])), 2)
        low = round(min(o, close) * (1 - float(wicks[i, 1])), 2)
        rows.append([START_MS + i * MINUTE_MS, o, high, low, close])
        price = close
    return rows


def with_gaps(rows: list[list[float]], seed: int, count: int = 6) -> list[list[float]]:
    """`rows` with `count` spans of 5 to 90 missing candles."""
    rng = np.random.default_rng(seed)
    drop: set[int] = set()
    for start in rng.integers(100, len(rows) - 100, count):
        drop.update(range(int(start), int(start) + int(rng.integers(5, 90))))
    return [r for i, r in enumerate(rows) if i not in drop]


def with_noise(rows: list[list[float]], seed: int, share: float = 0.3) -> list[list[float]]:
    """`rows` with a `share` of closes (and the next opens) moved one ulp off the tick, as
    float-typed exports write them; highs and lows widened to keep the candle valid."""
    rng = np.random.default_rng(seed)
    out = [list(r) for r in rows]
    for i in range(len(out)):
        if i == 0 or rng.random() < share:  # the first close too: strategies start on it
            direction = math.inf if rng.random() < 0.5 else -math.inf
            close = math.nextafter(out[i][4], direction)
            out[i][4] = close
            out[i][2], out[i][3] = max(out[i][2], close), min(out[i][3], close)
    return out


def resample(rows: list[list[float]], minutes: int) -> list[list[float]]:
    """Candles of `minutes` minutes (epoch-aligned) from one-minute ones."""
    span = minutes * MINUTE_MS
    bars: dict[int, list[float]] = {}
    for ts, o, h, lo, c in rows:
        key = int(ts) // span * span
        bar = bars.get(key)
        if bar is None:
            bars[key] = [key, o, h, lo, c]
        else:
            bar[2], bar[3], bar[4] = max(bar[2], h), min(bar[3], lo), c
    return [bars[k] for k in sorted(bars)]


def write_csv(rows: list[list[float]], path: Path) -> Path:
    lines = ["open_time,open,high,low,close,volume"]
    lines += [f"{int(ts)},{o!r},{h!r},{lo!r},{c!r},1.0" for ts, o, h, lo, c in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
