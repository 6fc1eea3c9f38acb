"""DESIGN.md decision 3, enforced: the same contracts as `lint-imports`, run in the test suite."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def test_import_linter_contracts_hold() -> None:
    lint_imports = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    if not Path(lint_imports).exists():
        pytest.fail(
            "lint-imports is not installed: install the dev extra (pip install -e '.[dev]')"
        )
    result = subprocess.run(
        [lint_imports], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_cli_help_does_not_import_the_heavy_layers() -> None:
    code = (
        "import sys; from traderagent import cli; "
        "heavy = [m for m in ('textual', 'pandas', 'sqlalchemy', 'tui') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == ""
