"""The log pane's filter and its bounded ring buffer of entries (pure, no widgets)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from rich.text import Text

from traderagent.domain.events import Event
from tui.event_lines import LEVEL_RANK, event_line

BUFFER_ENTRIES = 2_000
"""Entries kept for re-filtering; older ones are dropped, so memory stays bounded."""


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One logged thing: an engine event (formatted only when it is shown, since a busy feed
    scrolls most lines past unseen) or a line the console wrote itself."""

    ts: int
    level: str
    bot: str
    source: Event | Text

    @property
    def line(self) -> Text:
        if isinstance(self.source, Text):
            return self.source
        return event_line(self.source) or Text(type(self.source).__name__)


@dataclass(frozen=True, slots=True)
class LogFilter:
    """Show entries of `level` and above, of one bot (entries of no bot always show) or all."""

    level: str = "DEBUG"
    bot: str | None = None

    def accepts(self, entry: LogEntry) -> bool:
        if LEVEL_RANK.get(entry.level, 20) < LEVEL_RANK.get(self.level, 0):
            return False
        return self.bot is None or entry.bot in ("", self.bot)

    @property
    def label(self) -> str:
        """`WARNING+ · grid-btc`, or '' when everything shows."""
        parts = [f"{self.level}+"] if self.level != "DEBUG" else []
        if self.bot is not None:
            parts.append(self.bot)
        return " · ".join(parts)


class LogRing:
    """The last `size` log entries, oldest first."""

    def __init__(self, size: int = BUFFER_ENTRIES) -> None:
        self._entries: deque[LogEntry] = deque(maxlen=size)

    def __len__(self) -> int:
        return len(self._entries)

    def append(self, entry: LogEntry) -> None:
        self._entries.append(entry)

    def matching(self, log_filter: LogFilter, last: int) -> Iterator[LogEntry]:
        """The newest `last` entries the filter accepts, oldest first."""
        found: deque[LogEntry] = deque(maxlen=last)
        found.extend(e for e in self._entries if log_filter.accepts(e))
        return iter(found)
