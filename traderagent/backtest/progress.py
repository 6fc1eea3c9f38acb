"""A one-line progress bar for a terminal: `[##########----------]  50%  1.2 s`.

Drawn in place with a carriage return, only when the stream is a terminal; elsewhere (a pipe,
a file, CI logs) it writes nothing, so output stays clean.
"""

from __future__ import annotations

import time
from typing import TextIO

BAR_WIDTH = 30


class ProgressBar:
    """Call it with the share done (0..1); `close()` clears the line."""

    def __init__(self, stream: TextIO, label: str = "backtest") -> None:
        self.stream = stream
        self.label = label
        self.enabled = stream.isatty()
        self._began = time.perf_counter()
        self._shown = -1

    def __call__(self, share: float) -> None:
        if not self.enabled:
            return
        percent = int(max(0.0, min(share, 1.0)) * 100)
        if percent == self._shown:
            return
        self._shown = percent
        filled = BAR_WIDTH * percent // 100
        elapsed = time.perf_counter() - self._began
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.stream.write(f"\r{self.label} [{bar}] {percent:3d}%  {elapsed:.1f} s")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self._shown >= 0:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
