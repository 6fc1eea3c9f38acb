"""TraderAgentApp: the terminal console over one `EngineAPI`.

The app owns the engine wiring (the engine worker, the event stream, the operator commands);
the dashboard screen draws snapshots. Commands go through `EngineAPI` only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker

from traderagent.domain import BotState
from traderagent.domain.events import (
    BotStateChanged,
    Event,
    HaltTriggered,
    IntentRejected,
    LogRecord,
    OrderFilled,
)
from traderagent.facade import BotSnapshot, CommandError, EngineAPI
from tui.render import emergency_bots, money
from tui.screens.dashboard import DashboardScreen
from tui.screens.halt_confirm import HaltConfirmScreen

_log = logging.getLogger(__name__)

LOG_EVENTS: tuple[type[Event], ...] = (
    LogRecord,
    OrderFilled,
    BotStateChanged,
    HaltTriggered,
    IntentRejected,
)
HALT_REASON = "operator halt from TUI"
# Operator commands act on the dashboard only, never from behind the halt dialog.
DASHBOARD_ACTIONS = frozenset({"toggle_pause", "halt_all", "acknowledge", "quit"})


class TraderAgentApp(App[None]):
    """Bots, orders and fills of one engine, with keys to pause, halt and acknowledge."""

    CSS_PATH = "traderagent.tcss"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "toggle_pause", "Pause/resume", id="pause_resume"),
        Binding("exclamation_mark", "halt_all", "Halt all", key_display="!", id="halt_all"),
        Binding("a", "acknowledge", "Acknowledge", id="acknowledge"),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    def __init__(
        self, engine: EngineAPI, *, title: str = "TraderAgent", run_engine: bool = True
    ) -> None:
        super().__init__()
        self.engine = engine
        self.title = title
        self._start_engine = run_engine
        # Subscribe before anything runs so no event published at start-up is missed.
        self._stream = engine.events(LOG_EVENTS, maxsize=2_000)
        self._dashboard: DashboardScreen | None = None
        self.engine_worker: Worker[None] | None = None
        """The worker awaiting `engine.run()`, started once the first frame is up."""
        self._engine_done = asyncio.Event()

    @property
    def dashboard(self) -> DashboardScreen:
        if self._dashboard is None:
            self._dashboard = DashboardScreen(self.engine.snapshot, self._stream, self.title)
        return self._dashboard

    def get_default_screen(self) -> Screen[None]:
        return self.dashboard

    def on_ready(self) -> None:
        # After the first frame, so the log pane exists whatever the engine does at once.
        if self._start_engine:
            self.engine_worker = self.run_worker(
                self._run_engine(), exclusive=True, name="engine", group="engine"
            )

    def on_unmount(self) -> None:
        self._stream.close()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action not in DASHBOARD_ACTIONS or self.screen is self._dashboard

    # -- the engine -----------------------------------------------------------------------

    async def wait_for_engine(self) -> None:
        """Return once `engine.run()` has returned or raised and the log pane says so.

        For tests and embedders; it never returns when the app was made with run_engine=False.
        """
        await self._engine_done.wait()

    async def _run_engine(self) -> None:
        try:
            summary = await self.engine.run()
        except Exception as err:  # any engine failure is shown, never allowed to kill the UI
            _log.exception("engine.run failed")
            message = f"engine stopped with an error: {type(err).__name__}: {err}"
            self._note(message, level="ERROR")
            self.notify(message, title="Engine error", severity="error", timeout=30)
        else:
            self._note(
                f"replay finished ({summary.reason}): {summary.fills} fills, "
                f"equity {money(summary.final_equity)}"
            )
        finally:
            self._engine_done.set()

    def _note(self, message: str, level: str = "INFO") -> None:
        """Log a line of our own after the events still queued, stamped with the engine clock."""
        if not self.dashboard.is_attached:  # the app is closing
            return
        log = self.dashboard.log_pane
        log.catch_up()
        log.note(self.engine.snapshot().clock_ms, message, level)
        self.dashboard.refresh_snapshot()

    async def _command(self, call: Awaitable[None]) -> None:
        """Await one engine command: a refusal is a warning, a failure is logged, never fatal."""
        try:
            await call
        except CommandError as err:
            self.notify(str(err), severity="warning")
        except Exception as err:  # e.g. a remote engine unreachable: say so, keep the console
            _log.exception("engine command failed")
            message = f"command failed: {type(err).__name__}: {err}"
            self._note(message, level="ERROR")
            self.notify(message, severity="error")
        self.dashboard.refresh_snapshot()

    # -- actions --------------------------------------------------------------------------

    def _selected_bot(self) -> BotSnapshot | None:
        # Redraw from a fresh snapshot first: a key acts on the state now, not 100 ms ago.
        self.dashboard.refresh_snapshot()
        return self.dashboard.selected_bot

    async def action_toggle_pause(self) -> None:
        """Pause the selected bot if it is running, resume it if it is paused."""
        bot = self._selected_bot()
        if bot is None:
            self.notify("No bot selected.", severity="warning")
        elif bot.state is BotState.RUNNING:
            await self._command(self.engine.pause_bot(bot.name))
        elif bot.state is BotState.PAUSED:
            await self._command(self.engine.resume_bot(bot.name))
        else:
            self.notify(
                f"{bot.name} is {bot.state.value}: p pauses a running bot or resumes a paused one.",
                severity="warning",
            )

    def action_halt_all(self) -> None:
        self.push_screen(HaltConfirmScreen(), callback=self._halt_answered)

    async def _halt_answered(self, confirmed: bool | None) -> None:
        if confirmed:
            await self._command(self.engine.halt(None, reason=HALT_REASON))

    async def action_acknowledge(self) -> None:
        """Acknowledge the emergency of the selected bot."""
        bot = self._selected_bot()
        if bot is None:
            self.notify("No bot selected.", severity="warning")
            return
        if bot.state is BotState.EMERGENCY:
            await self._command(self.engine.acknowledge(bot.name))
            return
        snapshot = self.dashboard.snapshot
        waiting = emergency_bots(snapshot) if snapshot is not None else ()
        hint = f"select {', '.join(waiting)} and press a" if waiting else "no bot is in EMERGENCY"
        self.notify(f"{bot.name} is {bot.state.value}: {hint}.", severity="warning")

    async def action_quit(self) -> None:
        """Stop the engine without cancelling resting orders, then leave."""
        try:
            await self.engine.shutdown(cancel_orders=False)
        except Exception as err:  # still leave, but say that the engine did not stop cleanly
            self.exit(return_code=1, message=f"engine shutdown failed: {err}")
            return
        self.exit()
