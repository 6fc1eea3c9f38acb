"""B1: one grid backtest over a year of 1m candles on the event-driven engine, with fees and
full metrics, fast-forwarding the quiet candles.

The same Engine, BotRuntime, grid strategy, risk, paper exchange and matcher as live, with the
journal in memory; only the candles that can change something are stepped (see
`traderagent.backtest.fastforward`). Gated on correctness first: on the bundled real sample
the fast-forwarded run must make the very fills, orders and equity of a run stepping every
candle. The timed part covers building the engine, the replay and the metrics.

`python -m benchmarks.backtest` prints the figure and its split (scan vs stepped vs metrics).
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass

from benchmarks.result import Result
from traderagent.backtest.equity import equity_curve
from traderagent.backtest.fastforward import FastForward, enable_fast_forward
from traderagent.backtest.inputs import backtest_config, replay_window
from traderagent.backtest.memory_journal import MemoryJournal
from traderagent.backtest.metrics import Metrics, compute_metrics
from traderagent.backtest.trades import grid_cycles
from traderagent.backtest.venue import backtest_venue
from traderagent.config import AppConfig, parse_config
from traderagent.domain import OrderType
from traderagent.marketdata import CandleSeries, load_bundled
from traderagent.marketdata.year import year_of_candles
from traderagent.wiring.runtime import assemble_engine

REPEATS = 5
TARGET = 1_000_000
YEAR_CONFIG = """\
replay: {data: bundled, speed: max}
bots:
  - name: grid-btc
    symbol: BTCUSDT
    strategy: {kind: grid, lower: "19000", upper: "29000", levels: 41, amount_per_level: "200"}
"""
"""A realistic grid over the year's range (19,600-28,500): 41 levels 250 USDT apart."""


@dataclass(frozen=True, repr=False)  # asyncio.run may repr its result: keep that cheap
class Run:
    """One backtest: its metrics, the fills as rows, and where the time went."""

    metrics: Metrics
    fills: list[tuple[object, ...]]
    orders: list[tuple[object, ...]]
    candles: int
    elapsed_s: float
    cpu_s: float
    """CPU time of this process for the run: on a shared machine, what it would take alone."""
    scan_s: float
    step_s: float
    metrics_s: float
    stepped: int


async def backtest(
    config: AppConfig, candles: CandleSeries, fast: bool = True, reference: bool = False
) -> Run:
    """The engine over `candles`, fast-forwarded or stepping every candle (the quiet ones in
    synchronous spans; `reference`: each through `EngineLoop.step`), then its metrics."""
    started, cpu = time.perf_counter(), time.process_time()
    venue = backtest_venue(config, replay_window(config, candles, "benchmark"))
    journal = MemoryJournal(clock_ms=venue.clock.now_ms)
    engine = await assemble_engine(config, venue, journal, "memory")
    engine.quiet_steps = not reference
    driver: FastForward | None = enable_fast_forward(engine) if fast else None
    await engine.run()
    replayed = time.perf_counter()
    fills = journal.fills
    first = next(iter(engine.bots.values())).instrument
    market = {cid: o.created_ms for cid, o in journal.orders.items() if o.type is OrderType.MARKET}
    curve = equity_curve(
        candles,
        fills,
        balances=config.paper.balances,
        base=first.base,
        quote=first.quote,
        market_orders=market,
    )
    metrics = compute_metrics(
        fills,
        curve,
        orders=len(journal.orders),
        grid_cycles=grid_cycles(fills, {c: o.qty for c, o in journal.orders.items()}),
        elapsed_s=replayed - started,
        interval_ms=candles.interval_ms,
    )
    done, cpu = time.perf_counter(), time.process_time() - cpu
    return Run(
        metrics=metrics,
        fills=[(f.ts, f.side, f.price, f.qty, f.fee, f.liquidity) for f in fills],
        orders=[(o.client_order_id, o.status, o.updated_ms) for o in journal.orders.values()],
        candles=engine.candles,
        elapsed_s=done - started,
        cpu_s=cpu,
        scan_s=driver.scan_s if driver is not None else 0.0,
        step_s=driver.step_s if driver is not None else replayed - started,
        metrics_s=done - replayed,
        stepped=driver.stepped if driver is not None else engine.candles,
    )


def year_config() -> AppConfig:
    return backtest_config(parse_config(YEAR_CONFIG, "benchmark", {}), bot=None)


def gate(config: AppConfig) -> None:
    """Fast-forward and quiet steps must change nothing: the bundled sample, each candle
    through the engine's step (the reference), stepped with quiet spans, fast-forwarded."""
    sample = load_bundled()
    stepped = asyncio.run(backtest(config, sample, fast=False, reference=True))
    if not stepped.fills:
        raise AssertionError("B1 gate: the grid made no fill on the bundled sample")
    for how, fast in (("quiet steps", False), ("fast-forward", True)):
        run = asyncio.run(backtest(config, sample, fast=fast))
        if (run.fills, run.orders) != (stepped.fills, stepped.orders):
            raise AssertionError(f"B1 gate: {how} fills or orders differ from stepped ones")
        if run.metrics.final_equity != stepped.metrics.final_equity:
            raise AssertionError(f"B1 gate: {how} final equity differs from the stepped one")


def measure(repeats: int = REPEATS) -> tuple[float, Run]:
    """The median rate over `repeats` year backtests (after one warm-up), and the median run."""
    config = year_config()
    gate(config)
    year = year_of_candles()
    asyncio.run(backtest(config, year.head(50_000)))  # warm-up: JIT cache, imports
    runs = sorted((asyncio.run(backtest(config, year)) for _ in range(repeats)), key=_time)
    middle = runs[len(runs) // 2]
    return middle.candles / middle.elapsed_s, middle


def _time(run: Run) -> float:
    return run.elapsed_s


def describe(rate: float, run: Run) -> str:
    other = run.elapsed_s - run.scan_s - run.step_s - run.metrics_s
    return (
        f"B1: {run.candles:,} candles in {run.elapsed_s:.3f} s = {rate:,.0f} candles/s "
        f"(CPU {run.cpu_s:.3f} s = {run.candles / run.cpu_s:,.0f} candles/s); "
        f"{run.metrics.fills:,} fills/year, {run.stepped:,} candles stepped; "
        f"scan+skip {run.scan_s:.3f} s, stepped {run.step_s:.3f} s, "
        f"metrics {run.metrics_s:.3f} s, setup {other:.3f} s"
    )


def results() -> list[Result]:
    rate, run = measure()
    print(describe(rate, run), file=sys.stderr)
    return [
        Result(
            "B1",
            "engine backtest, grid, year of 1m, fast-forward",
            rate,
            "candles/s",
            TARGET,
            True,
        )
    ]


if __name__ == "__main__":
    rate, run = measure()
    print(describe(rate, run))
    print(f"median of {REPEATS} runs; target {TARGET:,} candles/s")
