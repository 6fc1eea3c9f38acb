"""Log floods, rate-limited: a message repeated faster than a few a minute is counted, not
written each time, and the count is reported with the next one that is written.

Abuse of the API (thousands of connections, malformed requests, a process out of file
descriptors) makes uvicorn and asyncio log the same line thousands of times a second; a
limited filter on their loggers keeps the log readable and the disk from filling.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

BURST = 5
"""Records of one message written per window before the rest are only counted."""
WINDOW_S = 60.0
FLOOD_LOGGERS = ("uvicorn.error", "asyncio")


class RateLimitFilter(logging.Filter):
    """Lets BURST records of each message template through per WINDOW_S, counts the rest."""

    def __init__(
        self,
        burst: int = BURST,
        window_s: float = WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.burst = burst
        self.window_s = window_s
        self.clock = clock
        self._windows: dict[str, tuple[float, int, int]] = {}  # start, written, suppressed
        self.suppressed = 0

    def filter(self, record: logging.LogRecord) -> bool:
        key = f"{record.name}:{record.msg}"
        now = self.clock()
        start, written, dropped = self._windows.get(key, (now, 0, 0))
        if now - start >= self.window_s:
            start, written = now, 0
        if written >= self.burst:
            self._windows[key] = (start, written, dropped + 1)
            self.suppressed += 1
            return False
        if dropped:
            record.msg = f"{record.msg} ({dropped} more like it were not logged)"
        self._windows[key] = (start, written + 1, 0)
        if len(self._windows) > 1_000:  # messages with the values inside: forget the oldest
            self._windows.pop(next(iter(self._windows)))
        return True


def install(names: tuple[str, ...] = FLOOD_LOGGERS) -> None:
    """A RateLimitFilter on each named logger, once."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RateLimitFilter) for f in logger.filters):
            logger.addFilter(RateLimitFilter())


class FloodGuard:
    """Warnings on `logger`, rate-limited per message (the API's own connection notices)."""

    def __init__(self, logger: logging.Logger, limit: RateLimitFilter | None = None) -> None:
        self.logger = logger
        self.limit = limit or RateLimitFilter()

    def warning(self, msg: str, *args: object) -> None:
        record = self.logger.makeRecord(
            self.logger.name, logging.WARNING, "(api)", 0, msg, args, None
        )
        if self.logger.isEnabledFor(logging.WARNING) and self.limit.filter(record):
            self.logger.handle(record)
