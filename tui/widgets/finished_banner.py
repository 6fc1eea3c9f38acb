"""The finished-replay banner: hidden unless the replay has ended and its bots are FINISHED."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.reactive import var
from textual.widgets import Static

from traderagent.domain import BotState
from traderagent.facade import EngineSnapshot


def replay_over(snapshot: EngineSnapshot) -> bool:
    return snapshot.finished and any(b.state is BotState.FINISHED for b in snapshot.bots)


def finished_text(key: str) -> Text:
    return Text.assemble(
        ("✔ The replay has ended: the bots are FINISHED. ", "bold"),
        "To start again, reset the paper account: press ",
        (key, "bold reverse"),
        " (or run `traderagent paper reset --config FILE`).",
    )


class FinishedBanner(Static):
    snapshot = var[EngineSnapshot | None](None, always_update=True)
    """Bound to the dashboard's snapshot."""
    reset_key = var("N")
    """Bound to the dashboard's: the key the banner names."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self._shown: str | None = None  # the key named, while shown
        self.display = False

    def watch_snapshot(self) -> None:
        if self.snapshot is not None:
            self.show(self.snapshot, self.reset_key)

    def watch_reset_key(self) -> None:
        self.watch_snapshot()

    def show(self, snapshot: EngineSnapshot, key: str) -> None:
        shown = key if replay_over(snapshot) else None
        if shown != self._shown:
            self._shown = shown
            self.update(finished_text(shown) if shown is not None else "")
            self.display = shown is not None
