"""`traderagent backtest` end to end: every example config on three days of the bundled data,
the JSON metrics consistent with the engine's own counts, charts, presets and bad input, a
risk halt shown alike by the engine and the fast kernel, warnings about doubtful data, and the
fast kernel's compile reported apart from its run."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from traderagent.backtest.analysis import REPORT_KEYS
from traderagent.backtest.preset import export_preset
from traderagent.backtest.runner import run_backtest_sync
from traderagent.cli import main
from traderagent.clock import format_ts
from traderagent.config import load_config
from traderagent.marketdata.bundled import bundled_path

CONFIGS = ["default", "grid-geometric", "dca", "trend", "trend-smc", "router"]
RANGE = ["--start", "2023-03-06", "--end", "2023-03-09"]
HALT_RANGE = ["--start", "2023-03-09", "--end", "2023-03-15"]
"""BTC fell about 10 % on 2023-03-09/10, then rallied: a tight drawdown halt fires early."""
KEYS = {
    "candles",
    "orders",
    "fills",
    "trades",
    "fees",
    "net_pnl",
    "return_pct",
    "max_drawdown_pct",
    "sharpe",
    "sortino",
    "win_rate",
    "profit_factor",
    "final_equity",
    "grid_cycles",
    "elapsed_s",
    "halted",
    "fill_model_sensitivity",
    "rejected_orders",
    "allocator_refused",
    "cancelled",
}


@pytest.mark.parametrize("name", CONFIGS)
def test_each_example_config_backtests_with_consistent_metrics(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "metrics.json"
    config = f"configs/{name}.yaml"
    assert (
        main(["backtest", "--config", config, "--data", "bundled", *RANGE, "--json", str(out)]) == 0
    )
    printed = capsys.readouterr().out
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) == KEYS | REPORT_KEYS
    assert data["candles"] == 3 * 1440
    assert Decimal(data["net_pnl"]) == Decimal(data["final_equity"]) - Decimal(10_000)
    assert data["return_pct"] == pytest.approx(float(Decimal(data["net_pnl"]) / 100))
    assert data["max_drawdown_pct"] >= 0 and data["elapsed_s"] > 0
    assert (data["grid_cycles"] is not None) == (name in ("default", "grid-geometric", "router"))
    assert "max drawdown" in printed and f"{data['candles']:,}" in printed
    assert data["halted"] is None and "halted" not in printed

    engine = run_backtest_sync(
        load_config(config),
        start=datetime(2023, 3, 6, tzinfo=UTC),
        end=datetime(2023, 3, 9, tzinfo=UTC),
    )
    assert data["fills"] == engine.summary.fills == len(engine.fills)
    assert data["orders"] == engine.summary.orders_placed
    assert Decimal(data["final_equity"]) == engine.summary.final_equity
    assert Decimal(data["fees"]) == engine.summary.fees
    same = {k: v for k, v in engine.metrics.as_json().items() if k != "elapsed_s"}
    extra = ("elapsed_s", "fill_model_sensitivity", "cancelled", *REPORT_KEYS)
    assert same == {k: v for k, v in data.items() if k not in extra}  # deterministic
    assert data["fill_model_sensitivity"]["pessimistic"] == data["net_pnl"]


def test_plot_draws_the_three_charts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", "--data", "bundled", *RANGE, "--plot"]) == 0
    printed = capsys.readouterr().out
    for title in ("price BTCUSDT", "equity", "drawdown %"):
        assert title in printed
    assert "▲" in printed and "▼" in printed  # the grid's fills
    assert "\x1b[" not in printed  # not a terminal: no colour codes


def test_an_exported_preset_backtests_like_its_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = load_config("configs/grid-geometric.yaml")
    preset = export_preset(source, "grid-geo", tmp_path / "preset.yaml", {"strategy.levels": 21})
    out = tmp_path / "m.json"
    assert main(["backtest", "--config", str(preset), *RANGE, "--json", str(out)]) == 0
    capsys.readouterr()
    assert json.loads(out.read_text(encoding="utf-8"))["fills"] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--config", "missing.yaml"], "missing.yaml: file not found"),
        (["--bot", "ghost"], "no bot named 'ghost'"),
        (["--start", "2023-03-09", "--end", "2023-03-06"], "must come after the start"),
        (["--start", "soon"], "--start: 'soon' is not an ISO date"),
        (["--data", "no/such/candles.csv"], "file not found"),
        (["--start", "2030-01-01"], "no candles in the chosen range"),
        (["--config", "configs/bybit-emulator.yaml"], "use a paper config"),
    ],
)
def test_bad_input_says_what_to_change_and_exits_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["backtest", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_multi_bot_config_runs_every_bot_on_one_account(tmp_path: Path) -> None:
    config = tmp_path / "two.yaml"
    config.write_text(
        "bots:\n"
        "  - {name: g, strategy: {kind: grid, lower: '21000', upper: '25000', levels: 21,"
        " amount_per_level: '100'}}\n"
        "  - {name: d, strategy: {kind: dca, base_order: '100', safety_order: '100'}}\n",
        encoding="utf-8",
    )
    both = run_backtest_sync(load_config(config), start=datetime(2023, 3, 6, tzinfo=UTC),
                             end=datetime(2023, 3, 8, tzinfo=UTC))  # fmt: skip
    assert {f.bot for f in both.fills} == {"g", "d"}
    only = run_backtest_sync(load_config(config), bot="d", start=datetime(2023, 3, 6, tzinfo=UTC),
                             end=datetime(2023, 3, 8, tzinfo=UTC))  # fmt: skip
    assert {f.bot for f in only.fills} == {"d"} and [b.name for b in only.config.bots] == ["d"]


def test_fast_kernel_gives_the_engines_metrics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine, fast = tmp_path / "engine.json", tmp_path / "fast.json"
    assert main(["backtest", *RANGE, "--json", str(engine)]) == 0
    assert main(["backtest", *RANGE, "--fast", "--json", str(fast)]) == 0
    assert "(fast kernel)" in capsys.readouterr().out
    by_engine = json.loads(engine.read_text(encoding="utf-8"))
    by_kernel = json.loads(fast.read_text(encoding="utf-8"))
    for data in (by_engine, by_kernel):
        del data["elapsed_s"]
    assert by_kernel == by_engine


@pytest.mark.parametrize("fast", [[], ["--fast"]], ids=["engine", "fast"])
def test_every_backtest_prints_the_net_pnl_under_the_other_fill_models(
    fast: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "metrics.json"
    args = ["backtest", "--config", "configs/dca.yaml", *RANGE, *fast, "--json", str(out)]
    assert main([*args, "--fill-model", "ohlc"]) == 0
    printed = capsys.readouterr().out
    by_model = json.loads(out.read_text(encoding="utf-8"))["fill_model_sensitivity"]
    config = load_config("configs/dca.yaml")
    start, end = datetime(2023, 3, 6, tzinfo=UTC), datetime(2023, 3, 9, tzinfo=UTC)
    for model in ("pessimistic", "ohlc", "olhc"):
        run = run_backtest_sync(config, start=start, end=end, fill_model=model)  # type: ignore[arg-type]
        assert Decimal(by_model[model]) == run.metrics.net_pnl, model
    line = next(row for row in printed.splitlines() if "fill models" in row)
    pessimistic, olhc = Decimal(by_model["pessimistic"]), Decimal(by_model["olhc"])
    assert line.split() == [
        "fill",
        "models",
        "pessimistic",
        f"{pessimistic:+,.2f}",
        "·",
        "olhc",
        f"{olhc:+,.2f}",
    ]


def test_a_wide_fill_model_spread_is_warned_of(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", "--config", "configs/trend.yaml"]) == 0
    captured = capsys.readouterr()
    assert "over 10 % of the result" in captured.err and "(!) spread" in captured.out


def test_fast_says_which_strategies_it_supports(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", "--config", "configs/trend.yaml", "--fast"]) == 2
    assert "the fast kernel supports grid and dca bots" in capsys.readouterr().err


def test_the_cli_offers_every_fill_model_of_the_paper_exchange() -> None:
    from traderagent.commands.backtest import FILL_MODELS
    from traderagent.exchanges.paper.matching import FILL_MODELS as PAPER_MODELS

    assert FILL_MODELS == PAPER_MODELS


def halting_config(tmp_path: Path) -> Path:
    """The default grid, larger, under a 3 % drawdown halt: it halts on 2023-03-09."""
    raw = yaml.safe_load(Path("configs/default.yaml").read_text(encoding="utf-8"))
    raw["risk"] = {"max_drawdown_pct": "3"}
    raw["bots"][0]["strategy"].update({"levels": 31, "amount_per_level": "400"})
    path = tmp_path / "tight.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def test_a_risk_halt_shows_alike_in_the_table_and_the_json_of_the_engine_and_fast(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = halting_config(tmp_path)
    halts = {}
    for path in ("engine", "fast"):
        out = tmp_path / f"{path}.json"
        fast = ["--fast"] if path == "fast" else []
        args = ["--config", str(config), "--data", "bundled", *HALT_RANGE, "--json", str(out)]
        assert main(["backtest", *args, *fast]) == 0
        printed = capsys.readouterr().out
        data = json.loads(out.read_text(encoding="utf-8"))
        assert set(data) == KEYS | REPORT_KEYS
        halted = halts[path] = data["halted"]
        assert set(halted) == {"ts", "reason"}
        assert format_ts(halted["ts"]).startswith("2023-03-09")
        assert halted["reason"].startswith("drawdown ")
        assert halted["reason"].endswith(" USDT exceeds the limit 3% (max_drawdown_pct)")
        assert f"  halted         {format_ts(halted['ts'])} UTC: {halted['reason']}" in printed
    assert halts["engine"] == halts["fast"]


def test_a_data_file_named_for_another_symbol_warns_and_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    eth = tmp_path / "ETHUSDT-1m.csv.gz"
    eth.write_bytes(bundled_path().read_bytes())
    assert main(["backtest", "--data", str(eth), *RANGE]) == 0
    err = capsys.readouterr().err
    assert "warning: the data file ETHUSDT-1m.csv.gz looks like ETHUSDT candles" in err
    assert "but the bots trade BTCUSDT" in err
    assert main(["backtest", "--data", str(bundled_path()), *RANGE]) == 0
    assert "warning" not in capsys.readouterr().err  # named BTCUSDT-1m-...: the right symbol


def test_a_long_gap_in_the_data_warns_where_and_how_long(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with gzip.open(bundled_path(), "rt", encoding="utf-8") as source:
        lines = source.readlines()
    cut = [line for line in lines if not line.startswith(("2023-03-07 10:", "2023-03-07 11:"))]
    holed = tmp_path / "BTCUSDT-holed.csv"
    holed.write_text("".join(cut), encoding="utf-8")
    assert main(["backtest", "--data", str(holed), *RANGE]) == 0
    err = capsys.readouterr().err
    assert (
        "warning: the data misses 120 candles from 2023-03-07 10:00 to 2023-03-07 12:00 UTC"
    ) in err
    assert err.count("warning") == 1


@pytest.mark.slow
def test_the_fast_kernel_says_it_compiles_on_a_cold_cache_and_times_it_apart(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    command = [sys.executable, "-m", "traderagent", "backtest", "--fast", *RANGE]

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own program
            command, env=env, capture_output=True, text=True, timeout=600, check=True
        )

    cold, warm = run(), run()
    notice = "compiling the fast kernel (first use; cached for next time)…"
    assert notice in cold.stderr and ", compile " in cold.stdout
    assert notice not in warm.stderr and ", compile " not in warm.stdout
    assert ", kernel load " in warm.stdout  # from the cache, timed apart from the run too


def test_breakdown_regimes_and_monte_carlo_add_up_to_the_metrics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.json"
    args = ["backtest", "--data", "bundled", *RANGE, "--breakdown", "day", "--json", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    data = json.loads(out.read_text(encoding="utf-8"))
    days = data["breakdown"]["rows"]
    assert data["breakdown"]["period"] == "day"
    assert [d["period"] for d in days] == ["2023-03-06", "2023-03-07", "2023-03-08"]
    assert sum(d["trades"] for d in days) == data["trades"] == data["closed_trades"]
    net = float(data["net_pnl"])
    assert sum(d["equity_change"] for d in days) == pytest.approx(net, abs=1e-6)
    assert max(d["max_drawdown_pct"] for d in days) <= data["max_drawdown_pct"] + 1e-9
    regimes = data["regimes"]["by_regime"]
    assert sum(r["pnl"] for r in regimes) == pytest.approx(net, abs=1e-6)
    assert sum(r["time_pct"] for r in regimes) == pytest.approx(100.0)
    assert sum(r["trades"] for r in regimes) == data["trades"]
    assert data["regimes"]["costliest"] in printed
    mc = data["monte_carlo"]
    assert mc["runs"] == 1000 and mc["trades"] == data["trades"]
    closed = sum(float(d["pnl"]) for d in days)  # reshuffled: always the trades' own sum
    assert mc["shuffle"]["return_pct"]["p50"] == pytest.approx(closed / 100, abs=1e-6)
    for heading in (
        "By day (UTC",
        "Regimes (",
        "Robustness: Monte Carlo over 24 closed trades, 1,000 runs",
    ):
        assert heading in printed
    assert "│" in printed  # the period bar chart


def test_a_routed_bot_is_broken_down_per_route(tmp_path: Path) -> None:
    out = tmp_path / "router.json"
    args = ["backtest", "--config", "configs/router.yaml", "--data", "bundled"]
    assert main([*args, *RANGE, "--mc-runs", "50", "--json", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    routes = data["regimes"]["routes"]["auto-btc"]
    assert sum(r["time_pct"] for r in routes) == pytest.approx(100.0)
    assert sum(r["trades"] for r in routes) == data["trades"]
    assert all(r["label"] == "waiting" or "," in r["label"] or "(" in r["label"] for r in routes)
    assert data["monte_carlo"]["runs"] == 50


def test_perturbed_candles_rerun_the_backtest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "perturb.json"
    day = ["--start", "2023-03-06", "--end", "2023-03-07"]
    assert main(["backtest", "--data", "bundled", *day, "--perturb", "2", "--json", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))["perturbation"]
    assert data["runs"] == 2 and len(data["return_pct"]) == 2
    assert "perturbed candles" in capsys.readouterr().out
    with pytest.raises(SystemExit) as refused:
        main(["backtest", "--data", "bundled", "--perturb", "0"])
    assert refused.value.code == 2
    assert "--perturb: must be at least 1, got 0" in capsys.readouterr().err


def test_two_configs_compare_side_by_side_on_the_same_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "compare.json"
    configs = ["--config", "configs/default.yaml", "--config", "configs/dca.yaml"]
    args = ["backtest", *configs, "--data", "bundled", *RANGE, "--mc-runs", "20"]
    assert main([*args, "--plot", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    runs = json.loads(out.read_text(encoding="utf-8"))["compare"]
    assert [r["config"] for r in runs] == ["default", "dca"]
    header = next(line for line in printed.splitlines() if "default" in line and "dca" in line)
    assert header.split() == ["default", "dca"]
    for run, config in zip(runs, ("default", "dca"), strict=True):
        alone = run_backtest_sync(
            load_config(f"configs/{config}.yaml"),
            start=datetime(2023, 3, 6, tzinfo=UTC),
            end=datetime(2023, 3, 9, tzinfo=UTC),
        )
        assert run["metrics"]["net_pnl"] == str(alone.metrics.net_pnl)  # the same data
        assert f"{alone.metrics.net_pnl:+,.2f}" in printed
    assert "equity, % of the start" in printed and "costliest regime" in printed
    assert main([*args, "--trades", str(tmp_path / "t.csv")]) == 2
    assert "--trades describes one run: use it with one --config" in capsys.readouterr().err
