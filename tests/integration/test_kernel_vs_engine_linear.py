"""The fast grid kernel on linear perpetuals against the engine on the paper venue's linear
model: the same fills (time, side, price, quantity, fee), the same equity after every candle,
final equity and funding, for long, short and neutral grids on the bundled candles, with a
constant funding rate and the bundled funding file; a funding charge checked by hand; runs the
venue liquidates (a long and a short grid) modelled by the kernel fill for fill; a long DCA
with its take profits, sell stops and funding; `backtest --fast` on the example perpetual grid
giving the engine's fills; the optimiser on a linear space; and what the kernels still refuse
on linear.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from traderagent.backtest import venue as backtest_venue
from traderagent.backtest.fast import engine_fills
from traderagent.backtest.kernels import UnsupportedFast, run_fast
from traderagent.backtest.runner import run_backtest
from traderagent.cli import main
from traderagent.config import AppConfig, parse_config
from traderagent.exchanges.paper.linear.exchange import PaperLinearExchange
from traderagent.marketdata import CandleSeries, load_bundled
from traderagent.marketdata.resample import resample
from traderagent.wiring.venues import paper_exchange

DAY_MS = 86_400_000
GRID = {"kind": "grid", "lower": "21000", "upper": "25000", "levels": 41, "amount_per_level": "200"}
DCA = {
    "kind": "dca",
    "base_order": "200",
    "safety_order": "200",
    "max_safety_orders": 5,
    "active_safety_orders": 2,
    "price_deviation": "1",
    "step_scale": "1.3",
    "volume_scale": "1.5",
    "take_profit": "1.2",
    "stop_loss": "5",
}
# (name, first day, days, strategy, paper.linear, metrics the case must reach)
CASES = [
    ("long", 0, 2, GRID, {"leverage": "3"}, {"cycles": 3}),
    (
        "long-funded-cross",
        7,
        3,
        GRID,
        {"leverage": "5", "funding_rate": "0.0001", "margin_mode": "cross"},
        {"cycles": 3},
    ),
    (
        "short",
        0,
        2,
        {**GRID, "direction": "short"},
        {"leverage": "3", "long_only": False, "funding_rate": "-0.0002"},
        {"cycles": 3},
    ),
    (
        "short-rally",
        11,
        3,
        {**GRID, "direction": "short", "levels": 21, "amount_per_level": "300"},
        {"leverage": "10", "long_only": False, "margin_mode": "cross"},
        {"cycles": 5},
    ),
    (
        "neutral-funding-file",
        0,
        3,
        {**GRID, "direction": "neutral"},
        {"leverage": "3", "long_only": False, "funding_file": "bundled"},
        {"cycles": 3},
    ),
    ("dca-long-funded", 0, 3, DCA, {"leverage": "3", "funding_rate": "0.0001"}, {"cycles": 2}),
    (  # the stop loss rests on the venue as a sell stop: it fills where it triggers
        "dca-long-stops",
        6,
        4,
        {**DCA, "stop_loss": "1.5", "cooldown_candles": 0},
        {"leverage": "5", "funding_file": "bundled", "margin_mode": "cross"},
        {"cycles": 3, "stops": 5},
    ),
]


def config_text(strategy: dict[str, Any], linear: dict[str, Any]) -> str:
    raw = {
        "replay": {"data": "bundled", "speed": "max"},
        "paper": {"balances": {"USDT": "10000"}, "category": "linear", "linear": linear},
        "bots": [{"name": "bot", "strategy": strategy}],
    }
    return yaml.safe_dump(raw)


def days(first: int, count: int) -> CandleSeries:
    series = load_bundled()
    start = series.first_ts + first * DAY_MS
    return series.between(start, start + count * DAY_MS)


async def engine_run(
    config: AppConfig, candles: CandleSeries, monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, PaperLinearExchange]:
    made: list[Any] = []

    def spying(*args: Any, **kwargs: Any) -> Any:
        made.append(paper_exchange(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(backtest_venue, "paper_exchange", spying)
    result = await run_backtest(config, candles=candles)
    assert isinstance(made[0], PaperLinearExchange)
    return result, made[0]


@pytest.mark.parametrize(
    ("first", "count", "strategy", "linear", "reached"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
async def test_the_linear_grid_kernel_is_the_engine_fill_for_fill(
    first: int,
    count: int,
    strategy: dict[str, Any],
    linear: dict[str, Any],
    reached: dict[str, float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    candles = days(first, count)
    config = parse_config(config_text(strategy, linear), "case.yaml", {})
    engine, venue = await engine_run(config, candles, monkeypatch)
    fast = run_fast(config, "bot", candles)

    assert venue.liquidations == 0
    assert_same(engine, venue, fast, linear, reached)


def assert_same(
    engine: Any,
    venue: PaperLinearExchange,
    fast: Any,
    linear: dict[str, Any],
    reached: dict[str, float],
) -> None:
    """The kernel's run is the engine's: fills, fees, equity, funding, position, orders."""
    wanted = [(f.ts, f.side, f.price, f.qty) for f in engine.fills]
    assert [row[:4] for row in fast.fill_tuples()] == wanted
    fees = [f.fee for f in engine.fills]
    assert [f.fee for f in fast.domain_fills()] == fees  # exact, all in USDT
    assert {f.fee_asset for f in fast.domain_fills()} == {"USDT"}
    np.testing.assert_allclose(fast.equity, engine.equity.values, rtol=0, atol=1e-8)
    final = float(engine.metrics.final_equity)
    assert fast.metrics["final_equity"] == pytest.approx(final, abs=1e-8)
    paid = sum((c.fee for c in venue.funding_charges), Decimal(0))
    assert fast.funding == pytest.approx(float(paid), abs=1e-9)  # a float sum of the fees
    assert fast.funding_charges == len(venue.funding_charges)
    assert [(int(ts), Decimal(repr(fee))) for ts, fee in fast.funding_rows.tolist()] == [
        (c.ts, c.fee) for c in venue.funding_charges
    ]
    if linear.get("funding_rate") or linear.get("funding_file"):
        assert venue.funding_charges and paid != 0  # the case exercises funding
    held = venue.book.position("BTCUSDT")
    assert fast.metrics["position"] == pytest.approx(float(held.size * held.sign), abs=1e-12)
    assert fast.metrics["orders"] == engine.metrics.orders
    for name, least in reached.items():
        assert fast.metrics[name] >= least, name


async def test_a_funding_charge_checks_by_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    """A short grid seeded at the start holds a short of the seed's size until its first
    buy-back: at the first 8-hour mark it receives size x mark x rate, the mark being the
    close of the candle that ends at it."""
    candles = days(0, 1)
    strategy = {**GRID, "direction": "short", "lower": "21000", "upper": "23000", "levels": 3}
    linear = {"leverage": "2", "long_only": False, "funding_rate": "0.0003"}
    config = parse_config(config_text(strategy, linear), "case.yaml", {})
    fast = run_fast(config, "bot", candles)
    engine, venue = await engine_run(config, candles, monkeypatch)
    seed = fast.domain_fills()[0]
    assert seed.side.value == "Sell" and seed.tag == "-1"  # the seed: a market sell
    mark_ms = int(fast.funding_rows[0, 0])
    assert mark_ms % (8 * 3_600_000) == 0
    held = sum(
        (-f.qty if f.side.value == "Sell" else f.qty for f in engine.fills if f.ts <= mark_ms),
        Decimal(0),
    )
    close = Decimal(repr(float(candles.close[np.searchsorted(candles.ts, mark_ms) - 1])))
    by_hand = (held * close.quantize(Decimal("0.01")) * Decimal("0.0003")).quantize(
        Decimal("0.00000001")
    )
    assert held < 0 and by_hand < 0  # a short receives a positive rate
    assert Decimal(repr(float(fast.funding_rows[0, 1]))) == by_hand
    assert venue.funding_charges[0].fee == by_hand


@pytest.mark.parametrize(
    ("first", "strategy", "linear", "liquidations"),
    [
        (7, GRID, {"leverage": "50"}, 9),
        (  # the drawdown halt off: a halt is not modelled, the liquidations go on
            11,
            {**GRID, "direction": "short", "levels": 21, "amount_per_level": "300"},
            {"leverage": "100", "long_only": False},
            57,
        ),
    ],
    ids=["long-fall", "short-rally"],
)
async def test_a_run_the_venue_liquidates_is_the_engine_fill_for_fill(
    first: int,
    strategy: dict[str, Any],
    linear: dict[str, Any],
    liquidations: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At leverage 50 a long grid through the fall of 2023-03-09/10 is liquidated by the
    venue nine times, a short grid at 100 through the rally of 2023-03-13 57 times: each at
    the bankruptcy price without a fee, the grid's orders cancelled and the grid opened again
    (`on_resume`, a new seed) at the bot's last price; the kernel models each, fill for fill
    with the engine (a short's bankruptcy price on a whole tick, decided exactly, too)."""
    candles = days(first, 3)
    raw = yaml.safe_load(config_text(strategy, linear))
    raw["risk"] = {"max_drawdown_pct": None}
    config = parse_config(yaml.safe_dump(raw), "case.yaml", {})
    engine, venue = await engine_run(config, candles, monkeypatch)
    fast = run_fast(config, "bot", candles)
    assert venue.liquidations == liquidations
    closes = [f for f in engine_fills(config, fast) if f.tag == "liquidation"]
    assert len(closes) == liquidations
    assert {f.fee for f in closes} == {Decimal(0)}
    assert [f.tag for f in engine.fills if f.tag == "liquidation"] == ["liquidation"] * len(closes)
    assert_same(engine, venue, fast, linear, {})


@pytest.mark.parametrize(
    ("strategy", "why"),
    [
        ({**DCA, "direction": "short"}, "short DCA on linear perpetuals"),
        ({**GRID, "direction": "short", "stop_outside_pct": "2"}, "stops outside its range"),
    ],
    ids=["dca", "grid-stop-outside"],
)
def test_what_the_linear_kernel_does_not_model_is_refused(
    strategy: dict[str, Any], why: str
) -> None:
    text = config_text(strategy, {"leverage": "3", "long_only": False})
    config = parse_config(text, "case.yaml", {})
    with pytest.raises(UnsupportedFast, match=why):
        run_fast(config, "bot", days(0, 1))


def test_backtest_fast_runs_the_example_perpetual_grid_as_the_engine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    window = ["--start", "2023-03-06", "--end", "2023-03-09"]
    args = ["backtest", "--config", "configs/grid-perp.yaml", *window]
    engine, fast = tmp_path / "engine.json", tmp_path / "fast.json"
    assert main([*args, "--json", str(engine)]) == 0
    engine_out = capsys.readouterr().out
    assert main([*args, "--fast", "--json", str(fast)]) == 0
    fast_out = capsys.readouterr().out
    assert "(fast kernel)" in fast_out

    def fills(out: str) -> str:
        found = re.search(r"^\s*fills\s+([\d,]+)\s*$", out, re.MULTILINE)
        assert found is not None
        return found.group(1)

    assert fills(fast_out) == fills(engine_out)
    by_engine = json.loads(engine.read_text(encoding="utf-8"))
    by_kernel = json.loads(fast.read_text(encoding="utf-8"))
    assert by_kernel["fills"] == by_engine["fills"] > 0
    for key in ("final_equity", "net_pnl", "fees"):  # the same amounts, however written
        assert Decimal(by_kernel[key]) == Decimal(by_engine[key]), key


def test_optimize_runs_a_linear_grid_space_on_the_kernel(tmp_path: Path) -> None:
    space = tmp_path / "space.yaml"
    space.write_text(
        "levels: {int: [21, 41], step: 20}\ndirection: {choice: [long, short]}\n", encoding="utf-8"
    )
    out = tmp_path / "out.json"
    args = ["optimize", "--config", "configs/grid-perp.yaml", "--data", "bundled"]
    window = ["--start", "2023-03-06", "--end", "2023-03-07", "--space", str(space)]
    code = main([*args, *window, "--method", "grid", "--trials", "4", "--no-export",
                 "--json", str(out)])  # fmt: skip
    assert code == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert set(result["evaluators"]) == {"kernel"}  # each point on the linear kernel
    assert result["evaluators"]["kernel"] >= 2
    directions = {t["params"]["direction"] for t in result["trials"] if t["metrics"]}
    assert directions == {"long", "short"}


async def test_the_linear_kernel_matches_the_engine_on_5m_candles(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """5m candles (the bundled 1m resampled): the funding marks fall at 5m closes, the market
    price at a fill is the 5m close, in both."""
    candles = resample(days(9, 5), 5 * 60_000)
    strategy = {**GRID, "direction": "neutral", "lower": "19500", "upper": "22500"}
    linear = {"leverage": "4", "long_only": False, "funding_rate": "0.0001"}
    config = parse_config(config_text(strategy, linear), "case.yaml", {})
    engine, venue = await engine_run(config, candles, monkeypatch)
    fast = run_fast(config, "bot", candles)
    assert [row[:4] for row in fast.fill_tuples()] == [
        (f.ts, f.side, f.price, f.qty) for f in engine.fills
    ]
    assert [f.fee for f in fast.domain_fills()] == [f.fee for f in engine.fills]
    np.testing.assert_allclose(fast.equity, engine.equity.values, rtol=0, atol=1e-8)
    assert fast.funding_charges == len(venue.funding_charges) > 5
    assert fast.metrics["cycles"] >= 5
