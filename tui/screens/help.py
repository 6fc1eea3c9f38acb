"""The help screen: every key, as bound now (remapped keys included)."""

from __future__ import annotations

from collections.abc import Mapping

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.keys import ACTIONS, MOVEMENT


def key_label(key: str) -> str:
    """`exclamation_mark,f9` -> `! / f9`: what the operator types."""
    names = {"exclamation_mark": "!", "question_mark": "?"}
    return " / ".join(names.get(k.strip(), k.strip()) for k in key.split(","))


def help_table(keymap: Mapping[str, str]) -> Table:
    table = Table(box=None, expand=True, show_header=True, header_style="bold", pad_edge=False)
    table.add_column("Key", no_wrap=True, style="bold")
    table.add_column("Does")
    for action in ACTIONS:
        table.add_row(key_label(keymap.get(action.id, action.key)), action.help)
    table.add_row("", "")
    for key, text in MOVEMENT:
        table.add_row(key, text)
    return table


class HelpScreen(ModalScreen[None]):
    """Every key; escape, ? or q closes it."""

    BINDINGS = [
        Binding("escape,question_mark,q", "close", "Close", id="help_close"),
    ]

    def __init__(self, keymap: Mapping[str, str]) -> None:
        super().__init__()
        self._keymap = dict(keymap)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog") as dialog:
            dialog.border_title = "Keys"
            dialog.border_subtitle = "escape closes"
            yield Static(help_table(self._keymap), id="help-keys")

    def action_close(self) -> None:
        self.dismiss(None)
