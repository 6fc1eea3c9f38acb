"""The default run leaves slow and soak tests out (pyproject addopts), and -m slow brings them
back: checked on the reference comparison, whose full-data cases are slow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = "tests/reference/test_reference_vs_engine.py"
SLOW = "test_engine_matches_the_reference_on_all_the_bundled_data"


def collected(*args: str) -> list[str]:
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return [line for line in result.stdout.splitlines() if "::" in line]


def test_slow_tests_are_left_out_by_default_and_selected_with_m_slow() -> None:
    default = collected(TARGET)
    assert default and not [t for t in default if SLOW in t]
    slow = collected("-m", "slow", TARGET)
    assert len(slow) == 3 and all(SLOW in t for t in slow)
