"""The fills/log pane: a bounded RichLog fed from a bus event stream at each dashboard refresh.

Every entry also goes to a bounded ring (`LogRing`) with its level and bot, so the filter (`f`)
can redraw the pane from it. Memory is bounded by the ring and by MAX_LINES, however long it runs.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual import events
from textual.widgets import RichLog

from traderagent.bus import EventStream
from traderagent.domain.events import Event
from tui.event_lines import LOGGED, day_line, day_of, event_meta, note_line
from tui.log_filter import LogEntry, LogFilter, LogRing

MAX_LINES = 500
MIN_RENDERED = 20
WRITE_SECONDS = 0.25
"""The pane takes new lines at most four times a second: under a burst they scroll past faster
than anyone reads, and each write re-renders the visible pane (the costliest part of a frame)."""
TITLE = "Fills & log"


class EventLog(RichLog):
    """One line per event, with a day line whenever the date changes.

    RichLog wraps a line once, when it is written; this pane keeps its recent lines and wraps
    them again when its width changes, so a resize or a layout change never crops them.
    """

    def __init__(self, stream: EventStream, **kwargs: Any) -> None:
        super().__init__(
            max_lines=MAX_LINES, min_width=20, wrap=True, markup=False, highlight=False, **kwargs
        )
        self._stream = stream
        self._day = ""
        self._history: deque[Text] = deque(maxlen=MAX_LINES)
        self._wrapped_at = 0
        self._written_at = 0.0
        self.ring = LogRing()
        self.log_filter = LogFilter()

    @property
    def history(self) -> list[Text]:
        """The lines in the pane, oldest first (at most MAX_LINES)."""
        return list(self._history)

    def on_mount(self) -> None:
        self.border_title = TITLE

    def on_resize(self, event: events.Resize) -> None:
        width = self.scrollable_content_region.width
        if self._wrapped_at and width and width != self._wrapped_at:
            self.clear()
            for line in self._history:
                self.write(line)
        self._wrapped_at = width

    def catch_up(self, force: bool = False) -> None:
        """Write whatever the stream holds now: the dashboard's refresh tick calls it, so a
        busy feed is drawn in one batch with the other panes, at most every WRITE_SECONDS
        unless `force` (a command's result is shown at once)."""
        now = time.monotonic()
        if self._stream.closed or (not force and now - self._written_at < WRITE_SECONDS):
            return
        self._written_at = now
        self.write_events(self._stream.drain())

    def write_events(self, events: Iterable[Event]) -> None:
        shown: list[LogEntry] = []
        for event in events:
            if isinstance(event, LOGGED):
                level, bot = event_meta(event)
                entry = LogEntry(event.ts, level, bot, event)
                self.ring.append(entry)
                if self.log_filter.accepts(entry):
                    shown.append(entry)
        # a burst scrolls past faster than anyone reads: format and render only what fits on
        # screen; every entry stays in the ring, for the filter to redraw from
        tail = max(self.size.height, MIN_RENDERED)
        lines: list[Text] = []
        for entry in shown[-tail:]:
            lines.extend(self._lines_of(entry))
        if lines:
            self._history.extend(lines)
            follow = self.auto_scroll and self.is_vertical_scroll_end
            self.write(Text("\n").join(lines[-tail:]), scroll_end=False)  # one render per batch
            if follow:  # scrolled now, not after the next frame: one frame per batch, not two
                self.scroll_end(animate=False, immediate=True, x_axis=False)

    def note(self, ts_ms: int, message: str, level: str = "INFO") -> None:
        """A line from the TUI itself, stamped with the engine clock."""
        self._keep(LogEntry(ts_ms, level.upper(), "", note_line(ts_ms, message, level)))

    def set_filter(self, log_filter: LogFilter) -> None:
        """Show only what `log_filter` accepts, redrawn from the ring."""
        self.log_filter = log_filter
        self.clear()
        self._history.clear()
        self._day = ""
        for entry in self.ring.matching(log_filter, MAX_LINES):
            self._show(entry)
        label = log_filter.label
        self.border_title = f"{TITLE} [{label}]" if label else TITLE

    def _keep(self, entry: LogEntry) -> None:
        self.ring.append(entry)
        if self.log_filter.accepts(entry):
            self._show(entry)

    def _show(self, entry: LogEntry) -> None:
        for line in self._lines_of(entry):
            self._add(line)

    def _lines_of(self, entry: LogEntry) -> list[Text]:
        """The entry's line, after a day line when the date changes."""
        day = day_of(entry.ts)
        if day == self._day:
            return [entry.line]
        self._day = day
        return [day_line(entry.ts), entry.line]

    def _add(self, line: Text) -> None:
        self._history.append(line)
        self.write(line)
