"""Logging, configured once: every record with its time, level, component and bot.

`configure_logging` sets up the process's handlers (stderr and/or a rotating file in the data
directory), each with `Redactor`, so no API key, secret, token or database password reaches a
log in plain text. `EngineLogBridge` turns the engine's own events (its `LogRecord`s: refusals,
halts, reconnects, errors; fills; bot state changes) into records of the `traderagent.engine`
logger, so the daemon's stderr, the log file and the console's log pane say the same things.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from traderagent.bus import EventBus
from traderagent.clock import format_ts
from traderagent.domain.events import BotStateChanged, LogRecord, OrderFilled

ROOT = "traderagent"
ENGINE = "traderagent.engine"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
FORMATS = ("text", "json")
LOG_FILE_BYTES = 5_000_000
LOG_FILES_KEPT = 5
MASK = "***"

SECRET_ENV = re.compile(
    r"^TRADERAGENT_(API_TOKEN|TELEGRAM_TOKEN|ENCRYPTION_KEY|NEW_ENCRYPTION_KEY|\w+_API_KEY"
    r"|\w+_API_SECRET|DATABASE_URL)$"
)
"""Environment variables whose values are secrets: a log never shows them."""

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # scheme://user:PASSWORD@host
    (re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]*:)([^\s@/]+)(@)"), rf"\g<1>{MASK}\g<3>"),
    # Authorization: Bearer TOKEN
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+"), rf"\g<1>{MASK}"),
    # a Telegram bot token (`bot123456:AA...` in Bot API URLs, or alone)
    (re.compile(r"\b(bot)?\d{5,}:[A-Za-z0-9_-]{20,}"), rf"\g<1>{MASK}"),
    # api_key=..., "secret": "...", token: ..., password=..., X-BAPI-SIGN: ...
    (
        re.compile(
            r"""(?ix)\b([\w-]*(?:api[_-]?key|apikey|secret|token|passw(?:or)?d|sign(?:ature)?)
            ["']?\s*[:=]\s*["']?)([^\s"',;&}]+)"""
        ),
        rf"\g<1>{MASK}",
    ),
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every known secret value and everything that looks like one masked."""
    for secret in secrets:
        if len(secret) >= 6:  # a short value would mask ordinary words
            text = text.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def secrets_in_environment(env: dict[str, str] | None = None) -> list[str]:
    """The values of the secret-bearing TRADERAGENT_* variables that are set."""
    source = os.environ if env is None else env
    return [value for name, value in source.items() if SECRET_ENV.match(name) and value]


class Redactor(logging.Filter):
    """Renders each record's message (and its traceback) with secrets masked."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__("redactor")
        self.secrets = sorted(set(secrets), key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.secrets)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True

    def __repr__(self) -> str:
        return f"Redactor(<{len(self.secrets)} secrets hidden>)"


def component_of(record: logging.LogRecord) -> str:
    """`engine`, `exchanges.bybit.ws`, `httpx`: the logger's name below `traderagent.`."""
    explicit = getattr(record, "component", "")
    if explicit:
        return str(explicit)
    name = record.name
    return name[len(ROOT) + 1 :] if name.startswith(ROOT + ".") else name


def fields_of(record: logging.LogRecord) -> dict[str, str]:
    """time (UTC, ms), level, component, bot ('-' for none), message; `engine_time` when the
    record comes from the engine (its clock: a replay's time, not the wall clock)."""
    moment = datetime.fromtimestamp(record.created, tz=UTC)
    fields = {
        "time": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z",
        "level": record.levelname,
        "component": component_of(record),
        "bot": str(getattr(record, "bot", "") or "-"),
        "message": record.getMessage(),
    }
    engine_ms = getattr(record, "engine_ms", None)
    if engine_ms is not None:
        fields["engine_time"] = f"{format_ts(int(engine_ms))} UTC"
    if record.exc_text:
        fields["traceback"] = record.exc_text
    return fields


class TextFormatter(logging.Formatter):
    """`2026-01-05T10:00:00.123Z WARNING  engine [grid-btc] order e1 rejected: ... (at
    2023-03-01 00:05 UTC)`."""

    def format(self, record: logging.LogRecord) -> str:
        f = fields_of(record)
        line = f"{f['time']} {f['level']:<8} {f['component']} [{f['bot']}] {f['message']}"
        if "engine_time" in f:
            line += f" (at {f['engine_time']})"
        if "traceback" in f:
            line += "\n" + f["traceback"]
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line with the same fields as the text format."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(fields_of(record), ensure_ascii=False)


def formatter(fmt: str) -> logging.Formatter:
    if fmt not in FORMATS:
        raise ValueError(f"log format {fmt!r}: choose one of {', '.join(FORMATS)}")
    return JsonFormatter() if fmt == "json" else TextFormatter()


def default_log_file() -> Path:
    """`<data dir>/logs/traderagent.log` (rotated at 5 MB, five kept)."""
    from traderagent.paths import data_dir

    return data_dir() / "logs" / "traderagent.log"


@dataclass
class LogSetup:
    """What `configure_logging` installed, so it can be taken down again (tests, the TUI)."""

    handlers: list[logging.Handler] = field(default_factory=list)
    redactor: Redactor = field(default_factory=Redactor)
    file: Path | None = None
    level: int = logging.INFO

    def add(self, handler: logging.Handler) -> None:
        """Another destination (the TUI's log pane), with the same filter and level."""
        handler.addFilter(self.redactor)
        handler.setLevel(self.level)
        logging.getLogger().addHandler(handler)
        self.handlers.append(handler)

    def close(self) -> None:
        root = logging.getLogger()
        for handler in self.handlers:
            root.removeHandler(handler)
            handler.close()
        self.handlers.clear()


_current: LogSetup | None = None


def configure_logging(
    level: str = "INFO",
    fmt: str = "text",
    *,
    stream: TextIO | None = None,
    to_stderr: bool = True,
    log_file: Path | None = None,
) -> LogSetup:
    """Send records at `level` and above to stderr (unless `to_stderr` is off) and to
    `log_file` (rotating; its directory is made), in `fmt`, secrets masked. Calling it again
    replaces the previous set-up. OSError if the log file cannot be opened."""
    global _current
    if _current is not None:
        _current.close()
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise ValueError(f"log level {level!r}: choose one of {', '.join(LEVELS)}")
    setup = LogSetup(redactor=Redactor(secrets_in_environment()), file=log_file, level=numeric)
    shape = formatter(fmt)
    if to_stderr:
        console = logging.StreamHandler(stream or sys.stderr)
        console.setFormatter(shape)
        setup.add(console)
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        rotating = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=LOG_FILE_BYTES, backupCount=LOG_FILES_KEPT, encoding="utf-8"
        )
        rotating.setFormatter(shape)
        setup.add(rotating)
    root = logging.getLogger()
    # other libraries (alembic, httpx): their warnings, and everything at debug
    root.setLevel(logging.DEBUG if numeric <= logging.DEBUG else logging.WARNING)
    logging.getLogger(ROOT).setLevel(numeric)
    _current = setup
    return setup


def attach_handler(handler: logging.Handler) -> Callable[[], None]:
    """Add a destination (the console's log pane) with the configured level and the redactor
    (WARNING and up when logging was not configured); returns what removes it."""
    setup = _current
    if setup is not None:
        setup.add(handler)
    else:
        handler.addFilter(Redactor(secrets_in_environment()))
        handler.setLevel(logging.WARNING)
        logging.getLogger().addHandler(handler)

    def detach() -> None:
        logging.getLogger().removeHandler(handler)
        if setup is not None and handler in setup.handlers:
            setup.handlers.remove(handler)

    return detach


# -- the engine's events as records ----------------------------------------------------------

ENGINE_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}


def engine_level(level: str) -> int:
    name = level.lower()
    if name in ENGINE_LEVELS:
        return ENGINE_LEVELS[name]
    return logging.CRITICAL if name == "critical" else logging.ERROR


class EngineLogBridge:
    """Logs the engine's events on the `traderagent.engine` logger: each `LogRecord` at its
    level, each fill and bot state change at INFO, with the bot and the engine's time. Records
    it makes carry `from_engine`: the TUI's pane shows those events from the bus already."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self.logger = logger or logging.getLogger(ENGINE)

    def attach(self, bus: EventBus) -> Callable[[], None]:
        """Listen to `bus`; returns what stops listening."""
        stops = [
            bus.subscribe(LogRecord, self.on_log),
            bus.subscribe(OrderFilled, self.on_fill),
            bus.subscribe(BotStateChanged, self.on_state),
        ]

        def stop() -> None:
            for each in stops:
                each()

        return stop

    def on_log(self, record: LogRecord) -> None:
        self._emit(engine_level(record.level), record.message, record.bot, record.ts)

    def on_fill(self, event: OrderFilled) -> None:
        fill = event.fill
        bot = fill.bot or fill.client_order_id.rsplit("-", 1)[0]
        message = (
            f"fill {fill.side.value.lower()} {fill.qty:f} {fill.symbol} @ {fill.price:f} "
            f"fee {fill.fee:f} {fill.fee_asset} ({fill.liquidity.value.lower()}, "
            f"order {fill.client_order_id})"
        )
        self._emit(logging.INFO, message, bot, event.ts)

    def on_state(self, event: BotStateChanged) -> None:
        reason = f": {event.reason}" if event.reason else ""
        self._emit(logging.INFO, f"{event.old} -> {event.new}{reason}", event.bot, event.ts)

    def _emit(self, level: int, message: str, bot: str, ts: int) -> None:
        if self.logger.isEnabledFor(level):
            extra = {"bot": bot, "engine_ms": ts, "from_engine": True}
            self.logger.log(level, "%s", message, extra=extra)
