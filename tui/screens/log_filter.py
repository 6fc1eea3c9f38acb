"""The log filter (`f`): a level and a bot; each choice applies at once, escape closes."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, RadioSet

from tui.log_filter import LogFilter
from tui.widgets.marked_radio import MarkedRadioButton

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
ALL_BOTS = "all bots"


class LogFilterScreen(ModalScreen[LogFilter]):
    """Dismisses with the filter chosen; `apply` is called on every change meanwhile."""

    BINDINGS = [Binding("escape,f", "close", "Close", id="filter_close")]

    def __init__(
        self, current: LogFilter, bots: Sequence[str], apply: Callable[[LogFilter], None]
    ) -> None:
        super().__init__()
        self._filter = current
        self._bots = [ALL_BOTS, *bots]
        self._apply = apply

    def compose(self) -> ComposeResult:
        with Vertical(id="filter-dialog") as dialog:
            dialog.border_title = "Filter the log"
            dialog.border_subtitle = "↑↓ space chooses · tab next · esc closes"
            with Horizontal(id="filter-choices"):
                with RadioSet(id="filter-level"):
                    for level in LEVELS:
                        yield MarkedRadioButton(
                            f"{level} and above", value=level == self._filter.level
                        )
                with RadioSet(id="filter-bot"):
                    chosen = self._filter.bot or ALL_BOTS
                    for bot in self._bots:
                        yield MarkedRadioButton(bot, value=bot == chosen)
            yield Label("Lines of no bot (the engine's own) always show.", id="filter-hint")

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        if event.radio_set.id == "filter-level":
            level = LEVELS[event.index]
            self._filter = LogFilter(level, self._filter.bot)
        else:
            bot = self._bots[event.index]
            self._filter = LogFilter(self._filter.level, None if bot == ALL_BOTS else bot)
        self._apply(self._filter)

    def action_close(self) -> None:
        self.dismiss(self._filter)
