"""Notifications: Telegram alerts and commands for the chats a config allows.

The daemon starts `telegram_service(config.telegram)` (see `traderagent.notify.setup`);
`run_telegram(engine, config.telegram, token)` is the same service given a token directly.
"""

from traderagent.notify.botapi import TelegramAuthError, TelegramError
from traderagent.notify.setup import TelegramSetupError, telegram_service, telegram_token
from traderagent.notify.telegram import TelegramService, run_telegram

__all__ = [
    "TelegramAuthError",
    "TelegramError",
    "TelegramService",
    "TelegramSetupError",
    "run_telegram",
    "telegram_service",
    "telegram_token",
]
