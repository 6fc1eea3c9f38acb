"""Float noise in candle data decides nothing (issue 13, item 2): every candle price moved by
one ulp (a close a hair off the tick, as freqtrade files and `data import` produce) gives the
same fills, fees and PnL, from the engine and from the fast kernels alike, on the bundled data
and on generated 5m data with gaps.

The noise is the worst kind: highs one ulp up and lows one ulp down (a candle that touched a
resting price now crosses it by a hair), opens and closes one ulp either way (the first close
below its tick: the grid's seed and the strategies' sizing read it).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
import yaml
from kit.factories import DCA_STRATEGY

from traderagent.backtest.kernels import run_fast
from traderagent.backtest.runner import BacktestResult, run_backtest
from traderagent.config import parse_config
from traderagent.marketdata import CandleSeries, load_bundled

DAY_MS = 86_400_000
FIVE_MINUTES = 300_000
GRID = {"kind": "grid", "lower": "21000", "upper": "25000", "levels": 41, "amount_per_level": "200"}
SMALL_GRID = {
    "kind": "grid",
    "lower": "90",
    "upper": "110",
    "levels": 21,
    "amount_per_level": "200",
}


def noisy(series: CandleSeries, seed: int) -> CandleSeries:
    """`series` with every price one ulp off: highs up, lows down, opens and closes either way
    (the first close down)."""
    rng = np.random.default_rng(seed)
    n = len(series)

    def either(prices: np.ndarray) -> np.ndarray:
        up = rng.random(n) < 0.5
        return np.where(up, np.nextafter(prices, np.inf), np.nextafter(prices, -np.inf))

    close = either(series.close)
    close[0] = np.nextafter(series.close[0], -np.inf)
    return CandleSeries(
        series.symbol,
        series.interval_ms,
        series.ts.copy(),
        either(series.open),
        np.nextafter(series.high, np.inf),
        np.nextafter(series.low, -np.inf),
        close,
        series.volume.copy(),
    )


def generated(seed: int) -> CandleSeries:
    """Two weeks of 5m candles on a 0.01 tick around 100, with price gaps and missing candles."""
    rng = np.random.default_rng(seed)
    n = 4032
    steps = rng.integers(-30, 31, n)
    steps[rng.choice(n, 12, replace=False)] = rng.integers(-150, 151, 12)  # gaps in the price
    close = 10_000 + np.cumsum(steps)
    opens = np.concatenate(([10_000], close[:-1]))
    jumped = rng.choice(n - 1, 8, replace=False) + 1
    opens[jumped] += rng.integers(-80, 81, 8)  # an open away from the last close
    high = np.maximum(opens, close) + rng.integers(0, 25, n)
    low = np.minimum(opens, close) - rng.integers(0, 25, n)
    ts = 1_700_006_400_000 + np.arange(n, dtype=np.int64) * FIVE_MINUTES
    for k in rng.choice(np.arange(100, n), 6, replace=False):
        ts[k:] += rng.integers(1, 6) * FIVE_MINUTES  # a few candles missing
    cents = [np.asarray(v, dtype=np.int64) / 100 for v in (opens, high, low, close)]
    return CandleSeries("BTCUSDT", FIVE_MINUTES, ts, *cents, np.full(n, 5.0))


def config_text(strategy: dict[str, object], extra: dict[str, object]) -> str:
    raw: dict[str, object] = {"replay": {"data": "bundled", "speed": "max"}, **extra}
    raw["bots"] = [{"name": "bot", "strategy": strategy}]
    return yaml.safe_dump(raw)


def fill_rows(result: BacktestResult) -> list[tuple[object, ...]]:
    return [(f.ts, f.side, f.price, f.qty, f.fee, f.liquidity, f.tag) for f in result.fills]


def bundled_days(first: int, count: int) -> CandleSeries:
    series = load_bundled()
    start = series.first_ts + first * DAY_MS
    return series.between(start, start + count * DAY_MS)


CASES = [
    ("grid-bundled", lambda: bundled_days(0, 4), GRID, {}),
    (
        "grid-stopped-below",
        lambda: bundled_days(7, 5),
        {**GRID, "lower": "21500", "upper": "23000", "levels": 16, "stop_outside_pct": "1"},
        {},
    ),
    (
        "dca-tight-stop",
        lambda: bundled_days(4, 5),
        {
            **DCA_STRATEGY,
            "stop_loss": "0.7",
            "take_profit": "0.4",
            "cooldown_candles": 0,
            "max_safety_orders": 2,
        },
        {"paper": {"fill_model": "olhc"}},
    ),
    ("grid-generated-5m", lambda: generated(5), {**SMALL_GRID, "stop_outside_pct": "8"}, {}),
    (
        "dca-generated-5m",
        lambda: generated(6),
        {**DCA_STRATEGY, "stop_loss": "3", "take_profit": "0.8", "cooldown_candles": 0},
        {},
    ),
]


@pytest.mark.parametrize(
    ("make", "strategy", "extra"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_one_ulp_of_noise_changes_no_fill_and_no_pnl(
    make: object, strategy: dict[str, object], extra: dict[str, object]
) -> None:
    assert callable(make)
    clean: CandleSeries = make()
    dirty = noisy(clean, seed=13)
    config = parse_config(config_text(strategy, extra), "case.yaml", {})

    engine_clean = await run_backtest(config, candles=clean)
    engine_dirty = await run_backtest(config, candles=dirty)
    assert len(engine_clean.fills) >= 10  # the case trades
    assert fill_rows(engine_dirty) == fill_rows(engine_clean)
    assert engine_dirty.metrics.fees == engine_clean.metrics.fees
    assert engine_dirty.metrics.orders == engine_clean.metrics.orders
    # the PnL differs only by the position valued at a close one ulp off (a valuation, not a
    # decision): far below a cent
    pnl_gap = abs(engine_dirty.metrics.net_pnl - engine_clean.metrics.net_pnl)
    assert pnl_gap < Decimal("1e-6")

    fast_clean = run_fast(config, "bot", clean)
    fast_dirty = run_fast(config, "bot", dirty)
    assert fast_dirty.fill_tuples() == fast_clean.fill_tuples()
    wanted = [(f.ts, f.side, f.price, f.qty) for f in engine_dirty.fills]
    assert [row[:4] for row in fast_dirty.fill_tuples()] == wanted
    assert fast_dirty.metrics["fees"] == pytest.approx(float(engine_dirty.metrics.fees), abs=1e-9)


TREND = {"kind": "trend", "interval": "15m", "fast_ema": 20, "slow_ema": 50}


@pytest.mark.parametrize(("smc", "days"), [(False, (9, 6)), (True, (9, 6))], ids=["trend", "smc"])
async def test_one_ulp_of_noise_changes_no_trend_decision(smc: bool, days: tuple[int, int]) -> None:
    """The trend follower (and its SMC filter) decides on bars, EMAs, ATR and swings built from
    the candles as given: one ulp of noise moves them by about one ulp, which flips no decision
    on real data (its entries, stops and take profits are read on the tick)."""
    raw = yaml.safe_load(config_text(TREND, {}))
    if smc:
        raw["bots"][0]["smc"] = {"interval": "15m"}
    config = parse_config(yaml.safe_dump(raw), "case.yaml", {})
    clean = bundled_days(*days)
    engine_clean = await run_backtest(config, candles=clean)
    engine_dirty = await run_backtest(config, candles=noisy(clean, seed=17))
    assert len(engine_clean.fills) >= 4  # the case trades
    assert fill_rows(engine_dirty) == fill_rows(engine_clean)
    assert engine_dirty.metrics.fees == engine_clean.metrics.fees
