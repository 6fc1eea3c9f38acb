"""`traderagent bench`: the table, the JSON shape, --only, a crashing benchmark, and a clear
exit 2 without the suite. Fake benchmarks stand in for the real (slow) suite."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

from traderagent.cli import main
from traderagent.commands import bench


def fake_results() -> list[object]:
    result = bench.importlib.import_module("benchmarks.result")
    return [
        result.Result("B0", "fake throughput", 2_500_000.0, "candles/s", 1_000_000, True),
        result.Result("B0", "fake latency", 0.75, "s", 0.5, False),
    ]


def crashing() -> list[object]:
    raise RuntimeError("fills differ from the engine's")


@pytest.fixture
def suite(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    module = bench.load_suite(bench.checkout_roots())
    assert module is not None, "run the tests from a checkout: benchmarks/ must be importable"
    monkeypatch.setattr(
        module,
        "SUITE",
        [
            module.Benchmark("B0", f"{__name__}:fake_results"),
            module.Benchmark("B8", f"{__name__}:crashing"),
        ],
    )
    return module


def test_table_and_json(
    suite: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bench.json"
    assert main(["bench", "--only", "b0", "--json", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == [
        {
            "id": "B0",
            "name": "fake throughput",
            "value": 2_500_000.0,
            "unit": "candles/s",
            "target": 1_000_000,
            "higher_is_better": True,
            "pass": True,
        },
        {
            "id": "B0",
            "name": "fake latency",
            "value": 0.75,
            "unit": "s",
            "target": 0.5,
            "higher_is_better": False,
            "pass": False,
        },
    ]
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("machine: ") and " cores, Python " in lines[0]
    assert lines[1].split() == ["id", "benchmark", "figure", "target", "result"]
    assert lines[2].split()[-5:] == ["2,500,000", "candles/s", ">=", "1,000,000", "pass"]
    assert lines[3].split()[-5:] == ["0.75", "s", "<=", "0.5", "FAIL"]


def test_a_crashing_benchmark_is_reported_and_the_rest_still_run(
    suite: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bench.json"
    assert main(["bench", "--json", str(out)]) == 1
    assert [row["id"] for row in json.loads(out.read_text(encoding="utf-8"))] == ["B0", "B0"]
    err = capsys.readouterr().err
    assert (
        "B8 did not run: RuntimeError: fills differ from the engine's (at test_bench_cli.py:" in err
    )


def test_unknown_id_exits_2(suite: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--only", "B0,B77"]) == 2
    assert "unknown benchmark B77; known: B0, B8" in capsys.readouterr().err


def test_without_the_suite_it_says_so_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(bench, "checkout_roots", lambda: [tmp_path])
    monkeypatch.setitem(sys.modules, "benchmarks", None)  # an installed wheel: no such package
    monkeypatch.setitem(sys.modules, "benchmarks.suite", None)
    assert main(["bench"]) == 2
    err = capsys.readouterr().err
    assert "the benchmark suite is not available" in err and "Traceback" not in err


def test_an_installed_traderagent_runs_the_suite_from_any_directory(tmp_path: Path) -> None:
    """An install without the checkout: the packages pyproject ships, copied to a folder of
    their own, run from a directory that is not a checkout."""
    import shutil
    import subprocess
    import tomllib
    from fnmatch import fnmatch

    root = Path(__file__).parents[2]
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    site = tmp_path / "site"
    for package in root.iterdir():
        if (package / "__init__.py").is_file() and any(fnmatch(package.name, g) for g in shipped):
            shutil.copytree(package, site / package.name, ignore=shutil.ignore_patterns("*.pyc"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = "from traderagent.cli import main; raise SystemExit(main(['bench', '--only', 'B99']))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=elsewhere,
        env={**os.environ, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "unknown benchmark B99; known: B1" in result.stderr, result.stderr  # the suite loaded


def test_a_figure_without_target_is_printed_for_information() -> None:
    from benchmarks.result import Result, table

    info = Result("B0", "install step", 16.9, "s", None, False)
    assert info.passed is None and info.as_json()["pass"] is None
    assert info.as_json()["target"] is None
    line = table([info]).splitlines()[1]
    assert line.split()[-4:] == ["16.9", "s", "-", "info"]
