"""`traderagent cluster` on synthetic symbols: seeded random walks in three volatility and
volume groups, written as CSV and Parquet files; the groups, the presets and bad input."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from traderagent.cli import main
from traderagent.config import load_config

START_MS = 1_677_628_800_000  # 2023-03-01
GROUPS = {  # symbol: (volatility per minute, base volume per candle)
    "CALMAUSDT": (0.0003, 50.0),
    "CALMBUSDT": (0.00035, 60.0),
    "BTCUSDT": (0.001, 400.0),  # known to the paper venue; the others get derived rules
    "MIDBUSDT": (0.0011, 500.0),
    "WILDAUSDT": (0.004, 5000.0),
    "WILDBUSDT": (0.0045, 6000.0),
}


def write_symbols(folder: Path, days: int = 2, level: float = 20_000.0) -> None:
    """The GROUPS' candles starting at the price `level` (the same quote volumes at any level)."""
    rng = np.random.default_rng(11)
    n = days * 1440
    for i, (symbol, (vol, volume)) in enumerate(GROUPS.items()):
        close = level * np.exp(np.cumsum(rng.normal(0, vol, n)))
        open_ = np.concatenate(([level], close[:-1]))
        wick = np.abs(rng.normal(0, vol / 3, n))
        frame = pd.DataFrame(
            {
                "open_time": START_MS + 60_000 * np.arange(n),
                "open": open_,
                "high": np.maximum(open_, close) * (1 + wick),
                "low": np.minimum(open_, close) * (1 - wick),
                "close": close,
                "volume": volume * rng.uniform(0.5, 1.5, n) / level,
            }
        )
        if i % 2:
            frame.to_parquet(folder / f"{symbol}-1m.parquet")
        else:
            frame.to_csv(folder / f"{symbol.lower()}_1m.csv", index=False)


def test_symbols_group_by_volatility_and_volume_with_a_preset_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_symbols(tmp_path)
    (tmp_path / "notes.txt").write_text("not candles", encoding="utf-8")
    presets, out = tmp_path / "presets", tmp_path / "clusters.json"
    args = [
        "cluster",
        "--data-dir",
        str(tmp_path),
        "--k",
        "3",
        "--out-dir",
        str(presets),
        "--json",
        str(out),
    ]
    assert main(args) == 0
    printed = capsys.readouterr().out
    result = json.loads(out.read_text(encoding="utf-8"))
    groups = [c["members"] for c in result["clusters"]]
    assert groups == [
        ["CALMAUSDT", "CALMBUSDT"],
        ["BTCUSDT", "MIDBUSDT"],
        ["WILDAUSDT", "WILDBUSDT"],
    ]
    atr = [c["atr_pct"] for c in result["clusters"]]
    assert atr == sorted(atr) and atr[2] > 5 * atr[0]
    assert "cluster-2  BTCUSDT, MIDBUSDT" in printed

    first = json.loads(out.read_text(encoding="utf-8"))
    assert main(args) == 0  # deterministic: the same groups and presets again
    capsys.readouterr()
    assert json.loads(out.read_text(encoding="utf-8")) == first

    for cluster in result["clusters"]:
        config = load_config(Path(cluster["preset"]))
        bot = config.bots[0]
        assert bot.symbol == cluster["representative"] and bot.symbol in cluster["members"]
        assert bot.strategy.bounds.interval == "1h"  # type: ignore[union-attr]
        assert cluster["strategy"]["levels"] == bot.strategy.levels  # type: ignore[union-attr]
    for cluster in result["clusters"]:  # the rule: 90 % of 10,000 over 48 slots, volume-capped
        volume_cap = Decimal(repr(cluster["quote_volume_h"])) / 1000
        expected = max(min(Decimal("187.5"), volume_cap), Decimal(10)).quantize(Decimal("0.01"))
        assert cluster["strategy"]["amount_per_level"] == str(expected)
    amounts = [c["strategy"]["amount_per_level"] for c in result["clusters"]]
    assert amounts[0] == "10.00" and amounts[2] == "187.50"  # the thin market gets the floor


def test_a_starting_preset_runs_as_a_backtest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_symbols(tmp_path)
    presets = tmp_path / "presets"
    assert (
        main(["cluster", "--data-dir", str(tmp_path), "--k", "3", "--out-dir", str(presets)]) == 0
    )
    out = tmp_path / "bt.json"
    assert main(["backtest", "--config", str(presets / "cluster-2.yaml"), "--json", str(out)]) == 0
    metrics = json.loads(out.read_text(encoding="utf-8"))
    assert metrics["candles"] == 2 * 1440 and metrics["orders"] > 0  # the grid opened
    assert "grid cycles" in capsys.readouterr().out


@pytest.mark.parametrize("level", [20_000.0, 0.5])
def test_presets_of_symbols_the_venue_derives_rules_for_run_as_backtests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], level: float
) -> None:
    write_symbols(tmp_path, level=level)
    presets = tmp_path / "presets"
    assert (
        main(["cluster", "--data-dir", str(tmp_path), "--k", "3", "--out-dir", str(presets)]) == 0
    )
    capsys.readouterr()
    for preset in ("cluster-1.yaml", "cluster-3.yaml"):  # CALMAUSDT and WILDAUSDT: not listed
        symbol = load_config(presets / preset).bots[0].symbol
        assert symbol not in ("BTCUSDT", "ETHUSDT")
        out = tmp_path / f"{preset}.json"
        assert main(["backtest", "--config", str(presets / preset), "--json", str(out)]) == 0
        metrics = json.loads(out.read_text(encoding="utf-8"))
        assert metrics["candles"] == 2 * 1440 and metrics["orders"] > 0, symbol
        assert "error" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--k", "9"], "--k must be between 1 and the number of symbols (6)"),
        (["--balance", "-5"], "--balance must be a positive"),
    ],
)
def test_bad_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    write_symbols(tmp_path, days=1)
    assert (
        main(["cluster", "--data-dir", str(tmp_path), "--out-dir", str(tmp_path / "p"), *extra])
        == 2
    )
    assert message in capsys.readouterr().err


def test_an_empty_folder_or_a_short_file_is_explained(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cluster", "--data-dir", str(tmp_path)]) == 2
    assert "no candle files" in capsys.readouterr().err
    pd.DataFrame(
        {
            "open_time": START_MS + 60_000 * np.arange(120),
            "open": 1.0,
            "high": 1.0,
            "low": 1.0,
            "close": 1.0,
            "volume": 1.0,
        }
    ).to_csv(tmp_path / "TINYUSDT.csv", index=False)
    assert main(["cluster", "--data-dir", str(tmp_path)]) == 2
    assert "2 whole hours of candles; the ATR needs at least 15" in capsys.readouterr().err


def test_the_local_candle_store_can_be_clustered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from traderagent.marketdata import load_candles
    from traderagent.marketdata.store import CandleStore, StoreKey

    monkeypatch.setenv("TRADERAGENT_DATA_DIR", str(tmp_path / "data"))
    assert main(["cluster", "--store"]) == 2
    err = capsys.readouterr().err
    assert "the candle store" in err and "is empty" in err
    write_symbols(tmp_path, days=1)
    store = CandleStore()
    for symbol in ("CALMAUSDT", "WILDAUSDT", "BTCUSDT"):
        series = load_candles(tmp_path / f"{symbol.lower()}_1m.csv", symbol=symbol)
        store.write(StoreKey("BINANCE", symbol, 60_000), series)
    out = tmp_path / "store.json"
    args = ["cluster", "--store", "--k", "3", "--out-dir", str(tmp_path / "p"), "--json", str(out)]
    assert main(args) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert [c["members"] for c in result["clusters"]] == [["CALMAUSDT"], ["BTCUSDT"], ["WILDAUSDT"]]
    assert {s["source"] for s in result["symbols"]} == {
        "store:BINANCE/CALMAUSDT-1m",
        "store:BINANCE/WILDAUSDT-1m",
        "store:BINANCE/BTCUSDT-1m",
    }


def test_the_help_prints_single_percent_signs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # no wrapping inside the phrases looked for
    with pytest.raises(SystemExit):
        main(["cluster", "--help"])
    described = capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--help"])
    listed = capsys.readouterr().out
    assert "ATR % (ATR(14)" in described and "%%" not in described
    assert "ATR % and volume" in listed and "%%" not in listed
