"""Keep numba's on-disk cache of the kernels consistent with their source.

Numba invalidates a cached function only when its own module changes, but a kernel inlines
functions from the other modules of this package: after an edit of `venue.py`, a cached
`run_grid.grid_run` would still run the old venue. So the package keeps a digest of all its
sources beside the cache and drops every cached kernel when the digest changes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

STAMP = "traderagent-kernels.stamp"


def source_digest() -> str:
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for source in sorted(here.glob("*.py")):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def cache_dir() -> Path | None:
    """Where numba caches this package's functions (None if it cannot cache here)."""
    from traderagent.backtest.kernels.exact import floor_dd

    cache = getattr(floor_dd, "_cache", None)
    path = getattr(cache, "_cache_path", None)
    return Path(path) if path else None


def check_cache() -> None:
    """Drop the cached kernels if they were compiled from other sources than these."""
    where = cache_dir()
    if where is None:
        return
    digest = source_digest()
    stamp = where / STAMP
    try:
        current = stamp.read_text(encoding="ascii")
    except OSError:
        current = ""  # no stamp yet: the cache, if any, is of unknown origin
    if current == digest:
        return
    for cached in (*where.glob("*.nbi"), *where.glob("*.nbc")):
        cached.unlink(missing_ok=True)
    try:
        where.mkdir(parents=True, exist_ok=True)
        stamp.write_text(digest, encoding="ascii")
    except OSError:
        return  # a read-only cache directory: numba will not cache there either


def load_without_registries() -> None:
    """Let numba load a cached function without first loading its compiler's registries.

    Numba refreshes its target context before every cache load: it imports and installs the
    lowering of the whole library (arrays, linear algebra, random, typed containers...), a
    fifth of a second that a loaded machine code never uses. Only the runtime (`rtsys`) must
    be ready: compiled code allocates through it. A real compile still refreshes (numba's
    compiler does so itself, and so does a context asked for a lowering it lacks), so nothing
    is skipped that a compile needs. Installed once per process, on numba's `Cache` class
    (every cached function: the kernels and the indicators the regime timeline runs); left
    as numba has it when this numba lacks the internals it relies on.
    """
    from numba.core import caching
    from numba.core.runtime import nrt

    cache = caching.Cache
    if getattr(cache.load_overload, "without_registries", False):
        return
    if not all(hasattr(cache, name) for name in NUMBA_CACHE_INTERNALS):
        return

    def load_overload(self: caching.Cache, sig: object, target_context: object) -> object:
        nrt.rtsys.initialize(target_context)
        loaded = None  # stays None if the guard swallows a spurious I/O error: compile then
        with self._guard_against_spurious_io_errors():
            loaded = self._load_overload(sig, target_context)  # type: ignore[no-untyped-call]
        return loaded

    load_overload.without_registries = True  # type: ignore[attr-defined]
    cache.load_overload = load_overload  # type: ignore[method-assign]


NUMBA_CACHE_INTERNALS = ("load_overload", "_load_overload", "_guard_against_spurious_io_errors")
