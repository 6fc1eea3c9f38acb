"""`traderagent regime`: the timeline table, the JSON file, and clear errors with exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from traderagent.cli import main
from traderagent.marketdata import load_bundled
from traderagent.regime import RegimeConfig, regime_timeline
from traderagent.regime.timeline import RegimeSegment


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "traderagent", "regime", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def iso(ms: int) -> str:
    return pd.Timestamp(ms, unit="ms", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def expected() -> list[RegimeSegment]:
    return regime_timeline(load_bundled(), RegimeConfig())


def test_bundled_timeline_table_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], expected: list[RegimeSegment]
) -> None:
    out = tmp_path / "regimes.json"
    assert main(["regime", "--data", "bundled", "--json", str(out)]) == 0
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written == [
        {"start": iso(s.start_ms), "end": iso(s.end_ms), "regime": s.regime.value} for s in expected
    ]
    text = capsys.readouterr().out
    assert "BTCUSDT regimes, 2023-03-01 00:00 -> 2023-03-22 00:00 UTC" in text
    rows = [line for line in text.splitlines() if line.startswith("2023-")]
    assert len(rows) == len(expected)
    first = expected[0]
    hours, minutes = divmod((first.end_ms - first.start_ms) // 60_000, 60)
    days, hours = divmod(hours, 24)
    assert rows[0].split() == [
        *iso(first.start_ms)[:16].split("T"),
        *iso(first.end_ms)[:16].split("T"),
        *([f"{days}d"] if days else []),
        f"{hours:02d}h{minutes:02d}m" if days else f"{hours}h{minutes:02d}m",
        first.regime.value,
    ]
    assert f"{len(expected) - 1} regime changes" in text


def test_a_csv_file_and_another_interval(tmp_path: Path) -> None:
    sample = load_bundled().between(None, 1_678_060_800_000)  # 1-6 March
    path = tmp_path / "btc.csv"
    pd.DataFrame(
        {"open_time": sample.ts, "open": sample.open, "high": sample.high, "low": sample.low,
         "close": sample.close, "volume": sample.volume}
    ).to_csv(path, index=False)  # fmt: skip
    result = run_cli("--data", str(path), "--interval", "1h", "--symbol", "XBT", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "XBT regimes, 2023-03-01 00:00 -> 2023-03-06 00:00 UTC (7,200 candles, 1h bars)" in (
        result.stdout
    )
    assert "regime change" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "bundled", "--interval", "15x"], "error: --interval: bad interval '15x'"),
        (["--data", "bundled", "--interval", "90s"], "error: --interval: bad interval '90s'"),
        (["--data", "missing.csv"], "error: --data: missing.csv: file not found"),
        (["--data", "notes.txt"], "unsupported file type '.txt'"),
        (["--data", "broken.csv"], "error: --data: broken.csv: missing column 'high'"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(
    tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "broken.csv").write_text("open_time,open,low,close\n0,1,1,1\n", encoding="utf-8")
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_too_little_data_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["regime", "--data", "bundled", "--interval", "1d"]) == 0
    assert "no regime: too few candles for the indicators to warm up" in capsys.readouterr().out
