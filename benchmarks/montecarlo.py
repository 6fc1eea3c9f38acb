"""B10: the backtest report's Monte Carlo over a year of trades: 1,000 reshuffled and 1,000
bootstrapped paths of 5,500 closed trades (the default grid closes 319 in the bundled three
weeks, about 5,500 a year), percentiles and halt chance included.

`python -m benchmarks.montecarlo` prints the figure.
"""

from __future__ import annotations

import time
from decimal import Decimal

import numpy as np

from benchmarks.result import Result, median_of
from traderagent.backtest.montecarlo import monte_carlo

TRADES = 5_500
RUNS = 1_000


def _once(pnl: list[Decimal]) -> float:
    """CPU milliseconds of one Monte Carlo (single-threaded numpy: on an idle core the wall
    time is the same; on a shared machine this is the figure that does not depend on load)."""
    began = time.process_time()
    result = monte_carlo(pnl, Decimal(10_000), runs=RUNS, halt_pct=Decimal(15))
    elapsed = time.process_time() - began
    if result is None or result.runs != RUNS:
        raise RuntimeError("the Monte Carlo gave no result")
    return elapsed * 1000


def results() -> list[Result]:
    rng = np.random.default_rng(1)
    pnl = [Decimal(str(round(x, 4))) for x in rng.normal(0.9, 6.0, TRADES)]
    name = f"Monte Carlo, {RUNS:,} shuffled + {RUNS:,} bootstrapped paths of {TRADES:,} trades"
    return [Result("B10", name, median_of(lambda: _once(pnl)), "CPU ms", 1000, False)]


if __name__ == "__main__":
    for result in results():
        print(f"{result.name}: {result.figure:.0f} {result.unit} (target <= {result.target:g})")
