"""What the client is going through right now, in words an operator can act on.

REST, the public streams and the private stream each report their own condition; the board's
`current` is the worst of them, so a TUI or API can show one line (`client.status`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

log = logging.getLogger("traderagent.exchanges.bybit")


class Health(IntEnum):
    """Ordered by severity: a board shows the most severe condition."""

    OK = 0
    DEGRADED = 1  # waiting on a rate limit, reconnecting a stream
    DOWN = 2  # banned, authentication refused


@dataclass(frozen=True, slots=True)
class ClientStatus:
    """One component's condition: `message` is for people, `health` for code."""

    health: Health
    message: str
    since_ms: int
    component: str = ""

    @property
    def ok(self) -> bool:
        return self.health is Health.OK


class StatusBoard:
    """Per-component conditions. Changes are logged once, when they happen."""

    def __init__(self, now_ms: Callable[[], int]) -> None:
        self._now_ms = now_ms
        self._parts: dict[str, ClientStatus] = {}

    def report(self, component: str, health: Health, message: str) -> None:
        old = self._parts.get(component)
        if old is not None and old.health is health and old.message == message:
            return
        self._parts[component] = ClientStatus(health, message, self._now_ms(), component)
        level = {Health.OK: logging.INFO, Health.DEGRADED: logging.WARNING}.get(
            health, logging.ERROR
        )
        if old is not None or health is not Health.OK:
            log.log(level, "bybit %s: %s", component, message)

    def ok(self, component: str, message: str = "connected") -> None:
        self.report(component, Health.OK, message)

    def get(self, component: str) -> ClientStatus | None:
        return self._parts.get(component)

    @property
    def current(self) -> ClientStatus:
        """The most severe condition (the oldest among equals), or OK."""
        worst = sorted(self._parts.values(), key=lambda s: (-s.health, s.since_ms))
        if worst and not worst[0].ok:
            return worst[0]
        return ClientStatus(Health.OK, "ok", worst[0].since_ms if worst else 0)
