"""The default run leaves slow and soak tests out (pyproject addopts), and -m slow brings them
back: checked on the reference comparison, whose full-data cases are slow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = "tests/reference/test_reference_vs_engine.py"
SLOW = "test_engine_matches_the_reference_on_all_the_bundled_data"


def collected(*runs: tuple[str, ...]) -> list[list[str]]:
    """The test ids `pytest --collect-only` lists for each run's arguments; the runs are
    started together (each is mostly pytest's own start-up, and the machine has cores)."""
    procs = [
        subprocess.Popen(  # noqa: S603 - our own interpreter
            [
                sys.executable,
                "-m",
                "pytest",
                "--collect-only",
                "-q",
                "-p",
                "no:cacheprovider",
                *args,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in runs
    ]
    listed = []
    try:
        for proc in procs:
            out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, out + err
            listed.append([line for line in out.splitlines() if "::" in line])
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return listed


def test_slow_tests_are_left_out_by_default_and_selected_with_m_slow() -> None:
    default, slow = collected((TARGET,), ("-m", "slow", TARGET))
    assert default and not [t for t in default if SLOW in t]
    assert len(slow) == 3 and all(SLOW in t for t in slow)
