"""The fills/log pane: a bounded RichLog fed from a bus event stream at each dashboard refresh.

Every entry also goes to a bounded ring (`LogRing`) with its level and bot, so the filter (`f`)
can redraw the pane from it. Memory is bounded by the ring and by MAX_LINES, however long it runs.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual import events
from textual.widgets import RichLog

from traderagent.bus import EventStream
from traderagent.domain.events import Event
from tui.event_lines import day_line, day_of, event_line, event_meta, note_line
from tui.log_filter import LogEntry, LogFilter, LogRing

MAX_LINES = 500
MIN_RENDERED = 40
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

    def catch_up(self) -> None:
        """Write whatever the stream holds now: the dashboard's refresh tick calls it, so a
        busy feed is drawn in one batch per frame, with the other panes."""
        if not self._stream.closed:
            self.write_events(self._stream.drain())

    def write_events(self, events: Iterable[Event]) -> None:
        shown: list[LogEntry] = []
        for event in events:
            line = event_line(event)
            if line is not None:
                level, bot = event_meta(event)
                entry = LogEntry(event.ts, level, bot, line)
                self.ring.append(entry)
                if self.log_filter.accepts(entry):
                    shown.append(entry)
        # lines beyond the pane's memory would be dropped at once: do not render them
        lines: list[Text] = []
        for entry in shown[-MAX_LINES:]:
            lines.extend(self._lines_of(entry))
        if lines:
            self._history.extend(lines)
            # a burst scrolls past faster than anyone reads: render only what fits on screen
            # (twice over); every line stays in the history and the ring for scrollback/filters
            tail = max(2 * self.size.height, MIN_RENDERED)
            self.write(Text("\n").join(lines[-tail:]))  # one render for the whole batch

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
