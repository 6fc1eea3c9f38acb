"""State snapshots of the bots: what one holds, and when the engine writes one.

A snapshot is written every `SNAPSHOT_INTERVAL_MS` of engine time when something that
matters changed (position, intent sequence, open orders, strategy, route), and at once when
a bot's lifecycle state changed (pause, stop, halt). A bot whose state did not change
writes nothing, so a quiet replay costs no database work.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from strategies.base import Strategy
from traderagent.domain import BotState, Order, Position, Regime
from traderagent.engine.journal import TradeJournal
from traderagent.engine.router import RouterBinding

SNAPSHOT_INTERVAL_MS = 30_000
"""Engine time between two snapshots of a bot whose state changed."""
CHECKPOINT_VERSION = 2
"""The layout `BotCheckpoint.payload` writes. Version 1 (no `version` key) was the same
layout as a plain dict; it is still read."""


class Sequenced(Protocol):
    @property
    def seq(self) -> int:
        """The bot's last intent sequence (its orders' client ids count up from it)."""
        ...


class CheckpointedBot(Protocol):
    """What a snapshot reads of a bot (`BotRuntime` is one)."""

    @property
    def name(self) -> str: ...

    @property
    def state(self) -> BotState: ...

    @property
    def state_reason(self) -> str: ...

    @property
    def execution(self) -> Sequenced: ...

    @property
    def position(self) -> Position: ...

    @property
    def strategy(self) -> Strategy: ...

    @property
    def strategy_started(self) -> bool: ...

    @property
    def router(self) -> RouterBinding | None: ...

    @property
    def orders(self) -> Mapping[str, Order]: ...

    @property
    def order_set_changes(self) -> int: ...


@dataclass(frozen=True, slots=True)
class RouteCheckpoint:
    """A routed bot's route and its lock."""

    regime: str
    label: str
    locked_until: int = 0
    switches: int = 0

    def payload(self) -> dict[str, Any]:
        return {
            "regime": self.regime,
            "label": self.label,
            "locked_until": self.locked_until,
            "switches": self.switches,
        }

    @classmethod
    def read(cls, saved: object) -> RouteCheckpoint | None:
        """The route a payload names, None for none (or one not understood)."""
        if not isinstance(saved, Mapping) or "regime" not in saved:
            return None
        return cls(
            regime=str(saved["regime"]),
            label=str(saved.get("label", "")),
            locked_until=int(saved.get("locked_until", 0)),
            switches=int(saved.get("switches", 0)),
        )


@dataclass(frozen=True, slots=True)
class BotCheckpoint:
    """A bot's state for crash recovery: what its last snapshot says."""

    state: str = ""
    """The lifecycle state's value ('' when a payload had none)."""
    state_reason: str = ""
    seq: int = 0
    position: Position | None = None
    strategy_kind: str = ""
    strategy_description: str = ""
    route: RouteCheckpoint | None = None
    open_orders: tuple[str, ...] = ()
    version: int = CHECKPOINT_VERSION

    def payload(self) -> dict[str, Any]:
        """As JSON-able data for the journal (Decimals are stored as exact strings)."""
        return _payload(
            self.version,
            self.state,
            self.state_reason,
            self.seq,
            self.position,
            self.strategy_kind,
            self.strategy_description,
            self.route,
            list(self.open_orders),
        )

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> BotCheckpoint:
        """A checkpoint from a stored payload: this version's, or version 1's plain dict (the
        same keys, no `version`). Missing keys take their defaults; a newer version than this
        code knows is refused (ValueError), not half read."""
        version = int(data.get("version", 1))
        if version > CHECKPOINT_VERSION:
            raise ValueError(f"checkpoint version {version} is newer than this program's")
        strategy = data.get("strategy")
        strategy = strategy if isinstance(strategy, Mapping) else {}
        orders = data.get("open_orders")
        return cls(
            state=str(data.get("state", "")),
            state_reason=str(data.get("state_reason", "")),
            seq=int(data.get("seq", 0)),
            position=_position(data.get("position")),
            strategy_kind=str(strategy.get("kind", "")),
            strategy_description=str(strategy.get("description", "")),
            route=RouteCheckpoint.read(data.get("router")),
            open_orders=tuple(str(o) for o in orders) if isinstance(orders, list) else (),
            version=version,
        )


def _payload(
    version: int,
    state: str,
    state_reason: str,
    seq: int,
    position: Position | None,
    strategy_kind: str,
    strategy_description: str,
    route: RouteCheckpoint | None,
    open_orders: list[str],
) -> dict[str, Any]:
    """A checkpoint's payload (`BotCheckpoint.payload`, `bot_payload`): its one layout."""
    return {
        "version": version,
        "state": state,
        "state_reason": state_reason,
        "seq": seq,
        "position": None
        if position is None
        else {
            "symbol": position.symbol,
            "qty": position.qty,
            "avg_price": position.avg_price,
            "realised_pnl": position.realised_pnl,
            "fees": position.fees,
            "funding": position.funding,
        },
        "strategy": {"kind": strategy_kind, "description": strategy_description},
        "router": route.payload() if route is not None else None,
        "open_orders": open_orders,
    }


def _position(saved: object) -> Position | None:
    if not isinstance(saved, Mapping) or "symbol" not in saved:
        return None

    def number(key: str) -> Decimal:
        value = saved.get(key)
        return Decimal(str(value)) if value is not None else Decimal(0)

    avg = saved.get("avg_price")
    return Position(
        str(saved["symbol"]),
        qty=number("qty"),
        avg_price=Decimal(str(avg)) if avg is not None else Decimal(0),
        realised_pnl=number("realised_pnl"),
        fees=number("fees"),
        funding=number("funding"),
    )


def checkpoint_of(bot: CheckpointedBot) -> BotCheckpoint:
    """The bot's state now, as a checkpoint."""
    return BotCheckpoint(
        state=bot.state.value,
        state_reason=bot.state_reason,
        seq=bot.execution.seq,
        position=bot.position,
        strategy_kind=bot.strategy.kind,
        strategy_description=bot.strategy.describe() if bot.strategy_started else "",
        route=route_checkpoint(bot.router),
        open_orders=tuple(bot.orders),  # in the order placed (sorting 450 ids per write cost)
    )


def bot_payload(bot: CheckpointedBot) -> dict[str, Any]:
    """The bot's state as JSON-able data (`checkpoint_of(bot).payload()`), built without the
    checkpoint in between: written at every fill of a replay, its hundreds of order ids are
    copied once, not twice."""
    return _payload(
        CHECKPOINT_VERSION,
        bot.state.value,
        bot.state_reason,
        bot.execution.seq,
        bot.position,
        bot.strategy.kind,
        bot.strategy.describe() if bot.strategy_started else "",
        route_checkpoint(bot.router),
        list(bot.orders),
    )


def route_checkpoint(router: RouterBinding | None) -> RouteCheckpoint | None:
    """A routed bot's current route and lock, None for a bot without a router or route."""
    if router is None or (current := router.policy.current) is None:
        return None
    policy = router.policy
    return RouteCheckpoint(
        current.regime.value, current.label, policy.locked_until, policy.switches
    )


def restore_route(
    router: RouterBinding | None, saved: RouteCheckpoint | None
) -> tuple[Strategy, str] | None:
    """Put a routed bot's router back on the route its checkpoint names (the lock as it
    was); the route's strategy (rebuilt) and label, or None if there was nothing to restore."""
    if router is None or saved is None:
        return None
    try:
        regime = Regime(saved.regime)
    except ValueError:
        return None
    policy = router.policy
    route = policy.route_for(regime)
    policy.current = route
    policy.locked_until = saved.locked_until
    policy.switches = saved.switches
    return router.build(route), route.label


def _what_matters_now(bot: CheckpointedBot) -> tuple[object, ...]:
    """The parts of a checkpoint whose change is worth a snapshot (a description alone
    changes too often), read without building the payload, in constant time: the set of
    open orders by the bot's count of its changes, not by a set of hundreds of ids."""
    return (
        bot.state,  # a StrEnum: equal to its value, without the cost of reading `.value`
        bot.execution.seq,
        bot.position,  # immutable, equal by its fields: the same object compares at once
        bot.strategy.kind,
        _route_key(bot.router),
        bot.order_set_changes,
    )


def _route_key(router: RouterBinding | None) -> tuple[object, ...] | None:
    """What `route_checkpoint` holds, as a tuple (no dataclass, no repr)."""
    if router is None or (current := router.policy.current) is None:
        return None
    policy = router.policy
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

    async def save_due(
        self, bots: Iterable[CheckpointedBot], now_ms: int, force: bool = False
    ) -> int:
        """Write the snapshots that are due now; how many were written."""
        due = self.due(bots, now_ms, force)
        if due:
            await self.write(due, now_ms)
        return len(due)

    def due(
        self, bots: Iterable[CheckpointedBot], now_ms: int, force: bool = False
    ) -> list[tuple[CheckpointedBot, tuple[object, ...]]]:
        """The bots whose snapshot is to be written now, each with what it holds (`write`
        them); the others' next comparison moves on. Without a coroutine: the engine asks at
        every candle, and most candles write nothing."""
        due: list[tuple[CheckpointedBot, tuple[object, ...]]] = []
        states, next_ms, interval = self._states, self._next_ms, self.interval_ms
        for bot in bots:
            state, name = bot.state, bot.name
            if state is BotState.STARTING:
                continue  # not reconciled yet: its last snapshot still says what it was
            state_changed = states.get(name) != state
            if not (force or state_changed or now_ms >= next_ms.get(name, 0)):
                continue
            self._checked_ms[name] = now_ms
            key = _what_matters_now(bot)
            if key == self._saved.get(name) and not state_changed:
                next_ms[name] = now_ms + interval
                continue
            due.append((bot, key))
        return due

    async def write(
        self, due: list[tuple[CheckpointedBot, tuple[object, ...]]], now_ms: int
    ) -> None:
        """Write the snapshots `due` found (writing changes no bot's state)."""
        for bot, key in due:
            name = bot.name
            await self.journal.save_snapshot(name, bot_payload(bot), now_ms)
            self._saved[name] = key
            self._states[name] = bot.state
            self._next_ms[name] = now_ms + self.interval_ms
        self.written += len(due)

    # -- quiet spans of a replay --------------------------------------------------------------

    def quiet_until(self, bots: Iterable[CheckpointedBot], now_ms: int) -> int | None:
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
        bots: Iterable[CheckpointedBot],
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
