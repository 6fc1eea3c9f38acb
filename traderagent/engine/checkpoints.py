"""State snapshots of the bots: what one holds, and when the engine writes one.

A snapshot is written every `SNAPSHOT_INTERVAL_MS` of engine time when something that
matters changed (position, intent sequence, open orders, strategy, route), and at once when
a bot's lifecycle state changed (pause, stop, halt). A bot whose state did not change
writes nothing, so a quiet replay costs no database work.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from traderagent.domain import BotState, Regime

if TYPE_CHECKING:
    from traderagent.engine.bot import BotRuntime
    from traderagent.engine.journal import TradeJournal

SNAPSHOT_INTERVAL_MS = 30_000
"""Engine time between two snapshots of a bot whose state changed."""


def bot_payload(bot: BotRuntime) -> dict[str, Any]:
    """The bot's state as JSON-able data (Decimals are stored as exact strings)."""
    position = bot.position
    return {
        "state": bot.state.value,
        "state_reason": bot.state_reason,
        "seq": bot.execution.seq,
        "position": {
            "symbol": position.symbol,
            "qty": position.qty,
            "avg_price": position.avg_price,
            "realised_pnl": position.realised_pnl,
            "fees": position.fees,
        },
        "strategy": {
            "kind": bot.strategy.kind,
            "description": bot.strategy.describe() if bot.strategy_started else "",
        },
        "router": router_payload(bot),
        "open_orders": sorted(bot.orders),
    }


def router_payload(bot: BotRuntime) -> dict[str, Any] | None:
    """A routed bot's current route and lock, None for a bot without a router or route."""
    if bot.router is None or bot.router.policy.current is None:
        return None
    policy = bot.router.policy
    assert policy.current is not None  # noqa: S101 - narrowed above
    return {
        "regime": policy.current.regime.value,
        "label": policy.current.label,
        "locked_until": policy.locked_until,
        "switches": policy.switches,
    }


def restore_route(bot: BotRuntime, saved: Any) -> str | None:
    """Put a routed bot back on the route its snapshot names (its strategy rebuilt, the lock
    as it was); the route's label, or None if there was nothing to restore."""
    if bot.router is None or not isinstance(saved, dict) or "regime" not in saved:
        return None
    try:
        regime = Regime(saved["regime"])
    except ValueError:
        return None
    policy = bot.router.policy
    route = policy.route_for(regime)
    policy.current = route
    policy.locked_until = int(saved.get("locked_until", 0))
    policy.switches = int(saved.get("switches", 0))
    bot.strategy = bot.router.build(route)
    return route.label


def _what_matters(payload: dict[str, Any]) -> tuple[object, ...]:
    """The parts whose change is worth a snapshot (a description alone changes too often)."""
    return (
        payload["state"],
        payload["seq"],
        tuple(payload["position"].values()),
        payload["strategy"]["kind"],
        repr(payload["router"]),
        tuple(payload["open_orders"]),
    )


class SnapshotSchedule:
    """Decides, per bot, when its snapshot is due, and writes it through the journal."""

    def __init__(self, journal: TradeJournal, interval_ms: int = SNAPSHOT_INTERVAL_MS) -> None:
        self.journal = journal
        self.interval_ms = interval_ms
        self._saved: dict[str, tuple[object, ...]] = {}
        self._states: dict[str, str] = {}
        self._next_ms: dict[str, int] = {}
        self.written = 0

    async def save_due(self, bots: Iterable[BotRuntime], now_ms: int, force: bool = False) -> int:
        """Write the snapshots that are due now; how many were written."""
        written = 0
        for bot in bots:
            if bot.state is BotState.STARTING:
                continue  # not reconciled yet: its last snapshot still says what it was
            state_changed = self._states.get(bot.name) != bot.state.value
            if not (force or state_changed or now_ms >= self._next_ms.get(bot.name, 0)):
                continue
            payload = bot_payload(bot)
            key = _what_matters(payload)
            if key == self._saved.get(bot.name) and not state_changed:
                self._next_ms[bot.name] = now_ms + self.interval_ms
                continue
            await self.journal.save_snapshot(bot.name, payload, now_ms)
            self._saved[bot.name] = key
            self._states[bot.name] = bot.state.value
            self._next_ms[bot.name] = now_ms + self.interval_ms
            written += 1
        self.written += written
        return written
