"""What the operator's commands tell the console: Textual messages posted to the app, which
shows them (a toast, a line in the log pane, a confirmation dialog). The senders never hold
the app, so nothing below `tui.app` imports it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal

from textual.message import Message

Severity = Literal["information", "warning", "error"]


class Notice(Message):
    """A toast: what a command did, or why it did nothing (a warning)."""

    def __init__(self, text: str, severity: Severity = "information") -> None:
        super().__init__()
        self.text = text
        self.severity: Severity = severity


class CommandFailed(Message):
    """A command failed unexpectedly (a remote engine unreachable): logged and shown."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class ConfirmCommand(Message):
    """Ask `question` (with a `verb` button) before running `act`."""

    def __init__(self, question: str, verb: str, act: Callable[[], Awaitable[None]]) -> None:
        super().__init__()
        self.question = question
        self.verb = verb
        self.act = act
