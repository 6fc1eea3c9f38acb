"""Telegram commands: parse a message from an allowed chat, act on the engine, return the reply.

`/halt` stops every bot, so it asks first: `/halt confirm`, or a reply `yes` from the same chat
within `confirm_s` seconds, does it. A command that changes something and was sent more than
`stale_s` ago (it waited on Telegram while the daemon was down) is not obeyed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from traderagent.facade import CommandError, EngineAPI
from traderagent.ledger import PERIODS
from traderagent.notify.trade_views import (
    SHOWN_DAYS,
    performance_text,
    profit_text,
    trades_text,
)
from traderagent.notify.views import balance_text, bots_text, status_text

log = logging.getLogger("traderagent.notify")

HELP = """TraderAgent commands
/status - equity, PnL, drawdown, bots by state
/bots - each bot: state, position, PnL
/balance - equity and positions
/trades [NAME] - the last closed trades with their PnL
/profit [day|week|month] - closed trades' PnL by period
/daily - PnL of the last 7 days
/performance - each bot's closed trades in total
/pause NAME - pause a bot (its resting orders stay)
/resume NAME - resume a paused bot
/halt - emergency halt of every bot (asks to confirm)
/help - this list"""

HALT_REASON = "operator halt via Telegram"
LEDGER_VIEWS = frozenset({"trades", "profit", "daily", "performance"})
ACTIONS = frozenset({"pause", "resume", "halt"})
"""Commands that change the engine (refused when stale)."""


def parse_command(text: str, username: str = "") -> tuple[str, list[str]] | None:
    """`("pause", ["grid-btc"])` from `/pause grid-btc` or `/pause@MyBot grid-btc`; None when
    `text` is not a command, or is a command for another bot (in a group)."""
    words = text.split()
    if not words or not words[0].startswith("/") or len(words[0]) < 2:
        return None
    name, _, addressee = words[0][1:].partition("@")
    if addressee and username and addressee.lower() != username.lower():
        return None
    return name.lower(), words[1:]


class TelegramCommands:
    """Answers the allowed chats' messages. One instance per service (it holds pending halts)."""

    def __init__(
        self,
        engine: EngineAPI,
        *,
        username: str = "",
        confirm_s: float = 60.0,
        stale_s: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.username = username
        self.confirm_s = confirm_s
        self.stale_s = stale_s
        self._clock = clock
        self._pending_halt: dict[int, float] = {}
        """Chat id -> when its unconfirmed /halt expires (on `clock`)."""

    async def answer(self, chat_id: int, text: str, age_s: float = 0.0) -> str | None:
        """The reply to `text` from `chat_id` (None: nothing to say), after acting on it."""
        asked = self._pending_halt.pop(chat_id, None)
        command = parse_command(text, self.username)
        if command is None:
            return await self._plain(chat_id, text.strip().lower(), asked, age_s)
        name, args = command
        if name in ACTIONS and age_s > self.stale_s:
            return (
                f"Not done: /{name} was sent {age_s / 60:.0f} min ago, while the daemon was not"
                " listening. Send it again if you still mean it."
            )
        if name in ("help", "start"):
            return HELP
        if name == "status":
            return status_text(self.engine.snapshot())
        if name == "bots":
            return bots_text(self.engine.snapshot())
        if name == "balance":
            return balance_text(self.engine.snapshot())
        if name in LEDGER_VIEWS:
            return await self._ledger_view(name, args)
        if name in ("pause", "resume"):
            return await self._bot_command(name, args)
        if name == "halt":
            if args[:1] == ["confirm"]:
                return await self._halt(chat_id)
            self._pending_halt[chat_id] = self._clock() + self.confirm_s
            return (
                "Halt EVERY bot? Orders are frozen and cancelled; the bots stay in EMERGENCY"
                f" until acknowledged. Reply yes (or /halt confirm) within {self.confirm_s:.0f} s."
            )
        return f"Unknown command /{name}. /help lists the commands."

    async def _plain(
        self, chat_id: int, text: str, asked: float | None, age_s: float
    ) -> str | None:
        if text.startswith("/"):
            return None  # a command for another bot in a group chat
        if text not in ("yes", "y", "no", "n", "cancel"):
            return "Send /help for the commands."
        if asked is None:
            return "Nothing to confirm: send /halt first."
        if text not in ("yes", "y"):
            return "Halt cancelled."
        if self._clock() > asked or age_s > self.stale_s:
            return "The halt request expired: send /halt again."
        return await self._halt(chat_id)

    async def _halt(self, chat_id: int) -> str:
        log.warning("telegram: chat %d confirmed an emergency halt of every bot", chat_id)
        failure = await self._act(self.engine.halt(None, HALT_REASON))
        return failure or "Halted every bot: orders cancelled; acknowledge each bot to restart."

    async def _ledger_view(self, name: str, args: list[str]) -> str:
        bot = args[0] if name == "trades" and args else None
        period = args[0].lower() if name == "profit" and args else "day"
        if period not in PERIODS:
            return f"Usage: /profit [{'|'.join(PERIODS)}]"
        try:
            ledger = await self.engine.closed_trades(bot)
        except CommandError as err:
            return f"Refused: {err}"
        except Exception as err:  # a broken engine or connection must not stop the service
            log.error("telegram: reading closed trades failed: %s: %s", type(err).__name__, err)
            return f"Failed ({type(err).__name__}); the daemon log has the details."
        if name == "trades":
            return trades_text(ledger, bot)
        if name == "performance":
            return performance_text(ledger)
        return profit_text(ledger, period, SHOWN_DAYS if name == "daily" else None)

    async def _bot_command(self, name: str, args: list[str]) -> str:
        bots = [bot.name for bot in self.engine.snapshot().bots]
        if len(args) != 1:
            return f"Usage: /{name} NAME, one of: {', '.join(bots) or 'no bots'}"
        bot = args[0]
        if name == "pause":
            done = f"{bot} paused: its resting orders stay, nothing new is placed."
            return await self._act(self.engine.pause_bot(bot)) or done
        return await self._act(self.engine.resume_bot(bot)) or f"{bot} resumed."

    async def _act(self, command: Awaitable[None]) -> str | None:
        """Await an engine command; None when it worked, else the reply that says why not."""
        try:
            await command
        except CommandError as err:
            return f"Refused: {err}"
        except Exception as err:  # a broken engine or connection must not stop the service
            log.error("telegram: engine command failed: %s: %s", type(err).__name__, err)
            return f"Failed ({type(err).__name__}); the daemon log has the details."
        return None
