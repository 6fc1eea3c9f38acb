"""Monte Carlo over a backtest's closed trades: how much of the result is the order and the
luck of its trades.

Two resamplings of the trades' PnL (`trade_ledger`), each `runs` times with a seeded generator
(the same seed gives the same figures): `shuffle` replays the same trades in random order (the
final return cannot change, the drawdown can), `bootstrap` draws as many trades with
replacement (both can). Each path starts at the run's starting equity and adds one trade's PnL
after another (closed trades only: an open position at the end is left out). For each: the
5th, 50th and 95th percentiles of the final return and of the max drawdown (% of the running
peak), and the share of paths whose drawdown reaches the account's halt
(`risk.max_drawdown_pct`). Vectorised with numpy: 1,000 paths of 10,000 trades take well under
a second.

`fragility` says plainly when a few trades make the result: too few trades to judge, or the
best 5 % of them (at least one) carrying all of the net PnL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

DEFAULT_RUNS = 1000
DEFAULT_SEED = 7
MIN_TRADES = 30
"""Below this many trades a resampling says little; the report says so."""
PERCENTILES = (5, 50, 95)
CHUNK_CELLS = 250_000
"""Trades x paths resampled at once (2 MB per array: the buffers stay in cache)."""
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Distribution:
    """One resampling's percentiles and halt chance."""

    method: str
    return_pct: tuple[float, float, float]
    """Final return in percent at the 5th, 50th, 95th percentile."""
    max_drawdown_pct: tuple[float, float, float]
    halt_chance: float | None
    """Share of paths whose drawdown reached the halt, 0..1 (None: no drawdown halt set)."""

    def as_json(self) -> dict[str, Any]:
        keys = [f"p{p}" for p in PERCENTILES]
        return {
            "method": self.method,
            "return_pct": dict(zip(keys, self.return_pct, strict=True)),
            "max_drawdown_pct": dict(zip(keys, self.max_drawdown_pct, strict=True)),
            "halt_chance": self.halt_chance,
        }


@dataclass(frozen=True, slots=True)
class MonteCarlo:
    """Both resamplings of one run's trades."""

    runs: int
    seed: int
    trades: int
    halt_pct: float | None
    distributions: tuple[Distribution, ...]
    fragility: str | None
    """A plain warning when the result rests on a few trades (None when it does not)."""

    def as_json(self) -> dict[str, Any]:
        return {
            "runs": self.runs,
            "seed": self.seed,
            "trades": self.trades,
            "halt_drawdown_pct": self.halt_pct,
            "fragility": self.fragility,
            **{d.method: d.as_json() for d in self.distributions},
        }


def paths_stats(
    starting: float, pnl: Floats, order: npt.NDArray[np.int64]
) -> tuple[Floats, Floats]:
    """Final return (%) and max drawdown (%) of each path: row r adds `pnl[order[r]]` in turn.
    Works in place in two buffers of `order`'s shape (allocation is most of the cost)."""
    equity = np.take(pnl, order)
    np.cumsum(equity, axis=1, out=equity)
    equity += starting
    final = (equity[:, -1] - starting) / starting * 100.0
    peaks = np.maximum.accumulate(equity, axis=1)
    np.maximum(peaks, starting, out=peaks)
    np.subtract(peaks, equity, out=equity)
    np.divide(equity, peaks, out=equity)  # peaks >= starting > 0
    falls: Floats = equity.max(axis=1) * 100.0
    return final, falls


def _distribution(method: str, final: Floats, falls: Floats, halt: float | None) -> Distribution:
    ret = np.percentile(final, PERCENTILES)
    dd = np.percentile(falls, PERCENTILES)
    return Distribution(
        method,
        (float(ret[0]), float(ret[1]), float(ret[2])),
        (float(dd[0]), float(dd[1]), float(dd[2])),
        None if halt is None else float(np.mean(falls >= halt)),
    )


def monte_carlo(
    pnl: Sequence[Decimal],
    starting: Decimal,
    *,
    runs: int = DEFAULT_RUNS,
    seed: int = DEFAULT_SEED,
    halt_pct: Decimal | None = None,
) -> MonteCarlo | None:
    """Shuffle and bootstrap the trades' `pnl` (in exit order) `runs` times; None with no
    trade (nothing to resample) or no starting equity (no return to speak of)."""
    if not pnl or runs < 1 or starting <= 0:
        return None
    values = np.asarray([float(p) for p in pnl], dtype=np.float64)
    rng = np.random.default_rng(seed)
    n = len(values)
    start = float(starting)
    halt = None if halt_pct is None else float(halt_pct)
    chunk = max(1, CHUNK_CELLS // n)  # paths per batch: memory stays bounded for long runs
    results: dict[str, list[tuple[Floats, Floats]]] = {"shuffle": [], "bootstrap": []}
    for first in range(0, runs, chunk):
        rows = min(chunk, runs - first)
        shuffled = rng.permuted(np.tile(np.arange(n, dtype=np.int64), (rows, 1)), axis=1)
        results["shuffle"].append(paths_stats(start, values, shuffled))
        drawn = rng.integers(0, n, size=(rows, n), dtype=np.int64)
        results["bootstrap"].append(paths_stats(start, values, drawn))
    distributions = tuple(
        _distribution(
            method,
            np.concatenate([final for final, _ in parts]),
            np.concatenate([falls for _, falls in parts]),
            halt,
        )
        for method, parts in results.items()
    )
    return MonteCarlo(runs, seed, n, halt, distributions, fragility(pnl))


def fragility(pnl: Sequence[Decimal]) -> str | None:
    """A warning when a few trades make the result, else None."""
    n = len(pnl)
    if n < MIN_TRADES:
        return f"only {n} closed trades: too few to judge the result by"
    total = sum(pnl, Decimal(0))
    if total <= 0:
        return None
    best = sorted(pnl, reverse=True)[: max(1, n * 5 // 100)]
    rest = total - sum(best, Decimal(0))
    if rest <= 0:
        return (
            f"the result depends on a few trades: without the best {len(best)} of {n}"
            f" the closed trades make {rest:+,.2f}"
        )
    return None
