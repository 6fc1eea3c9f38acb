"""`traderagent run --headless` as a daemon: the API it serves, its marker, and SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from api_kit import PACED, SHORT
from kit.factories import write_config


def daemon_env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "TRADERAGENT_DATA_DIR": str(tmp_path / "data")}
    env["TRADERAGENT_CONFIG_DIR"] = str(tmp_path / "cfg")
    env.pop("TRADERAGENT_API_TOKEN", None)
    return env


@contextmanager
def start(tmp_path: Path, config: str, *args: str) -> Iterator[subprocess.Popen[str]]:
    """The daemon as a subprocess; killed if a failed assertion leaves it running."""
    path = write_config(tmp_path, config)
    command = [sys.executable, "-m", "traderagent", "run", "--headless", "--config", str(path)]
    with subprocess.Popen(
        [*command, "--db", str(tmp_path / "daemon.db"), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=daemon_env(tmp_path),
    ) as proc:
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.kill()


def read_until_listening(proc: subprocess.Popen[str]) -> list[str]:
    assert proc.stdout is not None
    lines: list[str] = []
    while not lines or not lines[-1].startswith("API listening on "):
        line = proc.stdout.readline()
        assert line, f"the daemon exited early: {lines} {proc.communicate()[1]}"
        lines.append(line.rstrip("\n"))
    return lines


def wait_for_orders(url: str, token: str) -> list[dict[str, object]]:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as client:
        assert client.get("/health").json()["status"] == "ok"
        for _ in range(300):
            orders: list[dict[str, object]] = client.get("/api/v1/orders").json()
            if orders:
                return orders
            time.sleep(0.05)
    raise AssertionError("the daemon's bot placed no orders")


def order_counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select status, count(*) from orders group by status").fetchall()
    return {str(status): int(count) for status, count in rows}


def stop(proc: subprocess.Popen[str]) -> tuple[str, str]:
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "stopped by     signal SIGTERM" in out
    return out, err


def test_sigterm_leaves_resting_orders_and_removes_the_marker(tmp_path: Path) -> None:
    with start(tmp_path, PACED, "--api-port", "0") as proc:
        lines = read_until_listening(proc)
        assert lines[0].startswith("TraderAgent PAPER")
        created = next(line for line in lines if line.startswith("API token created in "))
        token_file = tmp_path / "cfg" / "api.token"
        assert str(token_file) in created  # where, never what: stdout goes to service logs
        token = token_file.read_text().strip()
        assert token not in "\n".join(lines)
        url = lines[-1].split()[3]
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
        marker = json.loads((tmp_path / "daemon.db.daemon.json").read_text())
        assert (marker["url"], marker["pid"]) == (url, proc.pid)
        reprinted = subprocess.run(
            [sys.executable, "-m", "traderagent", "api-token"],
            capture_output=True,
            text=True,
            env=daemon_env(tmp_path),
            check=True,
        )
        assert reprinted.stdout.strip() == token
        assert token not in reprinted.stderr
        wait_for_orders(url, token)
        stop(proc)
    assert not (tmp_path / "daemon.db.daemon.json").exists()
    counts = order_counts(tmp_path / "daemon.db")
    assert counts.get("New", 0) > 0  # `on_shutdown: leave`: they rest on the venue
    assert counts.get("Cancelled", 0) == 0


def test_sigterm_cancels_resting_orders_when_configured_and_prints_no_new_token(
    tmp_path: Path,
) -> None:
    token = "token-from-an-earlier-run-0123456789"
    (tmp_path / "cfg").mkdir(mode=0o700)
    (tmp_path / "cfg" / "api.token").write_text(token + "\n")
    with start(tmp_path, PACED + "api: {on_shutdown: cancel}\n", "--api-port", "0") as proc:
        lines = read_until_listening(proc)
        assert not any(line.startswith("API token") for line in lines)  # said once only
        resting = wait_for_orders(lines[-1].split()[3], token)
        stop(proc)
    counts = order_counts(tmp_path / "daemon.db")
    assert counts.get("New", 0) == 0
    assert counts.get("Cancelled", 0) >= len(resting)


def test_a_busy_port_is_a_clear_error_and_no_api_serves_nothing(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with start(tmp_path, SHORT, "--api-port", str(port)) as busy:
            out, err = busy.communicate(timeout=60)
    assert busy.returncode == 1
    assert err.startswith(f"error: API: cannot listen on 127.0.0.1:{port}: ")
    assert "--api-port" in err and "Traceback" not in err
    with start(tmp_path, SHORT, "--no-api") as quiet:
        out, err = quiet.communicate(timeout=120)
    assert quiet.returncode == 0, err
    assert "API" not in out and "stopped by     end of replay data" in out
    assert not (tmp_path / "daemon.db.daemon.json").exists()
