"""Keep the bot token out of logs and error messages.

The Bot API puts the token in every URL (`/bot<TOKEN>/sendMessage`), and httpx logs each
request's URL at INFO level on the `httpx` logger. `TokenRedactor` rewrites those records while a
client is open; `redact` cleans any text (an exception's message) before it is shown.
"""

from __future__ import annotations

import logging

REDACTED = "<telegram-token>"
LOGGERS = ("httpx",)
"""Loggers that see request URLs (httpcore logs method names and hosts, never the path)."""


def redact(text: str, token: str) -> str:
    """`text` with every occurrence of the token (and of its secret part) replaced."""
    if not token:
        return text
    cleaned = text.replace(token, REDACTED)
    _, _, secret = token.partition(":")
    if len(secret) >= 8:  # the part after the bot id is what must stay secret
        cleaned = cleaned.replace(secret, REDACTED)
    return cleaned


class TokenRedactor(logging.Filter):
    """A logging filter that renders each record's message with the token replaced."""

    def __init__(self, token: str) -> None:
        super().__init__("telegram-token")
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self._token)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True

    def install(self) -> None:
        for name in LOGGERS:
            logging.getLogger(name).addFilter(self)

    def remove(self) -> None:
        for name in LOGGERS:
            logging.getLogger(name).removeFilter(self)

    def __repr__(self) -> str:
        return "TokenRedactor(<hidden>)"
