"""`traderagent optimize` and `walkforward` end to end on slices of the bundled data: the
exported preset backtests to the metrics reported for its trial, the kernel and the engine
agree, workers agree with one process, a trial the risk limits halted is never the best unless
allowed, doubtful data is warned about, bad input exits 2, and a study is shared (SQLite,
PostgreSQL) with this run's trials told apart from the study's."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
import yaml
from unit.storage.backends import postgres_url

from traderagent.backtest.analysis import REPORT_KEYS
from traderagent.backtest.preset import preset_config
from traderagent.backtest.runner import run_backtest_sync
from traderagent.backtest.trades import round_trips
from traderagent.cli import main
from traderagent.config import load_config
from traderagent.marketdata.bundled import bundled_path

__all__ = ["postgres_url"]  # the fixture, for pytest

DAYS = ["--start", "2023-03-06", "--end", "2023-03-08"]
GRID_SPACE = """
lower: {float: [21000, 22000], step: 500}
levels: {int: [11, 31], step: 10}
spacing: {choice: [arithmetic, geometric]}
"""


def space(tmp_path: Path, text: str = GRID_SPACE) -> str:
    path = tmp_path / "space.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def optimize(tmp_path: Path, *args: str, name: str = "out") -> tuple[int, dict[str, Any]]:
    out = tmp_path / f"{name}.json"
    code = main(["optimize", "--data", "bundled", "--json", str(out), "--no-export", *args])
    return code, json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}


def same_metrics(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal metrics, apart from the backtest command's extras and the list of refused orders
    (the fast kernel counts refusals by reason but keeps no list of them)."""
    apart = ("elapsed_s", "fill_model_sensitivity", "rejected_orders", "cancelled", *REPORT_KEYS)

    def counted(m: dict[str, Any]) -> tuple[Any, Any]:
        refused = m.get("rejected_orders") or {}
        return refused.get("count"), refused.get("by_reason")

    return counted(a) == counted(b) and {k: v for k, v in a.items() if k not in apart} == {
        k: v for k, v in b.items() if k not in apart
    }


def test_an_exported_preset_backtests_to_the_metrics_of_its_trial(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    preset, out = tmp_path / "best.yaml", tmp_path / "out.json"
    code = main(
        [
            "optimize",
            "--config",
            "configs/default.yaml",
            "--data",
            "bundled",
            *DAYS,
            "--space",
            space(tmp_path),
            "--method",
            "tpe",
            "--trials",
            "10",
            "--seed",
            "3",
            "--export",
            str(preset),
            "--json",
            str(out),
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    best = result["best"]
    assert len(result["trials"]) == 10 == result["run_trials"]
    assert result["evaluators"] == {"kernel": 10 - result["repeats"]}  # a repeat is not re-run
    by_number = {t["number"]: t for t in result["trials"]}
    repeats = [t for t in result["trials"] if t["repeat_of"] is not None]
    assert len(repeats) == result["repeats"] > 0  # TPE asks for some points twice
    for trial in repeats:
        first = by_number[trial["repeat_of"]]
        assert trial["params"] == first["params"] and trial["metrics"] == first["metrics"]
        assert first["repeat_of"] is None and first["number"] < trial["number"]
    assert "repeated (not re-run)" in printed and "(not re-run)" in printed
    assert result["trials"][0] == best and best["feasible"]
    assert f"Best: trial {best['number']}: lower=" in printed
    assert f"Preset written to {preset}" in printed and "rank  trial  lower" in printed

    bt = tmp_path / "bt.json"
    assert main(["backtest", "--config", str(preset), "--json", str(bt)]) == 0  # on the engine
    assert same_metrics(json.loads(bt.read_text(encoding="utf-8")), best["metrics"])
    strategy = load_config(preset).bots[0].strategy
    assert strategy.levels == best["params"]["levels"]  # type: ignore[union-attr]
    assert str(strategy.spacing) == best["params"]["spacing"]  # type: ignore[union-attr]


def test_the_default_preset_goes_to_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code = main(
        [
            "optimize",
            "--data",
            "bundled",
            *DAYS,
            "--space",
            space(tmp_path),
            "--method",
            "grid",
            "--trials",
            "4",
        ]
    )
    assert code == 0
    assert f"Preset written to {tmp_path / 'grid-btc-best.yaml'}" in capsys.readouterr().out
    assert load_config(tmp_path / "grid-btc-best.yaml").bots[0].name == "grid-btc"


def test_an_existing_preset_is_never_overwritten_without_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    mine = tmp_path / "grid-btc-best.yaml"
    mine.write_text("# my hand-tuned preset\n", encoding="utf-8")
    args = ["optimize", "--data", "bundled", *DAYS, "--space", space(tmp_path)]
    args += ["--method", "grid", "--trials", "2"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert mine.read_text(encoding="utf-8") == "# my hand-tuned preset\n"
    assert f"Preset written to {tmp_path / 'grid-btc-best-2.yaml'}" in out
    assert "exists and was left as it was: --force replaces it" in out
    assert main([*args, "--force"]) == 0
    assert load_config(mine).bots[0].name == "grid-btc"
    assert not (tmp_path / "grid-btc-best-3.yaml").exists()


def test_kernel_and_engine_give_the_same_trials(tmp_path: Path) -> None:
    common = [
        "--start",
        "2023-03-06",
        "--end",
        "2023-03-07",
        "--space",
        space(tmp_path),
        "--method",
        "grid",
        "--trials",
        "4",
    ]
    code_k, kernel = optimize(tmp_path, *common, "--fast", name="kernel")
    code_e, engine = optimize(tmp_path, *common, "--engine", name="engine")
    assert code_k == code_e == 0
    assert kernel["evaluators"] == {"kernel": 4} and engine["evaluators"] == {"engine": 4}
    assert [t["params"] for t in kernel["trials"]] == [t["params"] for t in engine["trials"]]
    for k, e in zip(kernel["trials"], engine["trials"], strict=True):
        assert same_metrics(k["metrics"], e["metrics"])


def test_two_workers_find_what_one_process_finds(tmp_path: Path) -> None:
    common = [*DAYS, "--space", space(tmp_path), "--method", "grid", "--trials", "6"]
    code_1, one = optimize(tmp_path, *common, name="one")
    code_2, two = optimize(tmp_path, *common, "--workers", "2", name="two")
    assert code_1 == code_2 == 0
    assert [t["params"] for t in one["trials"]] == [t["params"] for t in two["trials"]]
    assert all(
        same_metrics(a["metrics"], b["metrics"])
        for a, b in zip(one["trials"], two["trials"], strict=True)
    )


def test_constraints_mark_trials_and_nsga2_reports_a_front(tmp_path: Path) -> None:
    code, result = optimize(
        tmp_path,
        *DAYS,
        "--space",
        space(tmp_path),
        "--method",
        "nsga2",
        "--trials",
        "8",
        "--constraint",
        "max_drawdown_pct<=3",
    )
    assert code == 0
    assert result["objectives"][1] == {
        "name": "max_drawdown",
        "metric": "max_drawdown_pct",
        "direction": "minimize",
    }
    assert result["pareto_front"] and all(t["feasible"] for t in result["pareto_front"])
    for trial in result["trials"]:
        assert trial["feasible"] == (trial["metrics"]["max_drawdown_pct"] <= 3)


def test_a_bot_without_a_kernel_is_optimised_on_the_engine(tmp_path: Path) -> None:
    trend = space(tmp_path, "fast_ema: {int: [10, 30], step: 10}\n")
    code, result = optimize(
        tmp_path,
        "--config",
        "configs/trend.yaml",
        "--start",
        "2023-03-06",
        "--end",
        "2023-03-07",
        "--space",
        trend,
        "--method",
        "grid",
        "--trials",
        "3",
    )
    assert code == 0 and result["evaluators"] == {"engine": 3}
    assert sorted(t["params"]["fast_ema"] for t in result["trials"]) == [10, 20, 30]


def test_no_feasible_trial_exits_1_and_exports_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, result = optimize(
        tmp_path,
        *DAYS,
        "--space",
        space(tmp_path),
        "--method",
        "grid",
        "--trials",
        "4",
        "--constraint",
        "trades>=100000",
    )
    assert code == 1 and result["best"] is None
    assert "No trial met the constraints" in capsys.readouterr().out


HALT_DAYS = ["--start", "2023-03-09", "--end", "2023-03-15"]
SIZES = "levels: {int: [11, 31], step: 20}\namount_per_level: {float: [100, 400], step: 300}\n"


def tight_config(tmp_path: Path) -> str:
    """The default grid under a 3 % drawdown halt: its 400 USDT levels halt on 2023-03-09/10,
    then BTC rallies and the held position makes them look best."""
    raw = yaml.safe_load(Path("configs/default.yaml").read_text(encoding="utf-8"))
    raw["risk"] = {"max_drawdown_pct": "3"}
    path = tmp_path / "tight.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return str(path)


def test_a_halted_trial_is_never_the_best_unless_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["--config", tight_config(tmp_path), *HALT_DAYS, "--space", space(tmp_path, SIZES)]
    common += ["--method", "grid", "--trials", "8"]
    code, strict = optimize(tmp_path, *common, name="strict")
    printed = capsys.readouterr().out
    assert code == 0 and strict["allow_halted"] is False and "halted<=0" in strict["constraints"]
    halted = [t for t in strict["trials"] if t["halted"]]
    assert len(halted) == 2 and all(t["params"]["amount_per_level"] == 400 for t in halted)
    assert all(not t["feasible"] and t["metrics"]["halted"]["ts"] > 0 for t in halted)
    best_return = max(t["metrics"]["return_pct"] for t in strict["trials"])
    assert best_return in {t["metrics"]["return_pct"] for t in halted}  # what the halt decided
    assert strict["best"] is not None and not strict["best"]["halted"]
    assert "infeasible: halted" in printed and "2 halted" in printed
    assert "--allow-halted lets them be chosen" in printed

    code, allowed = optimize(tmp_path, *common, "--allow-halted", name="allowed")
    assert code == 0 and allowed["allow_halted"] is True
    assert allowed["best"]["halted"] and allowed["best"]["metrics"]["return_pct"] == best_return

    code, engine = optimize(tmp_path, *common, "--engine", name="engine")
    assert code == 0 and engine["evaluators"] == {"engine": 4}
    by_params = {json.dumps(t["params"]): t["metrics"] for t in strict["trials"]}
    for trial in engine["trials"]:  # the same halts, at the same time, for the same reason
        assert same_metrics(trial["metrics"], by_params[json.dumps(trial["params"])])
    # the 400 USDT levels do not all fit the cash: the allocator, counting what each buy of a
    # batch locks, cuts or refuses the rest; no evaluator's venue refuses one for funds
    for trial in [*strict["trials"], *engine["trials"]]:
        refused = trial["metrics"]["rejected_orders"]
        assert refused["count"] == 0, refused


def test_walkforward_marks_halted_windows_and_skips_halted_training_trials(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "wf.json"
    args = ["walkforward", "--config", tight_config(tmp_path), "--data", "bundled"]
    args += ["--start", "2023-03-07", "--end", "2023-03-15", "--space", space(tmp_path, SIZES)]
    args += ["--method", "grid", "--trials", "8", "--train", "2d", "--test", "2d"]
    assert main([*args, "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "halted trials never chosen" in printed and "halted" in printed.splitlines()[2]
    windows = json.loads(out.read_text(encoding="utf-8"))["windows"]
    for w in windows:
        assert w["in_sample"] is None or w["in_sample"]["halted"] is None
        assert w["halted"]["in_sample"] is False
        assert w["halted"]["out_of_sample"] == (w["out_of_sample"]["halted"] is not None)


def test_a_shared_study_tells_this_runs_trials_from_the_studys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    common = [*DAYS, "--space", space(tmp_path), "--method", "tpe", "--trials", "4"]
    common += ["--storage", storage, "--study", "shared"]
    code_a, first = optimize(tmp_path, *common, "--seed", "1", name="a")
    capsys.readouterr()
    code_b, second = optimize(tmp_path, *common, "--seed", "2", name="b")
    printed = capsys.readouterr().out
    assert code_a == code_b == 0
    assert len(first["trials"]) == 4 == first["run_trials"]
    assert len(second["trials"]) == 8 and second["run_trials"] == 4
    assert (
        "  trials   4 (" in printed
        and "study    shared: 8 trials in all, 4 from other runs" in (printed)
    )


def test_a_data_file_named_for_another_symbol_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    eth = tmp_path / "ETHUSDT-1m.csv.gz"
    eth.write_bytes(bundled_path().read_bytes())
    args = ["optimize", "--data", str(eth), *DAYS, "--space", space(tmp_path)]
    assert main([*args, "--method", "grid", "--trials", "2", "--no-export"]) == 0
    assert "looks like ETHUSDT candles, but the bots trade BTCUSDT" in capsys.readouterr().err


LEVELS = "levels: {int: [11, 21], step: 10}\n"


@pytest.mark.parametrize(
    ("space_text", "args", "message"),
    [
        (
            "levls: {int: [2, 9]}\n",
            [],
            "levls: unknown parameter; a grid strategy has: direction, lower",
        ),
        ("levels: {int: [1, 9]}\n", [], "1 is not allowed: Input should be greater than or equal"),
        ("lower: {float: [26000, 27000]}\n", [], "is not a valid bot config"),
        (None, [], "cannot read the space file"),
        (LEVELS, ["--bot", "nobody"], "no bot named 'nobody'"),
        (LEVELS, ["--constraint", "drawdown<5"], "write METRIC<=NUMBER"),
        (LEVELS, ["--objective", "luck"], "unknown objective luck"),
        (LEVELS, ["--method", "grid", "--storage", "sqlite:///x.db"], "use --method tpe or nsga2"),
        (LEVELS, ["--storage", "mysql://u@h/db"], "mysql databases are not supported"),
        (
            "fast_ema: {int: [10, 30]}\n",
            ["--config", "configs/trend.yaml", "--fast"],
            "runs grid and dca bots",
        ),
        (LEVELS, ["--start", "2023-03-08", "--end", "2023-03-06"], "must come after the start"),
        (LEVELS, ["--data", "nowhere.csv"], "file not found"),
    ],
)
def test_bad_input_exits_2_with_the_reason(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    space_text: str | None,
    args: list[str],
    message: str,
) -> None:
    path = space(tmp_path, space_text) if space_text else str(tmp_path / "missing.yaml")
    code, _ = optimize(tmp_path, "--trials", "2", "--space", path, *args)
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_walkforward_tests_each_best_on_the_window_after_its_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "wf.json"
    code = main(
        [
            "walkforward",
            "--data",
            "bundled",
            "--start",
            "2023-03-01",
            "--end",
            "2023-03-06",
            "--space",
            space(tmp_path),
            "--method",
            "grid",
            "--trials",
            "4",
            "--train",
            "2d",
            "--test",
            "1d",
            "--breakdown",
            "day",
            "--mc-runs",
            "200",
            "--json",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "walk-forward efficiency" in printed and "OOS ret %" in printed
    assert "Out of sample, stitched: the closed trades of 3 test windows" in printed
    result = json.loads(out.read_text(encoding="utf-8"))
    windows = result["windows"]
    assert [(w["train_start"], w["train_end"], w["test_end"]) for w in windows] == [
        ("2023-03-01 00:00", "2023-03-03 00:00", "2023-03-04 00:00"),
        ("2023-03-02 00:00", "2023-03-04 00:00", "2023-03-05 00:00"),
        ("2023-03-03 00:00", "2023-03-05 00:00", "2023-03-06 00:00"),
    ]
    assert all(w["test_start"] == w["train_end"] for w in windows)
    config = load_config(None)
    first = windows[0]
    overrides = {f"strategy.{k}": v for k, v in first["params"].items()}
    test = run_backtest_sync(
        preset_config(config, "grid-btc", overrides),
        start=datetime(2023, 3, 3, tzinfo=UTC),
        end=datetime(2023, 3, 4, tzinfo=UTC),
    )
    assert same_metrics(test.metrics.as_json(), first["out_of_sample"])
    assert first["in_sample"]["candles"] == 2 * 1440 and first["out_of_sample"]["candles"] == 1440
    regimes = result["regimes"]  # the test windows by the regime they traded in
    assert sum(r["windows"] for r in regimes) == len(windows)
    assert sum(r["time_pct"] for r in regimes) == pytest.approx(100.0)
    assert "Out-of-sample by regime" in printed
    # the stitched out-of-sample run: each test day is one window's own backtest
    stitched = result["out_of_sample"]
    closed = [w["out_of_sample_closed_trades"] for w in windows]
    assert stitched["closed_trades"] == sum(closed) == stitched["monte_carlo"]["trades"]
    assert stitched["monte_carlo"]["runs"] == 200 and stitched["overlapping_windows"] is False
    rows = stitched["breakdown"]["rows"]
    assert [r["period"] for r in rows] == ["2023-03-03", "2023-03-04", "2023-03-05"]
    assert [r["trades"] for r in rows] == closed
    for row, w in zip(rows, windows, strict=True):
        net = float(w["out_of_sample"]["net_pnl"])
        assert row["equity_change"] == pytest.approx(net, abs=1e-6)
    trips = round_trips(test.fills)
    assert closed[0] == len(trips) and D(rows[0]["pnl"]) == sum(t.pnl for t in trips)
    assert "By day (UTC; trades by their exit; equity stitched window to window)" in printed


@pytest.mark.postgres
def test_a_postgresql_study_is_shared_by_every_run_that_joins_it(
    postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = [
        *DAYS,
        "--space",
        space(tmp_path),
        "--method",
        "tpe",
        "--trials",
        "4",
        "--storage",
        postgres_url,
        "--study",
        "shared",
    ]
    code_a, first = optimize(tmp_path, *common, "--seed", "1", name="a")
    code_b, second = optimize(tmp_path, *common, "--seed", "2", name="b")
    assert code_a == code_b == 0
    assert len(first["trials"]) == 4 and len(second["trials"]) == 8  # the second sees the first's
    assert {t["number"] for t in second["trials"]} == set(range(8))
    assert second["study"] == "shared"
    by_number = {t["number"]: t["params"] for t in second["trials"]}
    assert all(by_number[t["number"]] == t["params"] for t in first["trials"])
    assert "study    shared" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["optimize", "--trials", "2"], "required: --space"),
        (["optimize", "--show"], "--show reads a shared study: give --storage URL"),
        (["optimize", "--storage", "mysql://u@h/db", "--show"], "mysql databases are not"),
        (["optimize", "--storage", "sqlite:///nowhere/x.db", "--show"], "no study database at"),
    ],
)
def test_show_and_a_missing_space_are_refused_with_the_reason(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_show_reads_a_study_without_running_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    common = [*DAYS, "--space", space(tmp_path), "--method", "tpe", "--trials", "3"]
    assert optimize(tmp_path, *common, "--storage", storage, "--study", "s1")[0] == 0
    capsys.readouterr()
    assert main(["optimize", "--storage", storage, "--study", "s1", "--show"]) == 0
    shown = capsys.readouterr().out
    assert "Study s1 in sqlite:///" in shown and "trials   3 (3 complete)" in shown
    assert "workers  1, finished trials each:" in shown and "  best     trial " in shown
    assert main(["optimize", "--storage", storage, "--show"]) == 0
    assert "  s1: 3 trials" in capsys.readouterr().out  # still 3: --show ran none
    assert main(["optimize", "--storage", storage, "--study", "s2", "--show"]) == 2
    assert "no study named 's2'" in capsys.readouterr().err
