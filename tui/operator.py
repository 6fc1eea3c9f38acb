"""The operator's bot commands: what each key asks of the engine, and what it says back.

Commands go through `EngineAPI` only. A refusal is a warning toast, an unexpected failure is
logged in the log pane and shown as an error; neither ever takes the console down. The
operator reads the state from the view the keys act on and posts what it has to say as
messages (`tui.messages`): it never holds the app.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from textual.message import Message

from traderagent.domain import BotState
from traderagent.facade import BotSnapshot, CommandError, EngineAPI, EngineSnapshot
from tui.messages import CommandFailed, ConfirmCommand, Notice, Severity

_log = logging.getLogger(__name__)

HALT_REASON = "operator halt from TUI"
STOPPABLE = frozenset({BotState.RUNNING, BotState.PAUSED})


class OperatorView(Protocol):
    """The screen the keys act on (the dashboard)."""

    @property
    def snapshot(self) -> EngineSnapshot | None: ...

    @property
    def selected_bot(self) -> BotSnapshot | None: ...

    def refresh_snapshot(self, force: bool = False) -> None: ...

    def show_command_result(self) -> None:
        """Draw what a command just did, at once (its events in the log, the new state)."""
        ...


class Operator:
    def __init__(
        self, engine: EngineAPI, view: OperatorView, post: Callable[[Message], object]
    ) -> None:
        self.engine = engine
        self.view = view
        self._post = post

    def tell(self, text: str, severity: Severity = "information") -> None:
        self._post(Notice(text, severity))

    async def command(self, call: Awaitable[object]) -> bool:
        """Await one engine command; True when it went through."""
        done = False
        try:
            await call
            done = True
        except CommandError as err:
            self.tell(str(err), "warning")
        except Exception as err:  # e.g. a remote engine unreachable: say so, keep the console
            _log.exception("engine command failed")
            self._post(CommandFailed(f"command failed: {type(err).__name__}: {err}"))
        self.view.show_command_result()
        return done

    def selected(self) -> BotSnapshot | None:
        # Redraw from a fresh snapshot first: a key acts on the state now, not 100 ms ago.
        self.view.refresh_snapshot()
        bot = self.view.selected_bot
        if bot is None:
            self.tell("No bot selected.", "warning")
        return bot

    def _bots_in(self, state: BotState) -> list[str]:
        self.view.refresh_snapshot()
        snapshot = self.view.snapshot
        return [b.name for b in snapshot.bots if b.state is state] if snapshot else []

    async def toggle_pause(self) -> None:
        bot = self.selected()
        if bot is None:
            return
        if bot.state is BotState.RUNNING:
            await self.command(self.engine.pause_bot(bot.name))
        elif bot.state is BotState.PAUSED:
            await self.command(self.engine.resume_bot(bot.name))
        else:
            self.tell(
                f"{bot.name} is {bot.state.value}: p pauses a running bot or resumes a paused one.",
                "warning",
            )

    async def pause_all(self) -> None:
        running = self._bots_in(BotState.RUNNING)
        if not running:
            self.tell("No bot is running.", "warning")
            return
        for name in running:
            await self.command(self.engine.pause_bot(name))
        self.tell(f"Paused {', '.join(running)}.")

    async def start_stop(self) -> None:
        bot = self.selected()
        if bot is None:
            return
        if bot.state is BotState.STOPPED:
            await self.command(self.engine.start_bot(bot.name))
        elif bot.state in STOPPABLE:
            if await self.command(self.engine.stop_bot(bot.name)):
                self.tell(f"{bot.name} stopped; its open orders were cancelled.")
        else:
            self.tell(
                f"{bot.name} is {bot.state.value}: s starts a stopped bot or stops a running "
                "or paused one.",
                "warning",
            )

    async def resume_all(self) -> None:
        paused = self._bots_in(BotState.PAUSED)
        if not paused:
            self.tell("No bot is paused.", "warning")
            return
        done = [name for name in paused if await self.command(self.engine.resume_bot(name))]
        if done:
            self.tell(f"Resumed {', '.join(done)}.")

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

        async def confirmed() -> None:
            await self.command(act())

        self._post(ConfirmCommand(question, verb, confirmed))

    async def halt_all(self) -> None:
        await self.command(self.engine.halt(None, reason=HALT_REASON))

    async def acknowledge(self) -> None:
        bot = self.selected()
        if bot is None:
            return
        if bot.state is BotState.EMERGENCY:
            await self.command(self.engine.acknowledge(bot.name))
            return
        waiting = self._bots_in(BotState.EMERGENCY)
        hint = f"select {', '.join(waiting)} and press a" if waiting else "no bot is in EMERGENCY"
        self.tell(f"{bot.name} is {bot.state.value}: {hint}.", "warning")
