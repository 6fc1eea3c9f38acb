"""B4: EMA, ATR and ADX over 1,000,000 rows (compile time excluded), and the cost of one
incremental update per candle (EMA20 + ATR14 + ADX14 + RSI14 + Bollinger20, each O(1))."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

from benchmarks.result import Result
from traderagent.indicators import Adx, Atr, Bollinger, Ema, Rsi, adx, atr, ema

ROWS = 1_000_000
REPEATS = 7


def random_bars(rows: int, seed: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A geometric random walk with wicks: high, low, close."""
    rng = np.random.default_rng(seed)
    close = 20_000 * np.exp(np.cumsum(rng.normal(0, 1e-3, rows)))
    wick = np.abs(rng.normal(0, 5e-4, (2, rows))) * close
    return close + wick[0], close - wick[1], close


def best_ms(run: Callable[[], object]) -> float:
    run()  # compile (or load the on-disk cache) outside the timing
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def incremental_us(high: np.ndarray, low: np.ndarray, close: np.ndarray) -> float:
    """Median microseconds per candle for the five incremental indicators together, / 5."""
    rows = list(zip(*(column[:100_000].tolist() for column in (high, low, close)), strict=True))

    def once() -> float:
        e, a, d, r, b = Ema(20), Atr(14), Adx(14), Rsi(14), Bollinger(20, 2.0)
        started = time.perf_counter()
        for h, lo, c in rows:
            e.update(c)
            a.update(h, lo, c)
            d.update(h, lo, c)
            r.update(c)
            b.update(c)
        return (time.perf_counter() - started) / len(rows) / 5 * 1e6

    return statistics.median(once() for _ in range(3))


def results() -> list[Result]:
    high, low, close = random_bars(ROWS)
    ms, us = "ms", "us"
    return [
        Result("B4", "EMA(20), 1M rows", best_ms(lambda: ema(close, 20)), ms, 4, False),
        Result("B4", "ATR(14), 1M rows", best_ms(lambda: atr(high, low, close, 14)), ms, 15, False),
        Result("B4", "ADX(14), 1M rows", best_ms(lambda: adx(high, low, close, 14)), ms, 35, False),
        Result(
            "B4", "incremental update per indicator", incremental_us(high, low, close), us, 2, False
        ),
    ]
