"""The quit confirmation: leave the open orders resting, or cancel them first."""

from __future__ import annotations

from typing import Literal

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

QuitChoice = Literal["leave", "cancel"]


class QuitConfirmScreen(ModalScreen[QuitChoice | None]):
    """Dismisses with "leave", "cancel" (the orders), or None to stay."""

    BINDINGS = [
        Binding("l", "leave", "Leave orders", id="quit_leave"),
        Binding("c", "cancel_orders", "Cancel orders", id="quit_cancel_orders"),
        Binding("escape,n", "stay", "Stay", id="quit_stay"),
    ]
    AUTO_FOCUS = "#stay"  # enter on the default focus never quits by accident

    def __init__(self, open_orders: int) -> None:
        super().__init__()
        self._open_orders = open_orders

    def compose(self) -> ComposeResult:
        with Vertical(id="quit-dialog"):
            yield Label(
                f"Quit TraderAgent? {self._open_orders} open orders.\n"
                "Leave them resting on the venue, or cancel them first?",
                id="quit-question",
            )
            with Horizontal(id="quit-buttons"):
                yield Button("Leave (l)", variant="primary", id="leave")
                yield Button("Cancel orders (c)", variant="warning", id="cancel")
                yield Button("Stay (esc)", id="stay")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        choice: dict[str | None, QuitChoice | None] = {"leave": "leave", "cancel": "cancel"}
        self.dismiss(choice.get(event.button.id))

    def action_leave(self) -> None:
        self.dismiss("leave")

    def action_cancel_orders(self) -> None:
        self.dismiss("cancel")

    def action_stay(self) -> None:
        self.dismiss(None)
