"""State snapshots of the bots: what one holds, and when the engine writes one.

A snapshot is written every `SNAPSHOT_INTERVAL_MS` of engine time when something that
matters changed (position, intent sequence, open orders, strategy, route), and at once when
a bot's lifecycle state changed (pause, stop, halt). A bot whose state did not change
writes nothing, so a quiet replay costs no database work.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

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
            "funding": position.funding,
        },
        "strategy": {
            "kind": bot.strategy.kind,
            "description": bot.strategy.describe() if bot.strategy_started else "",
        },
        "router": router_payload(bot),
        "open_orders": list(bot.orders),  # in the order placed (sorting 450 ids per write cost)
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


def _what_matters_now(bot: BotRuntime) -> tuple[object, ...]:
    """The parts of `bot_payload` whose change is worth a snapshot (a description alone
    changes too often), read without building the payload, in constant time: the set of
    open orders by the bot's count of its changes, not by a set of hundreds of ids."""
    return (
        bot.state,  # a StrEnum: equal to its value, without the cost of reading `.value`
        bot.execution.seq,
        bot.position,  # immutable, equal by its fields: the same object compares at once
        bot.strategy.kind,
        _route_key(bot),
        bot.order_set_changes,
    )


def _route_key(bot: BotRuntime) -> tuple[object, ...] | None:
    """What `router_payload` holds, as a tuple (no dict, no repr)."""
    if bot.router is None or (current := bot.router.policy.current) is None:
        return None
    policy = bot.router.policy
    return (current.regime, current.label, policy.locked_until, policy.switches)


class SnapshotSchedule:
    """Decides, per bot, when its snapshot is due, and writes it through the journal."""

    def __init__(self, journal: TradeJournal, interval_ms: int = SNAPSHOT_INTERVAL_MS) -> None:
        self.journal = journal
        self.interval_ms = interval_ms
        self._saved: dict[str, tuple[object, ...]] = {}
        self._states: dict[str, BotState] = {}
        self._next_ms: dict[str, int] = {}
        self._checked_ms: dict[str, int] = {}  # when each bot's state was last compared
        self.written = 0

    async def save_due(self, bots: Iterable[BotRuntime], now_ms: int, force: bool = False) -> int:
        """Write the snapshots that are due now; how many were written."""
        written = 0
        for bot in bots:
            state, name = bot.state, bot.name
            if state is BotState.STARTING:
                continue  # not reconciled yet: its last snapshot still says what it was
            state_changed = self._states.get(name) != state
            if not (force or state_changed or now_ms >= self._next_ms.get(name, 0)):
                continue
            self._checked_ms[name] = now_ms
            key = _what_matters_now(bot)
            if key == self._saved.get(name) and not state_changed:
                self._next_ms[name] = now_ms + self.interval_ms
                continue
            await self.journal.save_snapshot(name, bot_payload(bot), now_ms)
            self._saved[name] = key
            self._states[name] = bot.state
            self._next_ms[name] = now_ms + self.interval_ms
            written += 1
        self.written += written
        return written

    # -- quiet spans of a replay --------------------------------------------------------------

    def quiet_until(self, bots: Iterable[BotRuntime], now_ms: int) -> int | None:
        """Engine time from which a snapshot may be due although nothing changes: a bot whose
        state was not compared at `now_ms` (its interval had not passed) may hold a change
        still unwritten. None: every bot's state is written, so quiet candles write nothing."""
        due: int | None = None
        for bot in bots:
            if bot.state is BotState.STARTING:
                continue
            if self._states.get(bot.name) != bot.state:
                return now_ms
            if self._checked_ms.get(bot.name) != now_ms:
                at = self._next_ms.get(bot.name, 0)
                due = at if due is None else min(due, at)
        return due

    def pass_quietly(
        self,
        bots: Iterable[BotRuntime],
        opens: npt.NDArray[np.int64],
        candle_ms: int,
        spacing_ms: int,
    ) -> None:
        """Candles opening at `opens` (ascending, at least `spacing_ms` apart, each closing
        `candle_ms` later) changed nothing: move each bot's next comparison on as `save_due`
        at each of them would have, writing nothing."""
        if not len(opens):
            return
        interval, last_open = self.interval_ms, int(opens[-1])
        for bot in bots:
            if bot.state is BotState.STARTING:
                continue
            first_due = self._next_ms.get(bot.name, 0) - candle_ms  # opening at or after
            if first_due > last_open:
                continue
            if spacing_ms >= interval:
                last = last_open + candle_ms  # every one of them was due
            else:
                last = int(opens[int(opens.searchsorted(first_due))]) + candle_ms
                while (k := int(opens.searchsorted(last + interval - candle_ms))) < len(opens):
                    last = int(opens[k]) + candle_ms
            self._next_ms[bot.name] = last + interval
            self._checked_ms[bot.name] = last
