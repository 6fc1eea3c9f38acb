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
