"""Several `traderagent optimize` processes sharing one Optuna study on PostgreSQL, started at
the same moment: all finish (no race creating Optuna's tables), every trial carries its worker,
`--show` reads the study without running anything, and a worker SIGKILLed mid-trial leaves no
trial RUNNING (its trial goes stale, is failed and run again by a survivor).

Needs TRADERAGENT_TEST_POSTGRES_URL (skipped with that reason otherwise)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from unit.storage.backends import postgres_execute, postgres_url, run_blocking

from traderagent.optimize.study_storage import GRACE_S, HEARTBEAT_S

__all__ = ["postgres_url"]  # the fixture, for pytest

pytestmark = pytest.mark.postgres
DAYS = ["--start", "2023-03-06", "--end", "2023-03-08"]
SPACE = """
lower: {float: [21000, 22000], step: 500}
levels: {int: [11, 31], step: 10}
spacing: {choice: [arithmetic, geometric]}
"""


def worker(tmp_path: Path, url: str, name: str, trials: int, *extra: str) -> subprocess.Popen[str]:
    space = tmp_path / "space.yaml"
    space.write_text(SPACE, encoding="utf-8")
    command = [sys.executable, "-m", "traderagent", "optimize", "--data", "bundled", *DAYS]
    command += ["--space", str(space), "--method", "tpe", "--trials", str(trials)]
    command += ["--storage", url, "--study", "s1", "--no-export"]
    command += ["--json", str(tmp_path / f"{name}.json"), *extra]
    env = {**os.environ, "TRADERAGENT_DATA_DIR": str(tmp_path / "data")}
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def finish(proc: subprocess.Popen[str], timeout: float = 300) -> str:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    return out


def trials(url: str) -> list[dict[str, Any]]:
    """Every trial of study s1: number, state, worker, retried trial."""
    rows = run_blocking(
        lambda: postgres_execute(
            url,
            "SELECT t.number, t.state::text AS state,"
            " (SELECT value_json FROM trial_user_attributes a"
            "   WHERE a.trial_id = t.trial_id AND a.key = 'worker') AS worker,"
            " (SELECT value_json FROM trial_system_attributes s"
            "   WHERE s.trial_id = t.trial_id AND s.key = 'failed_trial') AS retried"
            " FROM trials t JOIN studies USING (study_id) WHERE study_name = 's1'"
            " ORDER BY t.number",
        )
    )
    return [
        {
            "number": r["number"],
            "state": r["state"],
            "worker": json.loads(r["worker"]) if r["worker"] else None,
            "retried": json.loads(r["retried"]) if r["retried"] else None,
        }
        for r in rows
    ]


def show(url: str) -> str:
    command = [sys.executable, "-m", "traderagent", "optimize", "--storage", url]
    done = subprocess.run(  # noqa: S603 - our own CLI
        [*command, "--study", "s1", "--show"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_three_workers_started_at_once_on_a_fresh_database_all_finish(
    postgres_url: str, tmp_path: Path
) -> None:
    procs = [worker(tmp_path, postgres_url, f"w{i}", 4) for i in range(3)]
    printed = [finish(p) for p in procs]
    found = trials(postgres_url)
    assert [t["state"] for t in found] == ["COMPLETE"] * 12
    ids = {f"{os.uname().nodename}:{p.pid}" for p in procs}
    by_worker = {w: sum(1 for t in found if t["worker"] == w) for w in ids}
    assert by_worker == dict.fromkeys(ids, 4)  # each ran its budget, none lost or doubled
    reports = [json.loads((tmp_path / f"w{i}.json").read_text()) for i in range(3)]
    assert any(r["workers"] == by_worker for r in reports)  # the last to finish saw them all
    assert all(r["run_trials"] == 4 for r in reports)
    last = max(reports, key=lambda r: len(r["trials"]))
    feasible = [t for t in last["trials"] if t["feasible"] and t["values"]]
    everyone = max(feasible, key=lambda t: t["values"][0])
    assert last["best"]["values"] == everyone["values"]  # the best of every worker's trials
    assert any("workers  3, trials each:" in out for out in printed)
    state = show(postgres_url)
    assert "trials   12 (12 complete)" in state
    assert "workers  3, finished trials each:" in state and "running" not in state
    assert [t["state"] for t in trials(postgres_url)] == ["COMPLETE"] * 12  # --show ran nothing


def test_a_worker_killed_mid_trial_leaves_no_trial_running(
    postgres_url: str, tmp_path: Path
) -> None:
    survivor = worker(tmp_path, postgres_url, "survivor", 6, "--engine")
    victim = worker(tmp_path, postgres_url, "victim", 1000, "--engine")
    name = f"{os.uname().nodename}:{victim.pid}"
    deadline = time.monotonic() + 180
    running: list[dict[str, Any]] = []
    while not running:  # kill it while one of its trials runs
        assert time.monotonic() < deadline, "the victim never ran a trial"
        assert victim.poll() is None
        with suppress(asyncpg.UndefinedTableError):  # not made yet
            found = trials(postgres_url)
            running = [t for t in found if t["state"] == "RUNNING" and t["worker"] == name]
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    killed = running[0]["number"]
    finish(survivor, timeout=300 + GRACE_S + 2 * HEARTBEAT_S)
    found = trials(postgres_url)
    assert not [t for t in found if t["state"] in ("RUNNING", "WAITING")]
    assert next(t for t in found if t["number"] == killed)["state"] == "FAIL"
    retries = [t for t in found if t["retried"] == killed]
    assert len(retries) == 1 and retries[0]["state"] == "COMPLETE"
    assert "running" not in show(postgres_url)
