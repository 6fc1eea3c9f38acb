"""The confirmation before an emergency halt, or before selling a position at market."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Label

QUESTION = "Emergency halt ALL bots? This cancels every open order."


class HaltConfirmScreen(ModalScreen[bool]):
    """Dismisses with True to go ahead (halt, close a position), False to leave it be."""

    BINDINGS = [
        Binding("y", "confirm", "Halt", id="halt_confirm"),
        Binding("n", "cancel", "Cancel", id="halt_cancel"),
        Binding("escape", "cancel", "Cancel", show=False, id="halt_escape"),
    ]
    # Enter on the default focus must never halt by accident.
    AUTO_FOCUS = "#cancel"

    def __init__(self, question: str = QUESTION, verb: str = "Halt") -> None:
        super().__init__()
        self.question = question
        self.verb = verb

    def compose(self) -> ComposeResult:
        with Vertical(id="halt-dialog"):
            yield Label(self.question, id="halt-question")
            with Horizontal(id="halt-buttons"):
                yield Button(f"{self.verb} (y)", variant="error", id="halt")
                yield Button("Cancel (n)", variant="default", id="cancel")
        yield Footer()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "halt")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
