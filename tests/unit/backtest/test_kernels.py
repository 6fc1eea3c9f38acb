"""The fast kernels' own contract: what they refuse, their exact arithmetic, the sweep against
single runs, the fill record and the on-disk cache guard (the engine comparison is in
tests/integration/test_kernel_vs_engine.py)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import yaml
from kit.factories import BTCUSDT

from traderagent.backtest import kernels
from traderagent.backtest.kernels import (
    METRIC_NAMES,
    SWEEP_COLUMNS,
    UnsupportedFast,
    api,
    cache,
    run_fast,
    sweep_grid,
    sweep_venue,
)
from traderagent.backtest.kernels.exact import ceil_dd, floor_dd, ticks_of
from traderagent.backtest.kernels.params import step_fraction
from traderagent.config import parse_config
from traderagent.domain import Side
from traderagent.marketdata import CandleSeries, load_bundled

GRID = {"kind": "grid", "lower": "21000", "upper": "25000", "levels": 41, "amount_per_level": "200"}
PERP = {"category": "linear", "linear": {"long_only": False}}


def config(bot: dict[str, object], **top: object) -> str:
    return yaml.safe_dump({"replay": {"data": "bundled"}, **top, "bots": [{"name": "b", **bot}]})


def two_days() -> CandleSeries:
    sample = load_bundled()
    return sample.between(sample.first_ts, sample.first_ts + 2 * 86_400_000)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (
            config(
                {
                    "strategy": {
                        **GRID,
                        "lower": None,
                        "upper": None,
                        "bounds": {"atr_multiple": "3"},
                    }
                }
            ),
            "from the ATR",
        ),
        (config({"strategy": {"kind": "trend"}}), "runs a trend strategy"),
        (config({"strategy": GRID, "risk": {"max_order_notional": "100"}}), "own risk limits"),
        (config({"strategy": GRID, "smc": {}}), "filters its entries"),
        (config({"router": {}}), "routed by the market regime"),
        (config({"strategy": GRID}, risk={"max_gross_exposure_pct": "100"}), "gross exposure"),
        *(
            (config({"strategy": strategy}, paper=PERP), "linear perpetuals")
            for strategy in (
                {"kind": "dca", "direction": "short", "base_order": "200", "safety_order": "200"},
                {**GRID, "direction": "short", "stop_outside_pct": "2"},
            )
        ),
    ],
)
def test_unsupported_configs_say_why_and_what_is_supported(text: str, why: str) -> None:
    raw = yaml.safe_load(text)
    strategy = raw["bots"][0].get("strategy") or {}
    raw["bots"][0]["strategy"] = {k: v for k, v in strategy.items() if v is not None} or None
    if raw["bots"][0]["strategy"] is None:
        del raw["bots"][0]["strategy"]
    parsed = parse_config(yaml.safe_dump(raw), "x.yaml", {})
    with pytest.raises(UnsupportedFast) as err:
        run_fast(parsed, "b", two_days())
    assert why in str(err.value)
    assert "support" in str(err.value) and "grid" in str(err.value)


def test_an_unknown_bot_is_named() -> None:
    parsed = parse_config(config({"strategy": GRID}), "x.yaml", {})
    with pytest.raises(UnsupportedFast, match="no bot named 'nope'"):
        run_fast(parsed, "nope", two_days())


def test_floor_and_ceil_treat_a_hair_off_an_integer_as_decimal_rounding_does() -> None:
    assert floor_dd(7.0, -1e-40) == 7  # below 1e-29 relative: the integer itself
    assert floor_dd(7.0, -1e-20) == 6  # a real shortfall
    assert floor_dd(7.5, 0.0) == 7
    assert ceil_dd(7.0, 1e-40) == 7
    assert ceil_dd(7.0, 1e-20) == 8
    assert ceil_dd(-2.5, 0.0) == -2


def test_ticks_of_finds_the_grid_and_rounds_half_even() -> None:
    assert ticks_of(23456.78, 1.0, 100.0) == 2345678
    assert ticks_of(23456.785, 1.0, 100.0) == 2345678  # tie: to the even tick
    assert ticks_of(23456.775, 1.0, 100.0) == 2345678
    assert ticks_of(23456.7851, 1.0, 100.0) == 2345679
    assert ticks_of(150.0, 5.0, 10.0) == 300  # a tick of 0.5


@pytest.mark.parametrize("tick", ["0.01", "0.5", "0.0001"])
def test_ticks_of_reads_prices_as_the_engine_does_float_noise_included(tick: str) -> None:
    """The kernels and `Instrument.market_price` put every candle price on the same tick: on
    it, a hair off it, and at or a hair beside the half-way decimals (half-even ties)."""
    inst = replace(BTCUSDT, tick_size=Decimal(tick))
    num, den = step_fraction(inst.tick_size)
    rng = np.random.default_rng(2)
    ticks = rng.integers(1, 10_000_000, 2000)
    on = np.array([float(int(k) * inst.tick_size) for k in ticks])
    half = np.array([float((int(k) + Decimal("0.5")) * inst.tick_size) for k in ticks])
    prices = np.concatenate([on, half, rng.uniform(0.01, 1e5, 2000)])
    noisy = np.concatenate([prices, np.nextafter(prices, 0), np.nextafter(prices, np.inf)])
    for x in noisy.tolist():
        assert ticks_of(x, num, den) * inst.tick_size == inst.market_price(x), x


def test_fills_are_exact_on_the_tick_and_lot_and_the_record_grows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsed = parse_config(config({"strategy": GRID}), "x.yaml", {})
    full = run_fast(parsed, "b", two_days())
    monkeypatch.setattr(api, "FILL_CAPACITY", 4)  # fewer than the run makes: it runs again
    small = run_fast(parsed, "b", two_days())
    assert small.fill_tuples() == full.fill_tuples() and full.fill_count > 4
    first = full.domain_fills()[0]
    assert first.tag == "-1" and first.side is Side.BUY  # the seed, at market on the first close
    for fill in full.domain_fills():
        assert fill.price % Decimal("0.01") == 0 and fill.qty % Decimal("0.000001") == 0
    spent = sum(
        float(f.price * f.qty) * (1 if f.side is Side.SELL else -1) for f in full.domain_fills()
    )
    # a buy credits its quantity less its fee in base; a sell pays its fee in quote
    held = float(
        sum((f.base_qty if f.side is Side.BUY else -f.qty for f in full.domain_fills()), Decimal(0))
    )
    quote_fees = sum(float(f.fee) for f in full.domain_fills() if f.side is Side.SELL)
    assert all(f.fee_asset == "BTC" for f in full.domain_fills() if f.side is Side.BUY)
    close = float(two_days().close[-1])
    assert full.equity[-1] == pytest.approx(10_000 + spent - quote_fees + held * close, abs=1e-8)
    assert full.metrics["fills"] == full.fill_count and len(full.equity) == len(two_days())


def test_a_bot_that_does_not_start_trades_nothing() -> None:
    parsed = parse_config(config({"strategy": GRID, "autostart": False}), "x.yaml", {})
    result = run_fast(parsed, "b", two_days())
    assert result.fill_count == 0 and result.metrics["orders"] == 0
    assert np.all(result.equity == 10_000)


def test_sweep_rows_are_the_runs_of_the_same_grids() -> None:
    grids = [
        {**GRID},
        {**GRID, "lower": "22000", "upper": "24000", "levels": 21, "spacing": "geometric"},
        {**GRID, "lower": "23000", "upper": "23800", "levels": 9, "stop_outside_pct": "1"},
    ]
    rows = [
        [
            float(g["lower"]),
            float(g["upper"]),
            g["levels"],
            1.0 if g.get("spacing") else 0.0,
            float(g["amount_per_level"]),
            float(g.get("stop_outside_pct", "nan")),
        ]
        for g in grids
    ]
    rows.append([23000.0, 23000.5, 100, 0.0, 200.0, np.nan])  # levels closer than a tick
    rows.append([21000.0, 25000.0, 41, 0.0, 1.0, np.nan])  # below the minimum order
    candles = two_days()
    base = parse_config(config({"strategy": GRID}), "x.yaml", {})
    table = sweep_grid(candles, np.array(rows), sweep_venue(base, "b"))
    assert table.shape == (5, len(METRIC_NAMES)) and len(SWEEP_COLUMNS) == 6
    for grid, row in zip(grids, table, strict=False):
        single = run_fast(parse_config(config({"strategy": grid}), "x.yaml", {}), "b", candles)
        assert dict(zip(METRIC_NAMES, row.tolist(), strict=True)) == single.metrics
        assert single.metrics["fills"] > 0
    assert table[3, METRIC_NAMES.index("valid")] == 0 == table[4, METRIC_NAMES.index("valid")]


def test_the_cache_is_dropped_when_the_sources_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "cache_dir", lambda: tmp_path)
    stale = tmp_path / "venue.walk-250.py311.nbi"
    stale.write_text("compiled from other sources")
    cache.check_cache()
    assert not stale.exists()
    assert (tmp_path / cache.STAMP).read_text() == cache.source_digest()
    fresh = tmp_path / "venue.walk-250.py311.nbc"
    fresh.write_text("compiled from these sources")
    cache.check_cache()
    assert fresh.exists()
    assert kernels.run_fast is run_fast


def test_a_kernel_never_runs_a_short_or_neutral_strategy_as_a_long_one() -> None:
    """An optimiser's space may set `direction` on a spot base config: the kernels' constants
    refuse it rather than trade it long."""
    from kit.factories import BTCUSDT

    from strategies.dca import DcaConfig
    from strategies.grid import GridConfig
    from traderagent.backtest.kernels.prepare import dca_arrays, grid_arrays

    for direction in ("short", "neutral"):
        grid = GridConfig.model_validate({**GRID, "direction": direction})
        with pytest.raises(UnsupportedFast, match=f"direction: {direction} trades linear"):
            grid_arrays(grid, BTCUSDT)
    dca = DcaConfig.model_validate({"direction": "short", "base_order": 1, "safety_order": 1})
    with pytest.raises(UnsupportedFast, match="direction: short trades linear"):
        dca_arrays(dca, BTCUSDT)
    assert grid_arrays(GridConfig.model_validate(GRID), BTCUSDT).levels.size == 41
