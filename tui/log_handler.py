"""The log pane as a logging handler: records of the program's loggers (the venue client, the
notifier, the TUI itself) appear in the pane as they do on a daemon's stderr and in the log
file. The engine's own events already reach the pane from the bus: records made from them
(`from_engine`) are not shown twice."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.app import TraderAgentApp


class PaneHandler(logging.Handler):
    """Writes each record (redacted by the filter `attach_handler` adds) as a note."""

    def __init__(self, app: TraderAgentApp) -> None:
        super().__init__()
        self.app = app
        self._loop_thread = threading.get_ident()  # made on the app's thread (on_mount)

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "from_engine", False):
            return
        try:
            message = record.getMessage()
            component = record.name.removeprefix("traderagent.")
            line = f"{component}: {message}"
            if threading.get_ident() == self._loop_thread:
                self.app.note(line, record.levelname)
            else:
                self.app.call_from_thread(self.app.note, line, record.levelname)
        except Exception:  # a log line must never take the console down
            self.handleError(record)
