"""TraderAgentApp: the terminal console over one `EngineAPI`.

The app owns the engine worker, the keys (BINDINGS from `tui.keys`, remappable by id) and the
screens they open; the dashboard draws snapshots, `Operator` sends the bot commands.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import BindingType
from textual.screen import Screen
from textual.worker import Worker

from traderagent.api.fleet_view import FleetView
from traderagent.config import AppConfig, ConfigError
from traderagent.config import load_config as read_config
from traderagent.domain.events import (
    BotStateChanged,
    Event,
    HaltTriggered,
    IntentRejected,
    LogRecord,
    OrderFilled,
)
from traderagent.facade import EngineAPI, ReloadReport
from traderagent.logs import attach_handler
from tui.keys import ACTIONS, app_bindings, unknown_ids
from tui.log_handler import PaneHandler
from tui.messages import CommandFailed, ConfirmCommand, Notice
from tui.operator import HALT_REASON, Operator
from tui.render import money
from tui.screens.dashboard import DashboardScreen
from tui.screens.halt_confirm import HaltConfirmScreen
from tui.screens.help import HelpScreen
from tui.screens.log_filter import LogFilterScreen
from tui.screens.quit_confirm import QuitChoice, QuitConfirmScreen
from tui.screens.reset_confirm import ResetConfirmScreen
from tui.widgets.finished_banner import replay_over
from tui.widgets.trade_tables import LedgerSource

__all__ = ["HALT_REASON", "TraderAgentApp"]

_log = logging.getLogger(__name__)

LOG_EVENTS: tuple[type[Event], ...] = (
    LogRecord,
    OrderFilled,
    BotStateChanged,
    HaltTriggered,
    IntentRejected,
)
# Operator commands act on the dashboard only, never from behind a dialog.
DASHBOARD_ACTIONS = frozenset(action.action for action in ACTIONS)


class TraderAgentApp(App[None]):
    """Bots, orders, fills, risk and log of one engine, with a key for every command."""

    CSS_PATH = "traderagent.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = app_bindings()

    def __init__(
        self,
        engine: EngineAPI,
        *,
        title: str = "TraderAgent",
        run_engine: bool = True,
        config_path: Path | None = None,
        keymap: Mapping[str, str] | None = None,
        load_config: Callable[[], AppConfig] | None = None,
        paper_reset: bool = False,
        fleet: Callable[[], Sequence[FleetView]] | None = None,
    ) -> None:
        super().__init__()
        self._fleet = fleet
        """Every bot of the fleet the engine's daemon belongs to (None: no fleet)."""
        self.paper_reset = paper_reset
        """This console runs the engine on its own paper account: `R` may reset it."""
        self.reset_requested = False
        """The operator confirmed a paper reset: whoever started the app resets and restarts."""
        self.engine = engine
        self.title = title
        self.config_path = config_path
        """The config file the engine was started with (None: the built-in default)."""
        self.keymap = {a.id: a.key for a in ACTIONS}
        """Binding id -> key(s), as bound now (defaults plus the user's remapping)."""
        self._user_keys = dict(keymap or {})
        self._load_config = load_config or (lambda: read_config(config_path))
        self._start_engine = run_engine
        # Subscribe before anything runs so no event published at start-up is missed.
        self._stream = engine.events(LOG_EVENTS, maxsize=2_000)
        self._dashboard: DashboardScreen | None = None
        self._operator: Operator | None = None
        self.engine_worker: Worker[None] | None = None
        """The worker awaiting `engine.run()`, started once the first frame is up."""
        self._engine_done = asyncio.Event()

    @property
    def dashboard(self) -> DashboardScreen:
        if self._dashboard is None:
            self._dashboard = DashboardScreen(
                self.engine.snapshot,
                self._stream,
                self.title,
                self.engine.bot_chart,
                LedgerSource(self.engine),
                self._fleet,
            )
        return self._dashboard

    @property
    def operator(self) -> Operator:
        """Sends the bot commands; it reads the dashboard and posts what it says to us."""
        if self._operator is None:
            self._operator = Operator(self.engine, self.dashboard, self.post_message)
        return self._operator

    def get_default_screen(self) -> Screen[None]:
        return self.dashboard

    def on_mount(self) -> None:
        self.apply_keymap(self._user_keys)
        self._log_handler = PaneHandler(self.note, self.call_from_thread)
        self._detach_log = attach_handler(self._log_handler)

    def on_ready(self) -> None:
        # After the first frame, so the log pane exists whatever the engine does at once.
        if self._start_engine:
            self.engine_worker = self.run_worker(
                self._run_engine(), exclusive=True, name="engine", group="engine"
            )

    def on_unmount(self) -> None:
        self._detach_log()
        self._stream.close()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action not in DASHBOARD_ACTIONS or self.screen is self._dashboard

    def apply_keymap(self, keys: Mapping[str, str]) -> None:
        """Remap keys by binding id; unknown ids are reported, never fatal."""
        wrong = unknown_ids(keys)
        if wrong:
            known = ", ".join(a.id for a in ACTIONS)
            self.notify(
                f"tui.keys: no action named {', '.join(wrong)} (actions: {known})",
                severity="warning",
                timeout=15,
            )
        valid = {k: v for k, v in keys.items() if k not in wrong}
        self.keymap = {a.id: valid.get(a.id, a.key) for a in ACTIONS}
        self.dashboard.reset_key = self.keymap["reset_paper"]
        self.set_keymap(valid)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        # `screen` is the one under the palette (the palette itself is `self.screen` by now)
        on_dashboard = screen is self._dashboard
        for action in ACTIONS:
            if on_dashboard or action.action not in DASHBOARD_ACTIONS:
                yield SystemCommand(
                    action.footer, action.help, self._palette_callback(action.action)
                )
        ours = {a.footer for a in ACTIONS}
        yield from (c for c in super().get_system_commands(screen) if c.title not in ours)

    def _palette_callback(self, action: str) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            await self.run_action(action)

        return run

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
            self.note(message, level="ERROR")
            self.notify(message, title="Engine error", severity="error", timeout=30)
        else:
            self.note(
                f"replay finished ({summary.reason}): {summary.fills} fills, "
                f"equity {money(summary.final_equity)}"
            )
            if replay_over(self.engine.snapshot()):
                key = self.keymap["reset_paper"]
                self.note(f"to start again, reset the paper account: press {key}")
        finally:
            self._engine_done.set()

    def note(self, message: str, level: str = "INFO") -> None:
        """Log a line of our own after the events still queued, stamped with the engine clock."""
        if not self.dashboard.is_attached:  # the app is closing
            return
        log = self.dashboard.log_pane
        log.catch_up(force=True)  # the events before it first, in order
        log.note(self.engine.snapshot().clock_ms, message, level)
        self.dashboard.refresh_snapshot()

    # -- what the operator's commands say -------------------------------------------------

    def on_notice(self, message: Notice) -> None:
        self.notify(message.text, severity=message.severity)

    def on_command_failed(self, message: CommandFailed) -> None:
        self.note(message.text, level="ERROR")
        self.notify(message.text, severity="error")

    def on_confirm_command(self, message: ConfirmCommand) -> None:
        async def answered(confirmed: bool | None) -> None:
            if confirmed:
                await message.act()

        self.push_screen(HaltConfirmScreen(message.question, message.verb), callback=answered)

    # -- actions --------------------------------------------------------------------------

    async def action_toggle_pause(self) -> None:
        await self.operator.toggle_pause()

    async def action_pause_all(self) -> None:
        await self.operator.pause_all()

    async def action_start_stop(self) -> None:
        await self.operator.start_stop()

    def action_halt_all(self) -> None:
        self.push_screen(HaltConfirmScreen(), callback=self._halt_answered)

    async def _halt_answered(self, confirmed: bool | None) -> None:
        if confirmed:
            await self.operator.halt_all()

    async def action_resume_all(self) -> None:
        await self.operator.resume_all()

    def action_halt_bot(self) -> None:
        self.operator.confirm_for_selected("halt")

    def action_close_position(self) -> None:
        self.operator.confirm_for_selected("close")

    def action_stop_sell(self) -> None:
        self.operator.confirm_for_selected("stop-sell")

    async def action_acknowledge(self) -> None:
        await self.operator.acknowledge()

    async def action_reload(self) -> None:
        """Re-read the config file and apply what can change safely."""
        try:
            config = self._load_config()
        except ConfigError as err:
            self.notify(f"Config not reloaded: {err}", severity="error", timeout=15)
            return
        reports: list[ReloadReport] = []

        async def reload() -> None:
            reports.append(await self.engine.reload_config(config))

        if await self.operator.command(reload()):
            self.apply_keymap(config.tui.keys)
            self._tell_reload(reports[0])

    def _tell_reload(self, report: ReloadReport) -> None:
        if report.applied:
            self.notify("\n".join(report.applied), title="Config reloaded", timeout=10)
        if report.refused:
            self.notify(
                "\n".join(report.refused), title="Not applied", severity="warning", timeout=15
            )
        if not report.applied and not report.refused:
            self.notify("Config reloaded: nothing changed.")

    def action_backtest(self) -> None:
        # imported when asked for: the backtest runner brings numba, which the first frame
        # would otherwise wait for
        from tui.screens.backtest import BacktestScreen

        self.push_screen(BacktestScreen(self.config_path))

    def action_filter_log(self) -> None:
        log = self.dashboard.log_pane
        bots = [b.name for b in self.dashboard.snapshot.bots] if self.dashboard.snapshot else []
        self.push_screen(LogFilterScreen(log.log_filter, bots, log.set_filter))

    def action_reset_paper(self) -> None:
        if not self.paper_reset:
            self.notify(
                "Paper reset: only the console that runs its own paper account can reset it "
                "(from a shell: `traderagent paper reset --config FILE`)",
                severity="warning",
                timeout=10,
            )
            return
        self.push_screen(ResetConfirmScreen(), callback=self._reset_answered)

    async def _reset_answered(self, confirmed: bool | None) -> None:
        """Stop the engine (its orders stay in the old account), then leave: the launcher
        moves the account aside and starts a fresh one."""
        if not confirmed:
            return
        self.reset_requested = True
        await self.engine.shutdown(cancel_orders=False)
        self.exit()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.keymap))

    async def action_quit(self) -> None:
        snapshot = self.engine.snapshot()
        self.push_screen(QuitConfirmScreen(len(snapshot.open_orders)), callback=self._quit_answered)

    async def _quit_answered(self, choice: QuitChoice | None) -> None:
        """Stop the engine (cancelling its orders if asked), then leave."""
        if choice is None:
            return
        try:
            await self.engine.shutdown(cancel_orders=choice == "cancel")
        except Exception as err:  # still leave, but say that the engine did not stop cleanly
            self.exit(return_code=1, message=f"engine shutdown failed: {err}")
            return
        self.exit()
