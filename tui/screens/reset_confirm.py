"""The confirmation before the paper account is reset (the console then restarts the replay)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Label

QUESTION = (
    "Reset the paper account? Its orders, fills and balances are kept aside and the replay "
    "starts again from its beginning."
)


class ResetConfirmScreen(ModalScreen[bool]):
    """Dismisses with True to reset, False to keep the account."""

    BINDINGS = [
        Binding("y", "confirm", "Reset", id="reset_confirm"),
        Binding("n", "cancel", "Cancel", id="reset_cancel"),
        Binding("escape", "cancel", "Cancel", show=False, id="reset_escape"),
    ]
    AUTO_FOCUS = "#cancel"  # Enter on the default focus never resets by accident

    def compose(self) -> ComposeResult:
        with Vertical(id="reset-dialog"):
            yield Label(QUESTION, id="reset-question")
            with Horizontal(id="reset-buttons"):
                yield Button("Reset (y)", variant="warning", id="reset")
                yield Button("Cancel (n)", variant="default", id="cancel")
        yield Footer()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "reset")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
