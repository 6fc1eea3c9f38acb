"""Plain-text pieces of Telegram messages: money, quantities, signed PnL, bot states.

Messages are sent without a parse mode, so nothing here needs escaping. Money is formatted from
`Decimal`s as the engine reports them, never through floats.
"""

from __future__ import annotations

from decimal import Decimal

from traderagent.domain import BotState
from traderagent.facade import BotSnapshot

MAX_MESSAGE = 4_096
"""The Bot API's limit on a message's text, in characters."""

STATE_MARKS = {
    BotState.RUNNING: "▶",
    BotState.PAUSED: "⏸",
    BotState.STOPPED: "■",
    BotState.STARTING: "…",
    BotState.STOPPING: "…",
    BotState.EMERGENCY: "⚠",
    BotState.FINISHED: "✔",
}


def money(value: Decimal, places: int = 2) -> str:
    """`10,012.35`: grouped thousands, a fixed number of places."""
    return f"{value:,.{places}f}"


def signed(value: Decimal, places: int = 2) -> str:
    """`+12.35` / `-3.20`."""
    return f"{value:+,.{places}f}"


def price(value: Decimal) -> str:
    """A price with the places the exchange quoted it with: `22,150.00`, `0.0001234`."""
    return f"{value:,f}"


def qty(value: Decimal) -> str:
    """A quantity as the exchange reports it (lot-step places, no grouping): `0.004300`."""
    return f"{value:f}"


def percent(value: Decimal, places: int = 2) -> str:
    return f"{value:.{places}f}%"


def count(n: int, noun: str) -> str:
    """`1 fill`, `3 fills`."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def state(bot: BotSnapshot) -> str:
    """`▶ RUNNING`: a symbol as well as the word, as the TUI shows it."""
    return f"{STATE_MARKS.get(bot.state, '?')} {bot.state.value}"


def clip(text: str, limit: int = MAX_MESSAGE) -> str:
    """`text` cut to `limit` characters at a line end, saying that it was cut."""
    if len(text) <= limit:
        return text
    marker = "\n… (cut: too long for one message)"
    head = text[: limit - len(marker)]
    if "\n" in head:
        head = head[: head.rindex("\n")]
    return head + marker
