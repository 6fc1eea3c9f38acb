"""A run with the clock, the network and the file system forbidden.

While a `Guard` is active, reading the clock (`time.time`, `monotonic`, `perf_counter`,
`datetime.now`, `date.today`, ...), opening a socket or a file, listing a directory or starting
a process raises `Forbidden` at the point of the attempt, and the attempt is recorded (so a
strategy that swallows the exception is caught all the same). Files and sockets are watched
through Python's audit hooks (PEP 578), the clock by replacing the functions in `time` and
`datetime` and their copies in the watched modules' globals (`from time import time`). Reading
Python source or bytecode stays allowed: a lazy `import` inside a method is not I/O of the
strategy's. What C code does without telling Python (numpy's own clock) is out of its sight.
"""

from __future__ import annotations

import datetime as _dt
import sys
import threading
import time as _time
import traceback
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

FORBIDDEN_EVENTS = (
    "open",
    "socket.",
    "urllib.",
    "http.client.",
    "subprocess.",
    "os.system",
    "os.exec",
    "os.spawn",
    "os.fork",
    "os.posix_spawn",
    "os.listdir",
    "os.scandir",
    "os.remove",
    "os.rename",
    "os.mkdir",
    "os.rmdir",
    "os.truncate",
    "os.chdir",
    "shutil.",
    "glob.glob",
    "sqlite3.connect",
    "ftplib.",
    "smtplib.",
    "webbrowser.",
)
"""Audit events (prefixes) a strategy may not raise: files, network, processes."""
CODE_SUFFIXES = (".py", ".pyc", ".so", ".pyd")
CLOCK_NOW = (
    "time",
    "time_ns",
    "monotonic",
    "monotonic_ns",
    "perf_counter",
    "perf_counter_ns",
    "process_time",
    "process_time_ns",
    "thread_time",
    "sleep",
)
"""`time` functions that read (or wait on) the clock whatever their arguments."""
CLOCK_DEFAULT = ("localtime", "gmtime", "ctime", "asctime", "strftime")
"""`time` functions that read the clock only when called without the time argument."""


class Forbidden(RuntimeError):
    """The strategy reached for the clock, the network or the file system."""


_active: Guard | None = None
_hooked = False


class Guard:
    """`with Guard(modules): run()` forbids clock, network and files inside; `attempts` lists
    each attempt as `what (at file:line)`."""

    def __init__(self, modules: Iterable[ModuleType] = ()) -> None:
        self.modules = list(modules)
        self.attempts: list[str] = []
        self.thread = threading.get_ident()  # other threads keep their clock and files
        self._undo: list[Callable[[], None]] = []

    def __enter__(self) -> Guard:
        global _active
        _install_hook()
        replaced = self._patch_clock()
        for module in self.modules:
            for name, value in list(vars(module).items()):
                for original, guarded in replaced:
                    if value is original:
                        self._set(module, name, guarded)
        _active = self
        return self

    def __exit__(self, *_exc: object) -> None:
        global _active
        _active = None
        while self._undo:
            self._undo.pop()()

    def forbid(self, what: str) -> None:
        """Record the attempt `what` and raise Forbidden."""
        attempt = f"{what} (at {_where()})"
        self.attempts.append(attempt)
        raise Forbidden(f"a strategy may not use {attempt}")

    def forbid_here(self, what: str) -> None:
        """`forbid(what)` on the guarded thread; nothing on any other."""
        if threading.get_ident() == self.thread:
            self.forbid(what)

    def _patch_clock(self) -> list[tuple[Any, Any]]:
        replaced: list[tuple[Any, Any]] = []
        for name in CLOCK_NOW:
            original = getattr(_time, name, None)
            if original is not None:
                replaced.append((original, self._blocked(f"time.{name}()", original)))
        for name in CLOCK_DEFAULT:
            original = getattr(_time, name, None)
            if original is not None:
                replaced.append((original, self._blocked_bare(f"time.{name}()", original)))
        replaced.append((_dt.datetime, _guarded_datetime(self)))
        replaced.append((_dt.date, _guarded_date(self)))
        for original, guarded in replaced:
            home = _time if not isinstance(original, type) else _dt
            self._set(home, original.__name__, guarded)
        return replaced

    def _blocked(self, what: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def blocked(*args: Any, **kwargs: Any) -> Any:
            if threading.get_ident() == self.thread:
                self.forbid(what)
            return original(*args, **kwargs)

        return blocked

    def _blocked_bare(self, what: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def blocked(*args: Any, **kwargs: Any) -> Any:
            bare = len(args) < (2 if original.__name__ == "strftime" else 1)
            if bare and threading.get_ident() == self.thread:
                self.forbid(what)
            return original(*args, **kwargs)

        return blocked

    def _set(self, owner: ModuleType, name: str, value: Any) -> None:
        before = getattr(owner, name)
        setattr(owner, name, value)
        self._undo.append(lambda: setattr(owner, name, before))


def _guarded_datetime(guard: Guard) -> type:
    real = _dt.datetime  # before the guard replaces it in the module

    class datetime(real):  # type: ignore[valid-type,misc]  # noqa: N801 - stands in for datetime.datetime
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            guard.forbid_here("datetime.now()")
            return real.now(tz)

        @classmethod
        def utcnow(cls) -> Any:
            guard.forbid_here("datetime.utcnow()")
            return real.now(_dt.UTC).replace(tzinfo=None)

        @classmethod
        def today(cls) -> Any:
            guard.forbid_here("datetime.today()")
            return real.now()

    return datetime


def _guarded_date(guard: Guard) -> type:
    real = _dt.date

    class date(real):  # type: ignore[valid-type,misc]  # noqa: N801 - stands in for datetime.date
        @classmethod
        def today(cls) -> Any:
            guard.forbid_here("date.today()")
            return real.fromtimestamp(_time.time())

    return date


def _install_hook() -> None:
    global _hooked
    if not _hooked:
        sys.addaudithook(_audit)  # cannot be removed: it does nothing while no guard is active
        _hooked = True


def _audit(event: str, args: tuple[Any, ...]) -> None:
    global _active
    guard = _active
    if guard is None or not event.startswith(FORBIDDEN_EVENTS):
        return
    if threading.get_ident() != guard.thread:
        return
    if event == "open" and _reads_code(args):
        return
    detail = f" {args[0]!r}" if args and isinstance(args[0], str | bytes) else ""
    what = "opening a file" if event == "open" else f"{event}"
    _active = None  # recording must not trip the hook again
    try:
        guard.forbid(f"{what}{detail}")
    finally:
        _active = guard


def _reads_code(args: tuple[Any, ...]) -> bool:
    path, mode = (args + (None, None))[:2]
    reading = mode is None or (isinstance(mode, str) and "r" in mode and "+" not in mode)
    return reading and str(path).endswith(CODE_SUFFIXES)


def _where() -> str:
    """The innermost frame of the caller's own code (not this module, not the standard
    library or installed packages): where the strategy made the attempt."""
    stack = traceback.extract_stack()
    prefixes = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix})
    for frame in reversed(stack):
        name = frame.filename
        if name != __file__ and not name.startswith(prefixes) and "<frozen" not in name:
            return f"{name.rsplit('/', 1)[-1]}:{frame.lineno}"
    return "unknown"
