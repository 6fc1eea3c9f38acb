"""`traderagent run --rehearse`: a Bybit demo config run on an in-process emulator with faults
and throwaway keys (the demo key pair is never needed), ending with what broke, if anything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from traderagent.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "configs" / "bybit-demo.yaml"


def test_a_short_rehearsal_trades_through_faults_and_reconciles(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADERAGENT_DEMO_")}
    env["TRADERAGENT_DATA_DIR"] = str(tmp_path)
    faults = "http5xx=0.05,ratelimit=0.05,ws_drop=0.01,seed=3"
    child = subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "traderagent", "run", "--rehearse", "--config", str(DEMO),
         "--speed", "600", "--duration", "6", "--faults", faults],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    out = child.stdout
    assert child.returncode == 0, out + child.stderr
    assert "Rehearsal: emulator at http://127.0.0.1:" in out
    assert "grid-demo" in out and "orders placed" in out  # the engine's own summary
    faults_line = next(line for line in out.splitlines() if "faults injected" in line)
    assert "http5xx" in faults_line or "ratelimit" in faults_line, out
    assert "PASSED: the bots' books match the venue" in out
    assert "rehearsal-" not in out + child.stderr  # the throwaway key is never printed


def ccxt_config(tmp_path: Path, exchange_id: str) -> Path:
    """The demo config with its venue swapped for ccxt's `exchange_id` driver."""
    text = DEMO.read_text()
    start, end = text.index("exchange:\n"), text.index("storage:")
    venue = f"exchange: {{venue: ccxt, exchange: {exchange_id}, credentials: demo}}\n\n"
    path = tmp_path / f"ccxt-{exchange_id}.yaml"
    path.write_text(text[:start] + venue + text[end:])
    return path


def test_a_ccxt_bybit_config_rehearses_through_ccxts_bybit_driver(tmp_path: Path) -> None:
    pytest.importorskip("ccxt.pro")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADERAGENT_DEMO_")}
    env["TRADERAGENT_DATA_DIR"] = str(tmp_path)
    faults = "http5xx=0.05,ratelimit=0.05,ws_drop=0.01,seed=3"
    child = subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "traderagent", "run", "--rehearse", "--config",
         str(ccxt_config(tmp_path, "bybit")), "--speed", "600", "--duration", "6",
         "--faults", faults],
        env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    out = child.stdout
    assert child.returncode == 0, out + child.stderr
    assert "(through ccxt's bybit driver)" in out
    assert "grid-demo" in out and "orders placed" in out
    assert "PASSED: the bots' books match the venue" in out
    assert "rehearsal-" not in out + child.stderr


def test_another_ccxt_exchange_cannot_rehearse_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("ccxt")
    assert main(["run", "--rehearse", "--config", str(ccxt_config(tmp_path, "binance"))]) == 2
    err = capsys.readouterr().err
    assert "the emulator speaks Bybit's V5 wire only" in err and "'binance'" in err
    assert len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--config", str(ROOT / "configs" / "default.yaml")],
            "--rehearse needs a config with exchange.venue: bybit",
        ),
        (["--config", str(DEMO), "--faults", "http5xx=2"], "--faults:"),
        (["--config", str(DEMO), "--speed", "max"], "not max"),
        (["--config", str(DEMO), "--db", "x.db"], "drop --db"),
    ],
)
def test_bad_rehearsal_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["run", "--rehearse", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err


def test_faults_without_rehearse_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--headless", "--faults", "http5xx=0.1"]) == 2
    assert "--faults only applies with --rehearse" in capsys.readouterr().err
