"""The daemon marker: a small JSON file saying "a daemon serves this database at this URL".

It sits next to a SQLite database (`<db>.daemon.json`) or, for a server database, in the data
directory keyed by the database's shown label. The daemon writes it once its API listens and
removes it on exit; a marker whose process is gone (a crash) is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from traderagent.paths import data_dir


@dataclass(frozen=True, slots=True)
class DaemonMarker:
    """What a running daemon tells a console starting on the same database."""

    url: str
    pid: int
    database: str
    """The database as shown (a URL's password hidden)."""
    started: float


def marker_path(target: str | Path, label: str) -> Path:
    """Where the marker of the daemon on `target` (a SQLite path or a URL) lives."""
    if isinstance(target, Path):
        return target.with_name(target.name + ".daemon.json")
    key = hashlib.sha256(label.encode()).hexdigest()[:16]
    return data_dir() / "daemons" / f"{key}.json"


def write_marker(path: Path, url: str, database: str) -> DaemonMarker:
    marker = DaemonMarker(url, os.getpid(), database, time.time())
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{marker.pid}")
    partial.write_text(json.dumps(asdict(marker)), encoding="utf-8")
    partial.replace(path)
    return marker


def remove_marker(path: Path) -> None:
    """Remove our marker (never another live daemon's)."""
    found = read_marker(path)
    if found is None or found.pid == os.getpid():
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def read_marker(path: Path) -> DaemonMarker | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return DaemonMarker(
            str(data["url"]), int(data["pid"]), str(data["database"]), float(data["started"])
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def live_daemon(path: Path) -> DaemonMarker | None:
    """The daemon the marker names, if its process still runs (not ourselves)."""
    marker = read_marker(path)
    if marker is None or marker.pid == os.getpid() or not _alive(marker.pid):
        return None
    return marker
