"""Pure render helpers for the log pane: one bus event in, one line of rich `Text` out."""

from __future__ import annotations

from rich.text import Text

from traderagent.clock import format_ts
from traderagent.domain.events import (
    BotStateChanged,
    Event,
    HaltTriggered,
    IntentRejected,
    LogRecord,
    OrderFilled,
)
from tui.render import fill_fee_text, price_text, qty_text, side_label, state_label

LEVELS: dict[str, tuple[str, str]] = {
    "DEBUG": ("DBUG", "dim"),
    "INFO": ("INFO", ""),
    "WARNING": ("WARN", "yellow"),
    "ERROR": ("ERR!", "bold red"),
    "CRITICAL": ("CRIT", "bold reverse red"),
}
"""Log level -> (four-letter tag, style), so messages line up."""


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def level_of(level: str) -> tuple[str, str]:
    """(tag, style) of a log level name; unknown levels show their first four letters."""
    name = level.upper()
    return LEVELS.get(name, (f"{name[:4]:<4}", ""))


def day_of(ts_ms: int) -> str:
    """`2023-03-01`: the log shows a day line whenever this changes."""
    return format_ts(ts_ms)[:10]


def time_of(ts_ms: int) -> str:
    """`12:34`: the time prefix of every log line."""
    return format_ts(ts_ms)[11:]


def day_line(ts_ms: int) -> Text:
    return Text(f"── {day_of(ts_ms)} ──", style="dim")


def note_line(ts_ms: int, message: str, level: str = "INFO") -> Text:
    """A line the TUI itself writes (engine finished, engine error)."""
    return Text.assemble(f"{time_of(ts_ms)} ", (message, level_of(level)[1]))


LOGGED: tuple[type[Event], ...] = (
    OrderFilled,
    LogRecord,
    BotStateChanged,
    HaltTriggered,
    IntentRejected,
)
"""The event kinds the log pane shows (`event_line` gives None for every other kind)."""


def event_line(event: Event) -> Text | None:
    """The log line for `event`, or None for kinds the log pane does not show."""
    prefix = f"{time_of(event.ts)} "
    if isinstance(event, OrderFilled):
        fill = event.fill
        return Text.assemble(
            prefix,
            side_label(fill.side),
            f" {qty_text(fill.qty)} {fill.symbol} @ {price_text(fill.price)}",
            f" fee {fill_fee_text(fill)} ",
            (fill.bot, "bold"),
        )
    if isinstance(event, LogRecord):
        tag, style = level_of(event.level)
        line = Text.assemble(prefix, (tag, style), " ", event.message)
        if event.bot:
            line.append(f" [{event.bot}]", style="dim")
        return line
    if isinstance(event, BotStateChanged):
        line = Text.assemble(
            prefix, (event.bot, "bold"), " ", state_label(event.old), " → ", state_label(event.new)
        )
        if event.reason:
            line.append(f" ({event.reason})", style="dim")
        return line
    if isinstance(event, HaltTriggered):
        return Text.assemble(
            prefix,
            (f"⚠ HALT {event.bot}: {event.reason}", "bold red"),
            f" ({_count(event.cancelled_orders, 'order')} cancelled)",
        )
    if isinstance(event, IntentRejected):
        return Text.assemble(
            prefix,
            ("✗ rejected ", "yellow"),
            (event.bot, "bold"),
            f" {event.tag}: {event.reason}",
        )
    return None


LEVEL_RANK: dict[str, int] = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}
"""Levels in order, for the log filter's 'this level and above'."""


def event_meta(event: Event) -> tuple[str, str]:
    """(level, bot) of a logged event, for the log filter ('' when no bot)."""
    if isinstance(event, LogRecord):
        return event.level.upper(), event.bot or ""
    if isinstance(event, OrderFilled):
        return "INFO", event.fill.bot
    if isinstance(event, HaltTriggered):
        return "CRITICAL", event.bot
    if isinstance(event, IntentRejected):
        return "WARNING", event.bot
    if isinstance(event, BotStateChanged):
        return "INFO", event.bot
    return "INFO", ""
