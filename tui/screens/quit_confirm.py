"""The quit confirmation: leave the open orders resting, or cancel them first.

Attached to a daemon, quitting only detaches: the dialog says so and offers no cancel."""

from __future__ import annotations

from typing import Literal

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

QuitChoice = Literal["leave", "cancel"]


class QuitConfirmScreen(ModalScreen[QuitChoice | None]):
    """Dismisses with "leave", "cancel" (the orders), or None to stay. With `daemon` (the URL
    of the daemon the console is attached to) it dismisses with "leave" (detach) or None."""

    BINDINGS = [
        Binding("l", "leave", "Leave orders", id="quit_leave"),
        Binding("d", "detach", "Detach", show=False, id="quit_detach"),
        Binding("c", "cancel_orders", "Cancel orders", id="quit_cancel_orders"),
        Binding("escape,n", "stay", "Stay", id="quit_stay"),
    ]
    AUTO_FOCUS = "#stay"  # enter on the default focus never quits by accident

    def __init__(self, open_orders: int, daemon: str | None = None) -> None:
        super().__init__()
        self._open_orders = open_orders
        self._daemon = daemon

    def compose(self) -> ComposeResult:
        if self._daemon is not None:
            yield from self._compose_detach(self._daemon)
            return
        with Vertical(id="quit-dialog"):
            if not self._open_orders:  # nothing rests: nothing to choose about the orders
                yield Label("Quit TraderAgent? No order is open.", id="quit-question")
                with Horizontal(id="quit-buttons"):
                    yield Button("Quit (l)", variant="primary", id="leave")
                    yield Button("Stay (esc)", id="stay")
                return
            orders = (
                "1 open order" if self._open_orders == 1 else f"{self._open_orders} open orders"
            )
            yield Label(
                f"Quit TraderAgent? {orders}.\n"
                "Leave them resting on the venue, or cancel them first?",
                id="quit-question",
            )
            with Horizontal(id="quit-buttons"):
                yield Button("Leave (l)", variant="primary", id="leave")
                yield Button("Cancel orders (c)", variant="warning", id="cancel")
                yield Button("Stay (esc)", id="stay")

    def _compose_detach(self, daemon: str) -> ComposeResult:
        with Vertical(id="quit-dialog"):
            yield Label(
                f"Detach from the daemon at {daemon}?\n"
                f"It keeps running with its bots and {self._open_orders} open orders; "
                "nothing is cancelled.",
                id="quit-question",
            )
            with Horizontal(id="quit-buttons"):
                yield Button("Detach (d)", variant="primary", id="leave")
                yield Button("Stay (esc)", id="stay")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # attached: the daemon's orders are not this console's to cancel on the way out
        if action == "cancel_orders":
            return self._daemon is None
        if action == "detach":
            return self._daemon is not None
        return True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        choice: dict[str | None, QuitChoice | None] = {"leave": "leave", "cancel": "cancel"}
        self.dismiss(choice.get(event.button.id))

    def action_leave(self) -> None:
        self.dismiss("leave")

    def action_detach(self) -> None:
        self.dismiss("leave")

    def action_cancel_orders(self) -> None:
        self.dismiss("cancel")

    def action_stay(self) -> None:
        self.dismiss(None)
