"""The two tie rules of the fill model (issue 13, item 9), pinned in the engine (paper venue)
and the fast kernel alike on a hand-made grid run:

- a limit priced exactly at the last price is not marketable: it rests and fills as a maker;
- a candle whose open is exactly as far from its high as from its low goes high first, judged
  in whole ticks (floats say 101.20 - 100.10 > 100.10 - 99.00, which is a tie), unless its low
  fills a resting buy or reaches a sell stop: a pessimistic path then goes low first.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
import yaml

from traderagent.backtest.kernels import run_fast
from traderagent.backtest.runner import run_backtest
from traderagent.config import parse_config
from traderagent.domain import Liquidity, Side
from traderagent.marketdata import CandleSeries

D = Decimal
MINUTE = 60_000
T0 = 1_700_006_400_000
GRID = {"kind": "grid", "lower": "90", "upper": "110", "levels": 21, "amount_per_level": "200"}
# (open, high, low, close), 1m each; the grid opens at 100.00 with a buy resting at 99 and a
# sell at 101
CANDLES = [
    (100.00, 100.00, 100.00, 100.00),
    (100.00, 100.00, 98.90, 100.00),  # the buy at 99 fills; its counter-sell at 100.00 = close
    (100.00, 100.50, 99.95, 100.20),  # that sell fills
    (100.10, 101.20, 99.00, 100.10),  # a tie (the buy at 99 is touched, not filled): high first
    (100.00, 100.00, 100.00, 100.00),
]


def series() -> CandleSeries:
    o, h, lo, c = (np.array(col) for col in zip(*CANDLES, strict=True))
    ts = T0 + np.arange(len(CANDLES), dtype=np.int64) * MINUTE
    return CandleSeries("BTCUSDT", MINUTE, ts, o, h, lo, c, np.full(len(CANDLES), 5.0))


@pytest.fixture(scope="module")
def config_text() -> str:
    raw = {"replay": {"data": "bundled", "speed": "max"}, "bots": [{"name": "g", "strategy": GRID}]}
    return yaml.safe_dump(raw)


async def test_the_tie_rules_in_the_engine_and_the_kernel(config_text: str) -> None:
    config = parse_config(config_text, "case.yaml", {})
    engine = await run_backtest(config, candles=series())
    fills = [f for f in engine.fills if f.tag != "seed"]
    rows = [(f.ts - T0, f.side, f.price, f.liquidity) for f in fills]
    assert rows == [
        (MINUTE + MINUTE // 3, Side.BUY, D("99"), Liquidity.MAKER),  # the low fills a buy: first
        (2 * MINUTE + 2 * MINUTE // 3, Side.SELL, D("100"), Liquidity.MAKER),  # at 100.00: maker
        (3 * MINUTE + MINUTE // 3, Side.SELL, D("101"), Liquidity.MAKER),  # tie: high first
    ]
    maker = config.paper.maker_fee
    at_close = fills[1]
    assert at_close.fee == at_close.qty * at_close.price * maker

    fast = run_fast(config, "g", series())
    assert [r[:4] for r in fast.fill_tuples()] == [
        (f.ts, f.side, f.price, f.qty) for f in engine.fills
    ]
    np.testing.assert_allclose(
        [r[4] for r in fast.fill_tuples()], [float(f.fee) for f in engine.fills], atol=1e-12
    )
