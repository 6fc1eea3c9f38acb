"""The log pane as a logging handler: records of the program's loggers (the venue client, the
notifier, the TUI itself) appear in the pane as they do on a daemon's stderr and in the log
file. The engine's own events already reach the pane from the bus: records made from them
(`from_engine`) are not shown twice."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

Note = Callable[[str, str], None]
"""`TraderAgentApp.note`: (message, level) -> a line in the log pane."""


class PaneHandler(logging.Handler):
    """Writes each record (redacted by the filter `attach_handler` adds) as a note; from
    another thread through `call_from_thread` (`App.call_from_thread`)."""

    def __init__(self, note: Note, call_from_thread: Callable[..., Any]) -> None:
        super().__init__()
        self._note = note
        self._call_from_thread = call_from_thread
        self._loop_thread = threading.get_ident()  # made on the app's thread (on_mount)

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "from_engine", False):
            return
        try:
            message = record.getMessage()
            component = record.name.removeprefix("traderagent.")
            line = f"{component}: {message}"
            if threading.get_ident() == self._loop_thread:
                self._note(line, record.levelname)
            else:
                self._call_from_thread(self._note, line, record.levelname)
        except Exception:  # a log line must never take the console down
            self.handleError(record)
