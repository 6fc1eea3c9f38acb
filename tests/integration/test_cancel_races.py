"""Cancel races (issue 13, item 4): a cancel a bot decides at a point of a candle's path applies
from that point on, in the engine (paper venue) and the fast kernel alike, and every fill of a
bot's order is managed, also one that crosses its cancel on a live venue.

The hand-made DCA: its base order buys at 100.00; its take profit rests at 101.00 and its first
safety order at 99.00. The next candle reaches both.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import yaml

from traderagent.backtest.kernels import run_fast
from traderagent.backtest.kernels.params import UnsupportedFast
from traderagent.backtest.runner import run_backtest
from traderagent.config import parse_config
from traderagent.domain import Side
from traderagent.marketdata import CandleSeries, load_bundled

CONFIGS = Path(__file__).parents[2] / "configs"
D = Decimal
MINUTE = 60_000
T0 = 1_700_006_400_000
DCA = {
    "kind": "dca",
    "base_order": "100",
    "safety_order": "100",
    "max_safety_orders": 2,
    "active_safety_orders": 1,
    "price_deviation": "1",
    "step_scale": "1",
    "volume_scale": "1",
    "take_profit": "1",
    "cooldown_candles": 60,
}
FLAT = (100.00, 100.00, 100.00, 100.00)
BOTH = (100.00, 101.50, 98.50, 100.00)  # through the take profit and the safety order


def series(*candles: tuple[float, float, float, float]) -> CandleSeries:
    o, h, lo, c = (np.array(col) for col in zip(*candles, strict=True))
    ts = T0 + np.arange(len(candles), dtype=np.int64) * MINUTE
    return CandleSeries("BTCUSDT", MINUTE, ts, o, h, lo, c, np.full(len(candles), 5.0))


def config_text(fill_model: str) -> str:
    raw = {
        "replay": {"data": "bundled", "speed": "max"},
        "paper": {"fill_model": fill_model},
        "bots": [{"name": "d", "strategy": DCA}],
    }
    return yaml.safe_dump(raw)


async def _engine_and_kernel(fill_model: str, data: CandleSeries) -> list[tuple[int, Side, D]]:
    """The engine's fills as (ms into the run, side, price), checked against the kernel's."""
    config = parse_config(config_text(fill_model), "case.yaml", {})
    engine = await run_backtest(config, candles=data)
    fast = run_fast(config, "d", data)
    assert [r[:4] for r in fast.fill_tuples()] == [
        (f.ts, f.side, f.price, f.qty) for f in engine.fills
    ]
    return [(f.ts - T0, f.side, f.price) for f in engine.fills]


async def test_a_take_profit_cancels_the_safety_order_where_it_fills() -> None:
    """High first: the take profit fills at 101.00 a third into the candle and the cycle
    ends; the safety order it cancels there does not fill at the low after it."""
    fills = await _engine_and_kernel("ohlc", series(FLAT, BOTH, FLAT, FLAT))
    assert fills == [
        (MINUTE, Side.BUY, D("100")),  # the base order at the first close
        (MINUTE + MINUTE // 3, Side.SELL, D("101")),
    ]


async def test_a_replaced_take_profit_never_fills_at_its_old_price() -> None:
    """Pessimistic: the low fills the safety order first; the take profit is replaced there
    (at 100.50 for the whole position), so the old one at 101.00 does not fill at the high,
    and the new one rests from the next candle on."""
    later = (100.00, 100.60, 100.00, 100.20)
    fills = await _engine_and_kernel("pessimistic", series(FLAT, BOTH, FLAT, later))
    assert fills == [
        (MINUTE, Side.BUY, D("100")),
        (MINUTE + MINUTE // 3, Side.BUY, D("99")),
        (3 * MINUTE + 2 * MINUTE // 3, Side.SELL, D("100.50")),
    ]


def _config_bots() -> list[tuple[str, str]]:
    """(config, bot) for every grid and DCA bot of the example configs that replay candles."""
    found = []
    for path in sorted(CONFIGS.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        if raw.get("mode", "paper") != "paper":
            continue
        for bot in raw.get("bots", []):
            if bot.get("strategy", {}).get("kind") in ("grid", "dca"):
                found.append((path.stem, bot["name"]))
    return found


@pytest.mark.parametrize(("name", "bot"), _config_bots())
async def test_engine_and_kernel_agree_on_every_example_config(name: str, bot: str) -> None:
    """Fill for fill, on the bundled month, with every reaction where its fill happened."""
    raw = yaml.safe_load((CONFIGS / f"{name}.yaml").read_text(encoding="utf-8"))
    raw["replay"] = {"data": "bundled", "speed": "max"}
    config = parse_config(yaml.safe_dump(raw), f"{name}.yaml", {})
    data = load_bundled()
    try:
        fast = run_fast(config, bot, data)
    except UnsupportedFast as err:  # per-bot risk limits: the kernels do not model them
        pytest.skip(str(err).split(";")[0])
    engine = await run_backtest(config, bot=bot, candles=data)
    assert [r[:4] for r in fast.fill_tuples()] == [
        (f.ts, f.side, f.price, f.qty) for f in engine.fills
    ]
    assert len(engine.fills) > 10


def wild(n: int, seed: int) -> CandleSeries:
    """Generated 1m candles with wide ranges and gaps: many fills and reactions per candle."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.006, n)))
    gap = rng.normal(0.0, 0.003, n) * (rng.random(n) < 0.1)
    opens = np.concatenate([[100.0], close[:-1]]) * (1.0 + gap)
    high = np.maximum(opens, close) * (1.0 + rng.uniform(0.0, 0.012, n))
    low = np.minimum(opens, close) * (1.0 - rng.uniform(0.0, 0.012, n))
    ts = T0 + np.arange(n, dtype=np.int64) * MINUTE
    return CandleSeries("BTCUSDT", MINUTE, ts, opens, high, low, close, np.full(n, 5.0))


WILD_DCA = {**DCA, "price_deviation": "0.4", "take_profit": "0.5", "stop_loss": "2"}
WILD_GRID = {
    "kind": "grid",
    "lower": "80",
    "upper": "125",
    "levels": 46,
    "amount_per_level": "150",
    "stop_outside_pct": "5",
}


@pytest.mark.parametrize("fill_model", ["pessimistic", "ohlc", "olhc"])
@pytest.mark.parametrize(
    "strategy",
    [{**WILD_DCA, "cooldown_candles": 0}, WILD_DCA, WILD_GRID],
    ids=["dca-no-cooldown", "dca", "grid"],
)
async def test_engine_and_kernel_agree_when_bots_react_inside_candles(
    fill_model: str, strategy: dict[str, object]
) -> None:
    raw = {
        "replay": {"data": "bundled", "speed": "max"},
        "paper": {"fill_model": fill_model},
        "bots": [{"name": "d", "strategy": strategy}],
    }
    config = parse_config(yaml.safe_dump(raw), "wild.yaml", {})
    data = wild(3000, 13)
    engine = await run_backtest(config, candles=data)
    fast = run_fast(config, "d", data)
    assert [r[:4] for r in fast.fill_tuples()] == [
        (f.ts, f.side, f.price, f.qty) for f in engine.fills
    ]
    np.testing.assert_allclose(fast.equity, engine.equity.values, rtol=0, atol=1e-9)
    assert len(engine.fills) > 50
