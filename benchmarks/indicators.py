"""B4: EMA, ATR and ADX over 1,000,000 rows (compile time excluded), and the cost of one
incremental update per candle (EMA20 + ATR14 + ADX14 + RSI14 + Bollinger20, each O(1)).

Gated first: on the first GATE_ROWS rows the vectorised kernels must agree with the incremental
classes (two separate implementations) and, where TA-Lib is installed, with TA-Lib."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

from benchmarks.result import Result
from traderagent.indicators import Adx, Atr, Bollinger, Ema, Rsi, adx, atr, ema

ROWS = 1_000_000
REPEATS = 7
GATE_ROWS = 20_000
TOLERANCE = 1e-9


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


def _agree(name: str, got: np.ndarray, wanted: np.ndarray) -> None:
    same_nan = np.array_equal(np.isnan(got), np.isnan(wanted))
    if not same_nan or not np.allclose(got, wanted, rtol=TOLERANCE, atol=0, equal_nan=True):
        worst = np.nanmax(np.abs(got - wanted) / np.abs(wanted))
        raise AssertionError(f"B4 gate: {name} disagrees (worst relative error {worst:.3g})")


def check_against_references(high: np.ndarray, low: np.ndarray, close: np.ndarray) -> None:
    """The vectorised EMA, ATR and ADX equal the incremental ones (and TA-Lib, if present)."""
    h, lo, c = high[:GATE_ROWS], low[:GATE_ROWS], close[:GATE_ROWS]
    e, a, d = Ema(20), Atr(14), Adx(14)
    steps = [
        (e.update(cl), a.update(hi, lw, cl), d.update(hi, lw, cl))
        for hi, lw, cl in zip(h, lo, c, strict=True)
    ]
    incremental = np.array(steps, dtype=np.float64).T
    _agree("EMA(20) vs incremental", ema(c, 20), incremental[0])
    _agree("ATR(14) vs incremental", atr(h, lo, c, 14), incremental[1])
    _agree("ADX(14) vs incremental", adx(h, lo, c, 14).adx, incremental[2])
    try:
        import talib
    except ImportError:
        return  # a dev dependency; the incremental check above still stands
    _agree("EMA(20) vs TA-Lib", ema(c, 20), talib.EMA(c, 20))
    _agree("ATR(14) vs TA-Lib", atr(h, lo, c, 14), talib.ATR(h, lo, c, 14))
    _agree("ADX(14) vs TA-Lib", adx(h, lo, c, 14).adx, talib.ADX(h, lo, c, 14))


def results() -> list[Result]:
    high, low, close = random_bars(ROWS)
    check_against_references(high, low, close)
    ms, us = "ms", "us"
    return [
        Result("B4", "EMA(20), 1M rows", best_ms(lambda: ema(close, 20)), ms, 4, False),
        Result("B4", "ATR(14), 1M rows", best_ms(lambda: atr(high, low, close, 14)), ms, 15, False),
        Result("B4", "ADX(14), 1M rows", best_ms(lambda: adx(high, low, close, 14)), ms, 35, False),
        Result(
            "B4", "incremental update per indicator", incremental_us(high, low, close), us, 2, False
        ),
    ]
