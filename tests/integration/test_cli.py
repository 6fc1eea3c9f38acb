"""The `traderagent` command as a user runs it: exit codes, messages, summaries."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from kit.factories import SMALL_CONFIG, write_config

from traderagent import __version__
from traderagent.cli import main


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRADERAGENT_DATA_DIR": str(cwd / "data")}
    return subprocess.run(
        [sys.executable, "-m", "traderagent", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def test_version(capsys: object) -> None:
    result = run_cli("--version", cwd=Path.cwd())
    assert result.returncode == 0
    assert result.stdout.strip() == f"traderagent {__version__}"


def test_config_check_accepts_a_good_file(tmp_path: Path) -> None:
    assert main(["config", "check", str(write_config(tmp_path))]) == 0


def test_config_check_on_a_wrong_type_prints_the_field_path_and_exits_2(tmp_path: Path) -> None:
    path = write_config(
        tmp_path, SMALL_CONFIG.replace('amount_per_level: "200"', "amount_per_level: lots")
    )
    result = run_cli("config", "check", str(path), cwd=tmp_path)
    assert result.returncode == 2
    assert "bots[0].strategy.amount_per_level" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_headless_run_on_a_bad_config_exits_2_without_traceback(tmp_path: Path) -> None:
    path = write_config(tmp_path, SMALL_CONFIG.replace("levels: 21", "levels: 1"))
    result = run_cli("run", "--headless", "--no-api", "--config", str(path), cwd=tmp_path)
    assert result.returncode == 2
    assert "bots[0].strategy.levels: Input should be greater than or equal to 2" in result.stderr
    assert "Traceback" not in result.stderr


def test_headless_run_missing_data_file_is_a_clear_error(tmp_path: Path) -> None:
    path = write_config(tmp_path, SMALL_CONFIG.replace("data: bundled", "data: nowhere.csv"))
    result = run_cli("run", "--headless", "--no-api", "--config", str(path), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: replay.data: ")
    assert "nowhere.csv" in result.stderr
    assert "Traceback" not in result.stderr


def test_headless_run_prints_a_summary_and_fills_reach_the_database(tmp_path: Path) -> None:
    db = tmp_path / "headless.db"
    path = write_config(tmp_path)
    result = run_cli(
        "run", "--headless", "--no-api", "--config", str(path), "--db", str(db), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "stopped by     end of replay data" in out
    fills_line = next(line for line in out.splitlines() if line.strip().startswith("fills"))
    fills = int(fills_line.split()[-1].replace(",", ""))
    assert fills > 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from fills").fetchone()[0] == fills


def test_headless_duration_stops_a_paced_replay(tmp_path: Path) -> None:
    db = tmp_path / "paced.db"
    result = run_cli(
        "run",
        "--headless",
        "--no-api",
        "--duration",
        "2",
        "--speed",
        "600",
        "--db",
        str(db),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "stopped by     duration of 2s reached" in result.stdout
    assert "candles)" in result.stdout


def test_default_database_lives_in_the_data_directory_named_after_the_config(
    tmp_path: Path,
) -> None:
    path = write_config(tmp_path)
    result = run_cli("run", "--headless", "--no-api", "--config", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "config.db").exists()
    assert not (tmp_path / "data" / "traderagent.db").exists()


def test_sigterm_stops_a_headless_run_with_its_summary(tmp_path: Path) -> None:
    env = {**os.environ, "TRADERAGENT_DATA_DIR": str(tmp_path / "data")}
    command = [
        sys.executable,
        "-m",
        "traderagent",
        "run",
        "--headless",
        "--no-api",
        "--speed",
        "600",
    ]
    with subprocess.Popen(
        [*command, "--db", str(tmp_path / "sig.db")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("TraderAgent PAPER")  # the engine is up
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "stopped by     signal SIGTERM" in out
    assert "Traceback" not in err
