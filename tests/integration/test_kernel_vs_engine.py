"""The fast kernels against the engine: same fills (time, side, price, quantity), same fees,
the same equity after every candle and the same risk halt (time and reason), on the bundled
real candles, for grids and DCA bots."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from kit.factories import DCA_STRATEGY as DCA

from traderagent.backtest.fast import kernel_run
from traderagent.backtest.kernels import run_fast
from traderagent.backtest.rejections import INSUFFICIENT
from traderagent.backtest.runner import run_backtest
from traderagent.config import parse_config
from traderagent.domain import Side
from traderagent.marketdata import CandleSeries, load_bundled
from traderagent.marketdata.resample import resample

DAY_MS = 86_400_000
GRID = {"kind": "grid", "lower": "21000", "upper": "25000", "levels": 41, "amount_per_level": "200"}
# (name, first day of the slice, strategy, extra top-level config, metrics the case must reach)
CASES = [
    ("grid-arithmetic", 0, GRID, {}, {"cycles": 10}),
    (
        "grid-geometric-stop",
        0,
        {
            **GRID,
            "lower": "19500",
            "upper": "26000",
            "levels": 31,
            "spacing": "geometric",
            "amount_per_level": "250",
            "stop_outside_pct": "3",
        },
        {},
        {"cycles": 1},
    ),
    (
        "grid-few-levels",
        3,
        {**GRID, "lower": "22000", "upper": "22800", "levels": 5, "amount_per_level": "1500"},
        {},
        {"cycles": 1},
    ),
    (
        "grid-many-levels",
        8,
        {
            **GRID,
            "lower": "19000",
            "upper": "22600",
            "levels": 240,
            "amount_per_level": "40",
            "range_factor": "0.9",
        },
        {},
        {"cycles": 1000},
    ),
    (
        "grid-stopped-below",
        7,
        {**GRID, "lower": "21500", "upper": "23000", "levels": 16, "stop_outside_pct": "1"},
        {"paper": {"fill_model": "ohlc"}},
        {"stops": 1},
    ),
    (
        # the seed's buys spend the cash: the allocator, which counts what each buy of the
        # batch locks, refuses the rest of it (the venue refused 43 when it did not)
        "grid-budget-bound",
        8,
        {**GRID, "lower": "19600", "upper": "22600", "levels": 61, "amount_per_level": "300"},
        {"paper": {"balances": {"USDT": "3000"}}},
        {"cycles": 10, "allocator_refused": 1},
    ),
    (
        "grid-halted",
        7,
        GRID,
        {"risk": {"max_drawdown_pct": "2"}, "halt": {"close_positions": True}},
        {"halted": 1},
    ),
    (
        "grid-daily-loss-halt",
        7,
        {**GRID, "amount_per_level": "400"},
        {"risk": {"max_drawdown_pct": None, "max_daily_loss": "150"}},
        {"halted": 1},
    ),
    (
        "dca-halted",
        7,
        DCA,
        {"risk": {"max_drawdown_pct": "1"}, "halt": {"close_positions": True}},
        {"halted": 1},
    ),
    ("dca", 0, DCA, {}, {"cycles": 1}),
    (
        "dca-short-of-cash",  # a safety order the cash cannot cover: the allocator cuts it
        2,
        {**DCA, "cooldown_candles": 0},
        {"paper": {"balances": {"USDT": "450"}}},
        {"allocator_refused": 1},
    ),
    (
        "dca-wide-scales",
        7,
        {
            **DCA,
            "step_scale": "1.6",
            "volume_scale": "2.13",
            "stop_loss": None,
            "cooldown_candles": 0,
            "active_safety_orders": 3,
        },
        {},
        {"cycles": 1},
    ),
    (
        "dca-tight-stop",
        4,
        {
            **DCA,
            "stop_loss": "0.7",
            "take_profit": "0.4",
            "cooldown_candles": 0,
            "max_safety_orders": 2,
        },
        {"paper": {"fill_model": "olhc"}},
        {"stops": 5},
    ),
    (  # its stop orders fill at their trigger (or the open), the pessimistic path going low
        "dca-stop-orders",
        2,
        {**DCA, "stop_loss": "0.8", "take_profit": "0.5", "cooldown_candles": 3},
        {},
        {"stops": 5},
    ),
]


def config_text(strategy: dict[str, object], extra: dict[str, object]) -> str:
    raw: dict[str, object] = {"replay": {"data": "bundled", "speed": "max"}}
    raw.update(extra)
    raw["bots"] = [
        {"name": "bot", "strategy": {k: v for k, v in strategy.items() if v is not None}}
    ]
    return yaml.safe_dump(raw)


def days(series: CandleSeries, first: int, count: int) -> CandleSeries:
    start = series.first_ts + first * DAY_MS
    return series.between(start, start + count * DAY_MS)


async def assert_same_run(text: str, candles: CandleSeries) -> dict[str, float]:
    config = parse_config(text, "case.yaml", {})
    engine = await run_backtest(config, candles=candles)
    fast = run_fast(config, "bot", candles)

    wanted = [(f.ts, f.side, f.price, f.qty) for f in engine.fills]
    got = [row[:4] for row in fast.fill_tuples()]
    assert got == wanted
    fees = np.array([float(f.fee) for f in engine.fills])
    np.testing.assert_allclose([row[4] for row in fast.fill_tuples()], fees, rtol=0, atol=1e-9)
    assert [f.fee_asset for f in fast.domain_fills()] == [f.fee_asset for f in engine.fills]
    buys = [(f.fee, f.fee_asset) for f in engine.fills if f.side is Side.BUY]
    assert [(f.fee, f.fee_asset) for f in fast.domain_fills() if f.side is Side.BUY] == buys
    np.testing.assert_allclose(fast.equity, engine.equity.values, rtol=0, atol=1e-9)
    assert fast.metrics["final_equity"] == pytest.approx(
        float(engine.metrics.final_equity), abs=1e-9
    )
    assert fast.metrics["orders"] == engine.metrics.orders
    halted = engine.metrics.halted
    assert fast.halt_ts == (halted.ts if halted is not None else None)
    reported = kernel_run(engine.config, fast, candles).metrics
    assert reported.halted == halted  # same words too
    refused = engine.metrics.rejected_orders  # the venue's refusals: the same count and kinds
    assert (reported.rejected_orders.count, reported.rejected_orders.by_reason) == (
        refused.count,
        refused.by_reason,
    )
    # the allocator never approves a buy the venue then refuses for funds: what does not fit
    # is the allocator's refusal, the same in both
    assert dict(refused.by_reason).get(INSUFFICIENT, 0) == 0
    assert engine.summary is not None
    assert fast.metrics["allocator_refused"] == engine.summary.allocator_refused
    return fast.metrics


@pytest.mark.parametrize(
    ("first_day", "strategy", "extra", "reached"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_kernel_fills_and_equity_match_the_engine(
    first_day: int,
    strategy: dict[str, object],
    extra: dict[str, object],
    reached: dict[str, float],
) -> None:
    text = config_text(strategy, extra)
    metrics = await assert_same_run(text, days(load_bundled(), first_day, 5))
    for name, least in reached.items():  # the case exercises the path it is named for
        assert metrics[name] >= least, name


FIVE_MINUTE_CASES = [
    ("grid", 0, GRID, {"cycles": 50}),
    (
        "grid-stop",
        7,
        {**GRID, "lower": "21500", "upper": "23000", "stop_outside_pct": "1"},
        {"stops": 1},
    ),
    ("dca-cooldown", 0, DCA, {"cycles": 3, "stops": 1}),
    (
        "dca-no-cooldown",
        7,
        {**DCA, "cooldown_candles": 0, "stop_loss": "2"},
        {"cycles": 30, "stops": 3},
    ),
]


@pytest.mark.parametrize(
    ("first_day", "strategy", "reached"),
    [c[1:] for c in FIVE_MINUTE_CASES],
    ids=[c[0] for c in FIVE_MINUTE_CASES],
)
async def test_kernel_matches_the_engine_on_5m_candles(
    first_day: int, strategy: dict[str, object], reached: dict[str, float]
) -> None:
    """The same rules on 5m data (the bundled 1m candles resampled): the cooldown is a
    duration and the market price at a fill is the 5m close, in both."""
    candles = resample(days(load_bundled(), first_day, 10), 5 * 60_000)
    metrics = await assert_same_run(config_text(strategy, {}), candles)
    for name, least in reached.items():
        assert metrics[name] >= least, name


@pytest.mark.slow
@pytest.mark.parametrize("strategy", [GRID, DCA], ids=["grid", "dca"])
async def test_kernel_matches_the_engine_on_all_the_bundled_data(
    strategy: dict[str, object],
) -> None:
    metrics = await assert_same_run(config_text(strategy, {}), load_bundled())
    assert metrics["fills"] > 10
