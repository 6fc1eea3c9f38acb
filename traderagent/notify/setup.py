"""How a daemon switches Telegram on: the token from the environment, the service to start.

    service = telegram_service(config.telegram)   # TelegramSetupError: print it, exit 2
    ...
    await service(engine)                         # runs until cancelled

The token is read when the daemon starts, so a missing one is a start-up error, not a
background task that dies later.
"""

from __future__ import annotations

import os
import re
from collections.abc import Awaitable, Callable, Mapping

from traderagent.config.service import TelegramConfig
from traderagent.facade import EngineAPI
from traderagent.notify.telegram import run_telegram

TOKEN_SHAPE = re.compile(r"\d+:[A-Za-z0-9_-]{20,}")
"""What @BotFather hands out: the bot's id, a colon, the secret."""


class TelegramSetupError(Exception):
    """Telegram is enabled but cannot start (no token); the text says what to set."""


def telegram_token(config: TelegramConfig, environ: Mapping[str, str] = os.environ) -> str:
    """The bot token from the variable `config.token_env` names (never from a file)."""
    token = environ.get(config.token_env, "").strip()
    if not token:
        raise TelegramSetupError(
            f"telegram is enabled but {config.token_env} is not set: export it with the token"
            " @BotFather gave the bot (or set telegram.enabled: false)"
        )
    if not TOKEN_SHAPE.fullmatch(token):
        raise TelegramSetupError(
            f"{config.token_env} does not look like a bot token (digits, a colon, then the"
            " secret, as @BotFather gives it)"
        )
    return token


def telegram_service(
    config: TelegramConfig, environ: Mapping[str, str] = os.environ
) -> Callable[[EngineAPI], Awaitable[None]]:
    """A daemon service (`engine -> coroutine`) serving Telegram with the token read now.

    The coroutine raises TelegramAuthError if the Bot API refuses the token; anything else
    (lost connection, 5xx, 429) it waits out.
    """
    token = telegram_token(config, environ)

    async def telegram(engine: EngineAPI) -> None:
        await run_telegram(engine, config, token)

    return telegram
