"""The Telegram service: alerts out, commands in, for the chats in `telegram.chat_ids`.

`run_telegram(engine, config, token)` runs until cancelled (`traderagent.notify.setup` reads
the token and wraps it for the daemon). It raises only TelegramAuthError (the Bot API refuses
the token); lost connections, 5xx and 429s are waited out. Messages from other chats are logged
with the chat id and the command name only, and ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from traderagent.bus import EventStream
from traderagent.config.service import TelegramConfig
from traderagent.facade import EngineAPI
from traderagent.notify.alerts import AlertBatcher
from traderagent.notify.botapi import BotApi, TelegramAuthError, TelegramError
from traderagent.notify.commands import HELP, TelegramCommands, parse_command
from traderagent.notify.daily import DailyLedger
from traderagent.notify.outbox import Outbox
from traderagent.notify.retry import Backoff, Sleep

log = logging.getLogger("traderagent.notify")

KNOWN = frozenset(line.split()[0][1:] for line in HELP.splitlines()[1:]) | {"start"}
"""Command names that may be logged as they are (any other text could be anything)."""
STREAM_BUFFER = 10_000


async def run_telegram(engine: EngineAPI, config: TelegramConfig, token: str) -> None:
    """Serve alerts and commands until cancelled (see the module's docstring)."""
    await TelegramService(engine, config, BotApi(config.api_url, token)).run()


class TelegramService:
    """The three loops (poll commands, gather alerts, send) around one Bot API client."""

    def __init__(
        self,
        engine: EngineAPI,
        config: TelegramConfig,
        api: BotApi,
        *,
        wall_clock: Callable[[], float] = time.time,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.engine = engine
        self.config = config
        self.api = api
        self.allowed = frozenset(config.chat_ids)
        self.commands = TelegramCommands(engine)
        self.outbox = Outbox(api, sleep=sleep)
        self.batcher = AlertBatcher(
            config.alerts, batch_s=config.batch_s, ledger=DailyLedger(engine.snapshot)
        )
        self._wall = wall_clock
        self._sleep = sleep
        self._stream: EventStream | None = None

    async def run(self) -> None:
        tasks: list[asyncio.Task[None]] = []
        try:
            await self._connect()
            tasks = [
                asyncio.create_task(job()) for job in (self._poll, self._alert, self.outbox.run)
            ]
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()  # the first failure (a refused token) is the service's failure
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, TelegramError):
                    await task
            for event in self._stream.drain() if self._stream is not None else ():
                self.batcher.add(event)  # what the engine said last still goes out
            self.broadcast(self.batcher.take_all())
            await self.outbox.flush()
            await self.api.close()

    def broadcast(self, text: str | None) -> None:
        """Queue `text` for every allowed chat."""
        if text:
            for chat_id in self.config.chat_ids:
                self.outbox.put(chat_id, text)

    async def _connect(self) -> None:
        """getMe until it answers: learns the bot's name, and fails fast on a wrong token."""
        backoff = Backoff()
        while True:
            try:
                me = await self.api.get_me()
                break
            except TelegramAuthError:
                raise
            except TelegramError as err:
                wait = backoff.delay(err)
                log.warning("telegram: cannot reach the Bot API (%s); retry in %.1fs", err, wait)
                await self._sleep(wait)
        self.commands.username = str(me.get("username", ""))
        log.info("telegram: @%s serving %d chat(s)", self.commands.username, len(self.allowed))
        snap = self.engine.snapshot()
        self.broadcast(
            f"🟢 TraderAgent is up: {snap.mode.value} on {snap.venue}, {len(snap.bots)} bot(s)."
            " /help lists the commands."
        )

    async def _poll(self) -> None:
        """getUpdates long polling; each update's commands answered before the next poll."""
        offset: int | None = None
        backoff = Backoff()
        while True:
            try:
                updates = await self.api.get_updates(offset, self.config.poll_timeout_s)
            except TelegramAuthError:
                raise
            except TelegramError as err:
                wait = backoff.delay(err)
                log.warning("telegram: getUpdates failed (%s); retry in %.1fs", err, wait)
                await self._sleep(wait)
                continue
            backoff.reset()
            if not updates and self.config.poll_timeout_s == 0:
                await self._sleep(1.0)  # short polling: do not spin on empty answers
            for update in updates:
                update_id = update.get("update_id")
                if isinstance(update_id, int):
                    offset = max(offset or 0, update_id + 1)
                await self.handle(update)

    async def handle(self, update: dict[str, Any]) -> None:
        """Answer one update from an allowed chat; log and ignore anything else."""
        message = update.get("message")
        if not isinstance(message, dict):
            return
        chat = message.get("chat")
        chat_id = chat.get("id") if isinstance(chat, dict) else None
        text = message.get("text")
        if not isinstance(chat_id, int) or not isinstance(text, str):
            return
        command = parse_command(text)
        what = "a message" if command is None else f"/{command[0]}"
        if command is not None and command[0] not in KNOWN:
            what = "an unknown command"  # its text could be anything: keep it out of the log
        if chat_id not in self.allowed:
            log.warning(
                "telegram: ignored %s from chat %d (not in telegram.chat_ids)", what, chat_id
            )
            return
        log.info("telegram: %s from chat %d", what, chat_id)
        sent = message.get("date")
        age_s = self._wall() - sent if isinstance(sent, int | float) else 0.0
        try:
            reply = await self.commands.answer(chat_id, text, age_s)
        except Exception as err:  # e.g. a remote engine that stopped answering: keep serving
            log.error("telegram: %s from chat %d failed", what, chat_id, exc_info=True)
            reply = f"Failed ({type(err).__name__}); the daemon log has the details."
        if reply:
            self.outbox.put(chat_id, reply)

    async def _alert(self) -> None:
        """Feed bus events to the batcher; broadcast what it says is due."""
        kinds = self.batcher.kinds
        if not kinds:
            return
        stream = self._stream = self.engine.events(kinds, STREAM_BUFFER)
        dropped = 0
        try:
            while not stream.closed:
                try:  # not wait_for: on 3.11 it can swallow a cancel that races a result
                    async with asyncio.timeout(self.batcher.wait_s()):
                        events = await stream.next_batch()
                except TimeoutError:
                    events = []
                if stream.dropped > dropped:
                    lost, dropped = stream.dropped - dropped, stream.dropped
                    self.batcher.note(f"({lost} events were dropped: the alerts fell behind)")
                for event in events:
                    self.batcher.add(event)
                self.broadcast(self.batcher.take_due())
        finally:
            stream.close()
