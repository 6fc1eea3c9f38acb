"""`warm_up`: a kernel is compiled or loaded before its timed run; the compile notice is given
only when a compile is ahead (nothing in this process, no index in numba's cache)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

TINY = """
from numba import njit


@njit(cache=True)
def twice(x):
    return x * 2
"""
PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from tiny_kernel import twice
from traderagent.backtest.kernels.warmup import is_cached, warm_up
told = []
before = is_cached(twice)
first = warm_up(twice, (3,), lambda: told.append(1))
again = warm_up(twice, (3,), lambda: told.append(1))
print(json.dumps({"cached_before": before, "told": len(told), "compiled": first.compiled,
                  "again": [again.seconds, again.compiled], "result": twice(3)}))
"""


def probe(folder: Path, cache: Path) -> dict[str, object]:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    done = subprocess.run(  # noqa: S603 - our own interpreter on our own probe
        [sys.executable, "-c", PROBE, str(folder)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_the_notice_comes_only_before_a_real_compile(tmp_path: Path) -> None:
    (tmp_path / "tiny_kernel.py").write_text(TINY, encoding="utf-8")
    cache = tmp_path / "numba-cache"
    cold = probe(tmp_path, cache)
    assert cold == {
        "cached_before": False,
        "told": 1,
        "compiled": True,
        "again": [0.0, False],  # ready in this process: nothing to do
        "result": 6,
    }
    warm = probe(tmp_path, cache)  # a new process: loaded from the cache, no notice
    assert warm["cached_before"] is True and warm["told"] == 0 and warm["compiled"] is False
