"""One queue for every message the bot sends, sent one at a time.

Replies and alerts share it, so a 429's `retry_after` holds back every message (the Bot API's
limits are the bot's), and a slow Telegram never blocks the command loop or the engine: when the
queue is full, the new message is dropped and counted.
"""

from __future__ import annotations

import asyncio
import logging

from traderagent.notify.botapi import BotApi, TelegramAuthError, TelegramError
from traderagent.notify.retry import Backoff, Sleep, retrying

log = logging.getLogger("traderagent.notify")

SEND_ATTEMPTS = 6
EXIT_GRACE_S = 5.0
"""How long the last messages may take to leave when the service stops."""


class Outbox:
    """Messages waiting for `sendMessage`, in order."""

    def __init__(self, api: BotApi, *, maxsize: int = 200, sleep: Sleep = asyncio.sleep) -> None:
        self._api = api
        self._queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue(maxsize)
        self._sleep = sleep
        self.dropped = 0
        self.sent = 0

    def put(self, chat_id: int, text: str) -> None:
        try:
            self._queue.put_nowait((chat_id, text))
        except asyncio.QueueFull:
            self.dropped += 1
            log.warning("telegram: outbox full, a message to chat %d was dropped", chat_id)

    async def run(self) -> None:
        """Send until cancelled. Raises TelegramAuthError when the token stops working."""
        backoff = Backoff()
        while True:
            chat_id, text = await self._queue.get()
            try:
                await retrying(
                    lambda: self._api.send_message(chat_id, text),  # noqa: B023 - awaited here
                    what=f"sendMessage to chat {chat_id}",
                    attempts=SEND_ATTEMPTS,
                    backoff=backoff,
                    sleep=self._sleep,
                )
                self.sent += 1
            except TelegramAuthError:
                raise
            except TelegramError as err:
                log.warning("telegram: message to chat %d not sent: %s", chat_id, err)
            backoff.reset()

    async def flush(self, grace_s: float = EXIT_GRACE_S) -> None:
        """Send what is queued, once each, giving up after `grace_s` (the service is stopping)."""
        left = []
        while not self._queue.empty():
            left.append(self._queue.get_nowait())
        try:
            async with asyncio.timeout(grace_s):
                while left:
                    chat_id, text = left[0]
                    await self._api.send_message(chat_id, text)
                    left.pop(0)
        except (TelegramError, TimeoutError) as err:
            why = str(err) or f"not sent within {grace_s:g} s"
            log.warning("telegram: %d message(s) not sent at shutdown (%s)", len(left), why)
