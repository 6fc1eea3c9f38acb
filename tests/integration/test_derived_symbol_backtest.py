"""Backtests of symbols the paper venue has no known rules for: the bundled BTC/USDT candles
rescaled by a fixed factor to other price levels, traded by the engine and by the fast kernel
with the same fills, through the API and the CLI (`--fast`), and the config's own rules."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from kit.factories import DCA_STRATEGY as DCA

from traderagent.backtest.kernels import run_fast
from traderagent.backtest.runner import run_backtest
from traderagent.cli import main
from traderagent.config import parse_config
from traderagent.marketdata import CandleSeries, load_bundled

DAY_MS = 86_400_000
# symbol: divisor of the BTC prices (exact for the grid bounds), the rules derived at that level
LEVELS = {
    "XRPUSDT": (50_000, Decimal("0.000001"), Decimal("0.1")),  # about 0.45
    "ADAUSDT": (10_000, Decimal("0.00001"), Decimal("0.01")),  # about 2.2
    "SOLUSDT": (160, Decimal("0.001"), Decimal("0.0001")),  # about 140
}


def rescaled(
    symbol: str, first_day: int = 0, days: int = 4, divisor: int | None = None
) -> CandleSeries:
    """Bundled candles from `first_day` on, every price divided by the symbol's divisor."""
    btc = load_bundled()
    start = btc.first_ts + first_day * DAY_MS
    btc = btc.between(start, start + days * DAY_MS)
    k = divisor or LEVELS[symbol][0]
    return CandleSeries(
        symbol, btc.interval_ms, btc.ts, btc.open / k, btc.high / k, btc.low / k, btc.close / k,
        btc.volume * k,
    )  # fmt: skip


def grid(symbol: str, lower: int = 21_000, upper: int = 25_000) -> dict[str, object]:
    k = LEVELS[symbol][0]
    return {
        "kind": "grid",
        "lower": str(Decimal(lower) / k),
        "upper": str(Decimal(upper) / k),
        "levels": 41,
        "amount_per_level": "200",
    }


def config_raw(
    symbol: str, strategy: dict[str, object], data: str = "bundled"
) -> dict[str, object]:
    return {
        "replay": {"data": data, "symbol": symbol, "speed": "max"},
        "bots": [{"name": "bot", "symbol": symbol, "strategy": strategy}],
    }


@pytest.mark.parametrize("symbol", list(LEVELS))
@pytest.mark.parametrize("kind", ["grid", "dca"])
async def test_engine_and_kernel_fill_alike_on_derived_rules(symbol: str, kind: str) -> None:
    candles = rescaled(symbol)
    strategy = grid(symbol) if kind == "grid" else DCA
    config = parse_config(yaml.safe_dump(config_raw(symbol, strategy)), "case.yaml", {})
    engine = await run_backtest(config, candles=candles)
    fast = run_fast(config, "bot", candles)

    _, tick, lot = LEVELS[symbol]
    assert (fast.instrument.tick_size, fast.instrument.lot_size) == (tick, lot)
    assert len(engine.fills) > 4
    assert all(f.price % tick == 0 and f.qty % lot == 0 for f in engine.fills)
    wanted = [(f.ts, f.side, f.price, f.qty) for f in engine.fills]
    assert [row[:4] for row in fast.fill_tuples()] == wanted
    fees = np.array([float(f.fee) for f in engine.fills])
    np.testing.assert_allclose(fast.fees, fees, rtol=0, atol=1e-9)
    np.testing.assert_allclose(fast.equity, engine.equity.values, rtol=0, atol=1e-9)
    assert fast.metrics["orders"] == engine.metrics.orders


async def test_configured_rules_win_over_derived_ones_on_both() -> None:
    raw = config_raw("XRPUSDT", grid("XRPUSDT"))
    raw["paper"] = {"instruments": {"XRPUSDT": {"tick": "0.0001", "lot": "1", "min_qty": "10"}}}
    config = parse_config(yaml.safe_dump(raw), "case.yaml", {})
    candles = rescaled("XRPUSDT")
    engine = await run_backtest(config, candles=candles)
    fast = run_fast(config, "bot", candles)
    assert fast.instrument.tick_size == Decimal("0.0001") and fast.instrument.min_qty == 10
    assert engine.fills and all(f.qty % 1 == 0 and f.qty >= 10 for f in engine.fills)
    assert [row[:4] for row in fast.fill_tuples()] == [
        (f.ts, f.side, f.price, f.qty) for f in engine.fills
    ]


def write_csv(series: CandleSeries, path: Path) -> None:
    pd.DataFrame(
        {
            "open_time": series.ts,
            "open": series.open,
            "high": series.high,
            "low": series.low,
            "close": series.close,
            "volume": series.volume,
        }
    ).to_csv(path, index=False)


def test_the_cli_backtests_a_derived_symbol_alike_with_and_without_fast(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "XRPUSDT-1m.csv"
    write_csv(rescaled("XRPUSDT", first_day=3, days=3), data)
    config = tmp_path / "xrp.yaml"
    strategy = grid("XRPUSDT", 21_500, 23_500)
    config.write_text(yaml.safe_dump(config_raw("XRPUSDT", strategy, str(data))), "utf-8")
    engine, fast = tmp_path / "engine.json", tmp_path / "fast.json"
    assert main(["backtest", "--config", str(config), "--json", str(engine)]) == 0
    assert main(["backtest", "--config", str(config), "--fast", "--json", str(fast)]) == 0
    assert "(fast kernel)" in capsys.readouterr().out
    by_engine = json.loads(engine.read_text(encoding="utf-8"))
    by_kernel = json.loads(fast.read_text(encoding="utf-8"))
    for metrics in (by_engine, by_kernel):
        del metrics["elapsed_s"]
    assert by_kernel == by_engine and by_engine["fills"] > 10


def test_a_symbol_without_a_known_quote_asset_is_explained(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "XRPBTC-1m.csv"
    write_csv(rescaled("XRPUSDT", days=1), data)
    config = tmp_path / "xrp.yaml"
    config.write_text(yaml.safe_dump(config_raw("XRPBTC", grid("XRPUSDT"), str(data))), "utf-8")
    assert main(["backtest", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "bots[0].symbol: the paper exchange trades <BASE><QUOTE> symbols quoted in USDT" in err
    assert "XRPBTC is not one" in err
    assert main(["backtest", "--config", str(config), "--fast"]) == 2
    assert "the paper venue trades no XRPBTC (quote assets: USDT, USDC)" in capsys.readouterr().err


def test_the_live_paper_venue_lists_the_symbol_and_keeps_its_rules_on_resume(
    tmp_path: Path,
) -> None:
    from traderagent.wiring.venues import paper_venue

    data = tmp_path / "DOTUSDT-1m.csv"
    candles = rescaled("DOTUSDT", days=12, divisor=22_000)  # from about 1.05 down to 0.9
    write_csv(candles, data)
    raw = config_raw("DOTUSDT", {**grid("XRPUSDT"), "lower": "0.9", "upper": "1.1"}, str(data))
    config = parse_config(yaml.safe_dump(raw), "x.yaml", {})
    venue = paper_venue(config)
    inst = venue.instruments["DOTUSDT"]
    assert (inst.tick_size, inst.lot_size, inst.quote) == (
        Decimal("0.00001"),
        Decimal("0.01"),
        "USDT",
    )
    # resumed where the price is below 1: the rules are still those of the replay's first close
    resumed = paper_venue(config, resume_ms=candles.first_ts + 10 * DAY_MS)
    assert isinstance(resumed.feed, CandleSeries) and resumed.feed.close[0] < 1
    assert resumed.instruments == venue.instruments
