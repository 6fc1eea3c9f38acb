"""The operator's bot commands: what each key asks of the engine, and what it says back.

Commands go through `EngineAPI` only. A refusal is a warning toast, an unexpected failure is
logged in the log pane and shown as an error; neither ever takes the console down.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from traderagent.domain import BotState
from traderagent.facade import BotSnapshot, CommandError
from tui.screens.halt_confirm import HaltConfirmScreen

if TYPE_CHECKING:
    from tui.app import TraderAgentApp

_log = logging.getLogger(__name__)

HALT_REASON = "operator halt from TUI"
STOPPABLE = frozenset({BotState.RUNNING, BotState.PAUSED})


class Operator:
    def __init__(self, app: TraderAgentApp) -> None:
        self.app = app
        self.engine = app.engine

    async def command(self, call: Awaitable[object]) -> bool:
        """Await one engine command; True when it went through."""
        done = False
        try:
            await call
            done = True
        except CommandError as err:
            self.app.notify(str(err), severity="warning")
        except Exception as err:  # e.g. a remote engine unreachable: say so, keep the console
            _log.exception("engine command failed")
            message = f"command failed: {type(err).__name__}: {err}"
            self.app.note(message, level="ERROR")
            self.app.notify(message, severity="error")
        self.app.dashboard.log_pane.catch_up(force=True)  # what the command did, shown at once
        self.app.dashboard.refresh_snapshot()
        return done

    def selected(self) -> BotSnapshot | None:
        # Redraw from a fresh snapshot first: a key acts on the state now, not 100 ms ago.
        self.app.dashboard.refresh_snapshot()
        bot = self.app.dashboard.selected_bot
        if bot is None:
            self.app.notify("No bot selected.", severity="warning")
        return bot

    async def toggle_pause(self) -> None:
        bot = self.selected()
        if bot is None:
            return
        if bot.state is BotState.RUNNING:
            await self.command(self.engine.pause_bot(bot.name))
        elif bot.state is BotState.PAUSED:
            await self.command(self.engine.resume_bot(bot.name))
        else:
            self.app.notify(
                f"{bot.name} is {bot.state.value}: p pauses a running bot or resumes a paused one.",
                severity="warning",
            )

    async def pause_all(self) -> None:
        self.app.dashboard.refresh_snapshot()
        snapshot = self.app.dashboard.snapshot
        running = [b.name for b in snapshot.bots if b.state is BotState.RUNNING] if snapshot else []
        if not running:
            self.app.notify("No bot is running.", severity="warning")
            return
        for name in running:
            await self.command(self.engine.pause_bot(name))
        self.app.notify(f"Paused {', '.join(running)}.")

    async def start_stop(self) -> None:
        bot = self.selected()
        if bot is None:
            return
        if bot.state is BotState.STOPPED:
            await self.command(self.engine.start_bot(bot.name))
        elif bot.state in STOPPABLE:
            if await self.command(self.engine.stop_bot(bot.name)):
                self.app.notify(f"{bot.name} stopped; its open orders were cancelled.")
        else:
            self.app.notify(
                f"{bot.name} is {bot.state.value}: s starts a stopped bot or stops a running "
                "or paused one.",
                severity="warning",
            )

    async def resume_all(self) -> None:
        self.app.dashboard.refresh_snapshot()
        snapshot = self.app.dashboard.snapshot
        paused = [b.name for b in snapshot.bots if b.state is BotState.PAUSED] if snapshot else []
        if not paused:
            self.app.notify("No bot is paused.", severity="warning")
            return
        done = [name for name in paused if await self.command(self.engine.resume_bot(name))]
        if done:
            self.app.notify(f"Resumed {', '.join(done)}.")

    def confirm_for_selected(self, what: str) -> None:
        """Ask before `halt`, `close` (sell at market) or `stop-sell` of the selected bot."""
        bot = self.selected()
        if bot is None:
            return
        name = bot.name
        held = f"{bot.position_qty:f} {bot.symbol}"
        actions: dict[str, tuple[str, str, Callable[[], Awaitable[None]]]] = {
            "halt": (
                f"Emergency halt {name}? Its open orders are cancelled.",
                "Halt",
                lambda: self.engine.halt(name, reason=HALT_REASON),
            ),
            "close": (
                f"Sell {name}'s position ({held}) at market? Its orders are cancelled and a "
                "running bot is paused.",
                "Sell",
                lambda: self.engine.close_position(name),
            ),
            "stop-sell": (
                f"Stop {name} and sell its position ({held}) at market?",
                "Stop & sell",
                lambda: self.engine.close_position(name, stop=True),
            ),
        }
        question, verb, act = actions[what]

        async def answered(confirmed: bool | None) -> None:
            if confirmed:
                await self.command(act())

        self.app.push_screen(HaltConfirmScreen(question, verb), callback=answered)

    async def halt_all(self) -> None:
        await self.command(self.engine.halt(None, reason=HALT_REASON))

    async def acknowledge(self) -> None:
        bot = self.selected()
        if bot is None:
            return
        if bot.state is BotState.EMERGENCY:
            await self.command(self.engine.acknowledge(bot.name))
            return
        snapshot = self.app.dashboard.snapshot
        waiting = (
            [b.name for b in snapshot.bots if b.state is BotState.EMERGENCY] if snapshot else []
        )
        hint = f"select {', '.join(waiting)} and press a" if waiting else "no bot is in EMERGENCY"
        self.app.notify(f"{bot.name} is {bot.state.value}: {hint}.", severity="warning")
