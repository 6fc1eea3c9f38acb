"""The fills/log pane: a bounded RichLog fed by a worker that follows a bus event stream."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual import events
from textual.widgets import RichLog

from traderagent.bus import EventStream
from traderagent.domain.events import Event
from tui.event_lines import day_line, day_of, event_line, note_line

MAX_LINES = 500


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

    @property
    def history(self) -> list[Text]:
        """The lines in the pane, oldest first (at most MAX_LINES)."""
        return list(self._history)

    def on_mount(self) -> None:
        self.run_worker(self._follow(), name="events", group="events")

    def on_resize(self, event: events.Resize) -> None:
        width = self.scrollable_content_region.width
        if self._wrapped_at and width and width != self._wrapped_at:
            self.clear()
            for line in self._history:
                self.write(line)
        self._wrapped_at = width

    async def _follow(self) -> None:
        while not self._stream.closed:
            # The batch is written without another await, so no other writer can interleave.
            self.write_events(await self._stream.next_batch())

    def catch_up(self) -> None:
        """Write whatever the stream holds now, e.g. before noting that the engine finished."""
        self.write_events(self._stream.drain())

    def write_events(self, events: Iterable[Event]) -> None:
        for event in events:
            line = event_line(event)
            if line is not None:
                self._new_day(event.ts)
                self._add(line)

    def note(self, ts_ms: int, message: str, level: str = "INFO") -> None:
        """A line from the TUI itself, stamped with the engine clock."""
        self._new_day(ts_ms)
        self._add(note_line(ts_ms, message, level))

    def _new_day(self, ts_ms: int) -> None:
        day = day_of(ts_ms)
        if day != self._day:
            self._day = day
            self._add(day_line(ts_ms))

    def _add(self, line: Text) -> None:
        self._history.append(line)
        self.write(line)
