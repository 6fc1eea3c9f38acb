"""Load or compile a kernel before its timed run, so a run's elapsed time is the run's own.

Numba compiles a kernel at its first call in a process (tens of seconds), or loads it from
its on-disk cache (`cache.py`, well under a second). `warm_up` does either ahead of the run,
timed apart, and calls `on_compile` first when a real compile is ahead: the kernel has no
code for these argument types in this process and its cache holds no index for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Warmup:
    """What getting a kernel ready took."""

    seconds: float
    """Wall-clock time of the compile or cache load (0 when it was ready in this process)."""
    compiled: bool
    """True for a compile, False for a cache load (or nothing to do)."""


def is_cached(kernel: Any) -> bool:
    """Whether numba's on-disk cache holds an index for `kernel` (a cheap file test)."""
    cache = getattr(kernel, "_cache", None)
    index = getattr(getattr(cache, "_cache_file", None), "_index_path", None)
    return isinstance(index, str) and Path(index).is_file()


def warm_up(
    kernel: Any, args: Sequence[object], on_compile: Callable[[], None] | None = None
) -> Warmup:
    """Make `kernel` (a numba dispatcher) ready for `args`' types; see the module docstring."""
    signature = tuple(kernel.typeof_pyval(a) for a in args)
    if signature in kernel.overloads:
        return Warmup(0.0, False)
    if on_compile is not None and not is_cached(kernel):
        on_compile()
    misses = sum(kernel.stats.cache_misses.values())
    began = time.perf_counter()
    kernel.compile(signature)
    seconds = time.perf_counter() - began
    return Warmup(seconds, sum(kernel.stats.cache_misses.values()) > misses)
