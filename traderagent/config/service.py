"""The daemon's outward services: the REST + WebSocket API (`api:`) and Telegram (`telegram:`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class ApiConfig(_Section):
    """The headless daemon's REST + WebSocket API (`traderagent run --headless`)."""

    enabled: bool = True
    """Serve the API in headless mode (`--no-api` turns it off for one run)."""
    host: str = "127.0.0.1"
    """Interface to listen on. Keep 127.0.0.1 and reach it over SSH unless a proxy guards it."""
    port: int = Field(default=8080, ge=0, le=65535)
    """TCP port (0 picks a free one and prints it)."""
    on_shutdown: Literal["leave", "cancel"] = "leave"
    """What SIGTERM does with resting orders after the final snapshot: `leave` them on the
    exchange (recovery adopts them at the next start) or `cancel` them."""
    stream_buffer: int = Field(default=1_000, ge=10, le=100_000)
    """Events buffered per WebSocket client; a client that falls this far behind is dropped."""


class TelegramConfig(_Section):
    """Alerts and a few commands over the Telegram Bot API."""

    enabled: bool = False
    """Send alerts and obey commands (needs `chat_ids`, and the token in `token_env`)."""
    token_env: str = "TRADERAGENT_TELEGRAM_TOKEN"  # noqa: S105 - the variable's name, not a token
    """Environment variable holding the bot token (the token itself never goes in a file)."""
    chat_ids: tuple[int, ...] = ()
    """Chats whose commands are obeyed and which receive alerts; others are logged and ignored.
    A group's id (negative) lets everyone in that group command the bot."""
    api_url: str = "https://api.telegram.org"
    """The Bot API server (a local test server in the tests)."""
    alerts: tuple[Literal["fills", "halts", "risk", "regime", "daily"], ...] = (
        "fills",
        "halts",
        "risk",
        "regime",
        "daily",
    )
    """Which alerts are sent: fills, halts, risk breaches, regime changes, a daily summary."""
    poll_timeout_s: int = Field(default=30, ge=0, le=50)
    """Long-polling timeout of getUpdates (0: poll once a second)."""
    batch_s: float = Field(default=10.0, ge=0.5, le=3_600)
    """Fills, regime changes and daily summaries arriving within this many seconds go out as
    one message, so a burst of fills never floods a phone (halts and risk breaches wait 1 s)."""

    @field_validator("chat_ids")
    @classmethod
    def _distinct(cls, chat_ids: tuple[int, ...]) -> tuple[int, ...]:
        if len(set(chat_ids)) != len(chat_ids):
            raise ValueError("chat_ids has a repeated id")
        return chat_ids
