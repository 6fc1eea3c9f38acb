"""`traderagent emulator` as a user runs it: prints where and how to connect, serves, stops."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "traderagent", "emulator", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def read_banner(process: subprocess.Popen[str], deadline_s: float = 30) -> list[str]:
    """stdout lines up to the 'stops it' line of the banner."""
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if "stops it" in line:
            return lines
    process.kill()
    raise AssertionError(f"no banner; got {lines!r}, stderr {process.communicate()[1]!r}")


def test_serves_market_time_prints_the_key_and_stops_on_sigterm() -> None:
    process = start("--data", "bundled", "--port", "0", "--api-key", "my-key", "--faults", "seed=3")
    try:
        banner = read_banner(process)
        text = "\n".join(banner)
        assert "API key     my-key" in text
        assert "API secret  emulator-secret-not-for-real-use" in text
        rest = next(line.split()[-1] for line in banner if line.strip().startswith("REST"))
        assert "ws://" in text and "/v5/private" in text
        before = time.time() * 1000
        answer = httpx.get(f"{rest}/v5/market/time", timeout=5).json()
        assert answer["retCode"] == 0
        assert abs(int(answer["result"]["timeSecond"]) * 1000 - before) < 5_000  # wall clock
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "stopped at market time 2023-03-" in out
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "missing.csv"], "file not found"),
        (["--data", "bundled", "--faults", "http5xx=lots"], "http5xx must be a probability"),
        (["--data", "bundled", "--balance", "USDT"], "balance must look like USDT=10000"),
        (["--data", "bundled", "--symbol", "BTCEUR"], "must end in one of USDT, USDC"),
        (["--data", "bundled", "--speed", "0"], "must be positive"),
    ],
)
def test_bad_input_is_a_clear_message_and_exit_2(
    args: list[str], message: str, tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "traderagent", "emulator", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
