"""Every key of the console in one place: the app's BINDINGS (each with an id a user can remap
under `tui.keys` in the config), the help text the help screen and the command palette show,
and the keys that move around, which are Textual's own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True, slots=True)
class KeyAction:
    id: str
    key: str
    action: str
    footer: str
    help: str
    key_display: str | None = None
    in_footer: bool = True


ACTIONS: tuple[KeyAction, ...] = (
    KeyAction(
        "pause_resume", "p", "toggle_pause", "Pause",
        "Pause the selected bot (its resting orders stay, nothing new is placed), or resume it",
    ),
    KeyAction(
        "pause_all", "P", "pause_all", "Pause all",
        "Pause every running bot", in_footer=False,
    ),
    KeyAction(
        "resume_all", "R", "resume_all", "Resume all",
        "Resume every paused bot (after P)", in_footer=False,
    ),
    KeyAction(
        "start_stop", "s", "start_stop", "Start/stop",
        "Start the selected bot if it is stopped; stop it (cancelling its orders) otherwise",
    ),
    KeyAction(
        "stop_sell", "x", "stop_sell", "Stop & sell",
        "Stop the selected bot and sell its position at market, after a confirmation",
        in_footer=False,
    ),
    KeyAction(
        "close_position", "c", "close_position", "Close pos.",
        "Sell the selected bot's position at market after a confirmation (orders cancelled, "
        "a running bot paused)", in_footer=False,
    ),
    KeyAction(
        "halt_bot", "h", "halt_bot", "Halt bot",
        "Emergency halt of the selected bot after a confirmation", in_footer=False,
    ),
    KeyAction(
        "halt_all", "exclamation_mark", "halt_all", "Halt",
        "Emergency halt of every bot after a confirmation: orders cancelled, a banner stays up",
        key_display="!",
    ),
    KeyAction(
        "acknowledge", "a", "acknowledge", "Ack",
        "Acknowledge the emergency of the selected bot (it goes to STOPPED)",
    ),
    KeyAction(
        "reload", "r", "reload", "Reload",
        "Re-read the config file: apply what can change safely, say what cannot",
        in_footer=False,
    ),
    KeyAction(
        "backtest", "b", "backtest", "Backtest",
        "Open the backtest screen: run a config on the replay data, apart from the live engine",
        in_footer=False,
    ),
    KeyAction(
        "filter_log", "f", "filter_log", "Filter log",
        "Filter the log by level and by bot", in_footer=False,
    ),
    KeyAction(
        "reset_paper", "N", "reset_paper", "New paper",
        "Reset the paper account after a confirmation (the old one is kept aside) and start "
        "the replay again from its beginning", in_footer=False,
    ),
    KeyAction("help", "question_mark", "help", "Help", "Show every key", key_display="?"),
    KeyAction("quit", "q", "quit", "Quit", "Quit: leave the open orders resting or cancel them"),
)  # fmt: skip
"""The operator's actions, in the order the help lists them."""

MOVEMENT: tuple[tuple[str, str], ...] = (
    ("↑ ↓", "Select a bot in the bots table (or scroll the focused pane)"),
    ("tab / shift+tab", "Move between panes"),
    ("← →", "Switch tabs (Bot, Orders, Fills, Positions, Risk, Trades, Profit) on the tab bar"),
    ("ctrl+p", "Command palette: every action by name"),
    ("escape", "Close a dialog or screen"),
)
"""Keys Textual handles itself, listed in the help."""

BINDING_IDS = frozenset(action.id for action in ACTIONS)


def app_bindings() -> list[BindingType]:
    return [
        Binding(
            a.key,
            a.action,
            a.footer,
            show=a.in_footer,
            key_display=a.key_display,
            id=a.id,
            tooltip=a.help,
        )
        for a in ACTIONS
    ]


def unknown_ids(keymap: Mapping[str, str]) -> list[str]:
    """Binding ids in a user's keymap that name no action (typos)."""
    return sorted(set(keymap) - BINDING_IDS)
