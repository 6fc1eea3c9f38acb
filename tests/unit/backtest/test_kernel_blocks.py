"""Stepping over quiet candle blocks changes nothing: the DCA kernel with its blocks gives the
very metrics, fill rows, fees and per-candle equity as with blocks that can never be skipped
(every candle stepped), over the year of 1m candles and the bundled real month, for plans
that cycle, stop out and halt on the account's drawdown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np
import pytest

from traderagent.backtest.kernels.api import market_arrays
from traderagent.backtest.kernels.blocks import B_HIGH, B_LOW, BLOCK, candle_blocks
from traderagent.backtest.kernels.layout import M_FILLS
from traderagent.backtest.kernels.params import bot_config, venue_arrays
from traderagent.backtest.kernels.prepare import dca_arrays
from traderagent.backtest.kernels.run_dca import dca_run
from traderagent.config import parse_config
from traderagent.marketdata import CandleSeries, load_bundled
from traderagent.marketdata.year import year_of_candles

PLAN = """\
paper: {balances: {USDT: "10000"}}
risk: {max_drawdown_pct: "%s"}
bots:
  - name: dca
    symbol: BTCUSDT
    strategy: {kind: dca, base_order: "200", safety_order: "200", max_safety_orders: %d,
               active_safety_orders: 2, price_deviation: "%s", step_scale: "1.3",
               volume_scale: "1.5", take_profit: "%s", stop_loss: "%s"}
"""
PLANS = [
    ("90", 5, "1", "1.2", "12"),  # the B3 plan: cycles, rarely a stop
    ("90", 3, "0.5", "0.6", "2"),  # tight: stops often
    ("4", 8, "2", "3", "20"),  # the account's drawdown halts it
]


def _run(candles: CandleSeries, plan: tuple[str, int, str, str, str], blocks: Any) -> Any:
    config = parse_config(PLAN % plan, "blocks", {})
    bot = bot_config(config, "dca")
    venue = venue_arrays(config, bot, candles.interval_ms, float(candles.close[0]))
    dca = dca_arrays(bot.strategy, venue.instrument)  # type: ignore[arg-type]
    curve = np.empty(len(candles), np.float64)
    orders = 2 * (plan[1] + 2) + 16
    kernel = cast(Callable[..., Any], dca_run)  # a numba dispatcher: any arguments
    m, rows, fees = kernel(
        *market_arrays(candles), venue.pi, venue.pf, dca.dq, dca.dp, dca.factors, orders,
        1 << 16, curve, blocks,
    )  # fmt: skip
    return m, rows[: int(m[M_FILLS])].copy(), fees[: int(m[M_FILLS])].copy(), curve


@pytest.mark.parametrize("plan", PLANS, ids=["cycles", "stops", "halts"])
@pytest.mark.parametrize("data", ["year", "bundled"])
def test_skipping_quiet_blocks_is_stepping_every_candle(
    plan: tuple[str, int, str, str, str], data: str
) -> None:
    candles = year_of_candles() if data == "year" else load_bundled()
    never = candle_blocks(candles.high, candles.low, candles.close)
    never[:, B_LOW], never[:, B_HIGH] = -np.inf, np.inf  # no block is ever quiet
    skipped = _run(candles, plan, np.zeros((0, 4)))  # the kernel's own blocks
    stepped = _run(candles, plan, never)
    for got, wanted in zip(skipped, stepped, strict=True):
        assert np.array_equal(got, wanted, equal_nan=True)
    assert skipped[0][M_FILLS] > 10  # fills: the plan traded
    assert len(candles) > 100 * BLOCK


def test_the_comparison_sees_a_block_skipped_wrongly() -> None:
    candles = load_bundled()
    wrong = candle_blocks(candles.high, candles.low, candles.close)
    wrong[:, B_LOW], wrong[:, B_HIGH] = np.inf, -np.inf  # every block claimed quiet
    skipped, stepped = _run(candles, PLANS[0], wrong), _run(candles, PLANS[0], np.zeros((0, 4)))
    assert not np.array_equal(skipped[1], stepped[1])  # fills were missed
