"""MemoryJournal: the engine's TradeJournal in dicts and lists, for backtests.

Same semantics as `storage.SqlJournal` for everything the engine and recovery call: orders are
inserted or updated by client order id (the first sequence and creation time kept, an empty
bot, tag or exchange order id never erasing a stored one), fills are stored once by fill id,
positions are kept per (bot, symbol), snapshots are versioned and pruned, and the strategy
history is appended; funding shares are kept once by (settlement, bot). Nothing is written
anywhere, so a backtest costs no I/O.

Snapshots are kept as given and turned into JSON-shaped data when loaded (Decimals come back
as exact strings, enums as their values, as from the database); a payload JSON cannot hold is
refused then, with the bot named, rather than on every save (a save per candle must be cheap).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal
from enum import Enum
from typing import Any

from traderagent.domain import BotState, Fill, FundingFee, Order, Position

SNAPSHOTS_KEPT = 20
"""Snapshots kept per bot, as on the database journal."""


class JournalError(LookupError):
    """A journal call that names something the journal does not hold (an unknown bot)."""


@dataclass(slots=True)
class JournalBot:
    """A registered bot: its symbol, strategy kind, config (JSON-shaped) and state."""

    name: str
    symbol: str
    strategy: str
    config: dict[str, Any]
    created_ms: int
    state: BotState = BotState.STOPPED
    state_ms: int = 0


def decimal_text(value: Decimal) -> str:
    """Plain notation without trailing zeros, never rounded: what the database gives back."""
    if not value.is_finite():
        raise ValueError(f"cannot store non-finite decimal {value!r}")
    if value.is_zero():
        return "0"
    return format(value.normalize(Context(prec=max(len(value.as_tuple().digits), 1))), "f")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def json_shaped(payload: Mapping[str, Any], what: str) -> dict[str, Any]:
    """`payload` as it comes back from JSON text; JournalError naming `what` if it cannot."""
    try:
        text = json.dumps(dict(payload), default=_plain, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise JournalError(f"cannot store {what}: {exc}") from exc
    loaded: dict[str, Any] = json.loads(text)
    return loaded


class MemoryJournal:
    """A TradeJournal held in memory. `clock_ms` stamps bot registrations (pass the replay
    clock's `now_ms`). The attributes are the record: `orders` by client id in insertion order,
    `fills` oldest first, `equity` as (ts, equity, bot) points."""

    def __init__(
        self, *, clock_ms: Callable[[], int] = lambda: 0, snapshots_kept: int = SNAPSHOTS_KEPT
    ) -> None:
        self.bots: dict[str, JournalBot] = {}
        self.orders: dict[str, Order] = {}
        self.fills: list[Fill] = []
        self.fill_steps: list[int] = []
        """For each of `fills`, the engine time it was journalled at: the close of the candle
        whose step made it (a fill during a candle's walk included)."""
        self.positions: dict[tuple[str, str], Position] = {}
        self.equity: list[tuple[int, Decimal, str | None]] = []
        self.strategies: dict[str, list[tuple[str, dict[str, Any], int]]] = {}
        self._clock_ms = clock_ms
        self._snapshots_kept = max(snapshots_kept, 1)
        self._snapshots: dict[str, deque[tuple[int, dict[str, Any], int]]] = {}
        self._seq: dict[str, int] = {}  # client order id -> the first sequence recorded
        self._max_seq: dict[str, int] = {}
        self._fill_ids: dict[str, set[str]] = {}
        self._all_fill_ids: set[str] = set()
        self.funding: list[FundingFee] = []
        """Funding shares booked to the bots (a linear paper venue's settlements)."""

    # -- the TradeJournal protocol ------------------------------------------------------------

    async def register_bot(
        self, name: str, symbol: str, strategy: str, config: dict[str, Any], *, market: str = "spot"
    ) -> None:
        shaped = json.loads(json.dumps(config, sort_keys=True, default=str))
        known = self.bots.get(name)
        if known is None:
            self.bots[name] = JournalBot(name, symbol, strategy, shaped, self._clock_ms())
        else:
            known.symbol, known.strategy, known.config = symbol, strategy, shaped

    async def set_bot_state(self, name: str, state: BotState, now_ms: int) -> None:
        bot = self.bots.get(name)
        if bot is None:
            raise JournalError(f"cannot set state of unknown bot {name!r}: register it first")
        bot.state, bot.state_ms = state, now_ms

    async def last_sequence(self, bot: str) -> int:
        """The highest intent sequence this bot has used (0 if none): client ids never repeat."""
        return self._max_seq.get(bot, 0)

    async def record_order(self, order: Order, seq: int | None = None) -> None:
        """Insert or update by client order id (written before the request leaves)."""
        cid = order.client_order_id
        stored = self.orders.get(cid)
        if stored is not None and (
            order.created_ms != stored.created_ms
            or not (order.bot and order.tag)
            or (stored.exchange_order_id and not order.exchange_order_id)
        ):  # only when the update lacks what the stored row has (a replay sends thousands)
            order = merged_update(order, stored)
        self.orders[cid] = order
        if seq is not None and cid not in self._seq:
            self._seq[cid] = seq
            if seq > self._max_seq.get(order.bot, 0):
                self._max_seq[order.bot] = seq

    async def record_funding(self, share: FundingFee) -> bool:
        """Keep a bot's share of a funding settlement once; False if it was kept before."""
        if any(f.funding_id == share.funding_id and f.bot == share.bot for f in self.funding):
            return False
        self.funding.append(share)
        return True

    async def funding_of(self, bot: str) -> Sequence[FundingFee]:
        return [f for f in self.funding if f.bot == bot]

    async def record_fill(self, fill: Fill) -> None:
        """Insert once by fill id; a repeated fill id is ignored."""
        if fill.fill_id in self._all_fill_ids:
            return
        self._all_fill_ids.add(fill.fill_id)
        ids = self._fill_ids.get(fill.bot)
        if ids is None:
            ids = self._fill_ids[fill.bot] = set()
        ids.add(fill.fill_id)
        self.fills.append(fill)
        self.fill_steps.append(self._clock_ms())

    async def record_position(self, bot: str, position: Position, now_ms: int) -> None:
        self.positions[(bot, position.symbol)] = position

    async def record_equity(self, ts: int, equity: Decimal, bot: str | None = None) -> None:
        self.equity.append((ts, equity, bot))

    async def close(self) -> None:
        """Nothing to release: the record stays readable after the run."""

    # -- what recovery reads and writes ---------------------------------------------------------

    async def record_strategy(self, bot: str, kind: str, config: dict[str, Any], ts: int) -> None:
        """The bot runs strategy `kind` with `config` from `ts` on (appended, history kept)."""
        shaped = json_shaped(config, f"the strategy config of bot {bot!r}")
        self.strategies.setdefault(bot, []).append((kind, shaped, ts))

    async def save_snapshot(self, bot: str, payload: dict[str, Any], ts: int) -> int:
        """Store the bot's state (JSON-able; Decimals come back as strings); returns its version."""
        kept = self._snapshots.get(bot)
        if kept is None:  # not `setdefault`: that builds a deque at every save
            kept = self._snapshots[bot] = deque(maxlen=self._snapshots_kept)
        version = kept[-1][0] + 1 if kept else 1
        kept.append((version, payload, ts))
        return version

    async def load_snapshot(self, bot: str) -> tuple[dict[str, Any], int] | None:
        """The latest snapshot's (payload, ts), None if the bot has none."""
        kept = self._snapshots.get(bot)
        if not kept:
            return None
        _, payload, ts = kept[-1]
        return json_shaped(payload, f"the state snapshot of bot {bot!r}"), ts

    async def open_orders(self, bot: str) -> Sequence[Order]:
        """The bot's orders the journal still thinks are open (every one), newest first."""
        return [o for o in await self.orders_of(bot) if o.is_open]

    async def orders_of(self, bot: str, *, limit: int | None = None) -> Sequence[Order]:
        """The bot's orders, newest first (every one unless `limit`)."""
        mine = [(o.created_ms, i, o) for i, o in enumerate(self.orders.values()) if o.bot == bot]
        mine.sort(key=lambda entry: (entry[0], entry[1]), reverse=True)
        newest = [o for _, _, o in mine]
        return newest if limit is None else newest[:limit]

    async def fills_of(self, bot: str) -> Sequence[Fill]:
        """Every fill of the bot, oldest first (the order to replay them in)."""
        return sorted((f for f in self.fills if f.bot == bot), key=lambda f: f.ts)

    async def fill_ids(self, bot: str) -> frozenset[str]:
        return frozenset(self._fill_ids.get(bot, ()))

    async def has_fill(self, fill_id: str) -> bool:
        return fill_id in self._all_fill_ids

    async def position_of(self, bot: str, symbol: str) -> Position | None:
        return self.positions.get((bot, symbol))

    # -- reads for the backtest ------------------------------------------------------------------

    def snapshot_versions(self, bot: str) -> list[int]:
        """The versions of the bot's kept snapshots, newest first."""
        return [version for version, _, _ in reversed(self._snapshots.get(bot, ()))]

    def sequence_of(self, client_order_id: str) -> int | None:
        """The intent sequence recorded with this order, if any."""
        return self._seq.get(client_order_id)


def merged_update(order: Order, stored: Order) -> Order:
    """`order` keeping what the stored row has and it lacks (its creation time, bot, tag and
    venue id); built field by field: `dataclasses.replace` costs several times more, and a
    replay merges two of these per fill."""
    o = order
    return Order(
        o.client_order_id,
        o.symbol,
        o.side,
        o.type,
        o.qty,
        o.price,
        o.status,
        stored.created_ms,
        o.updated_ms,
        o.filled_qty,
        o.avg_fill_price,
        o.exchange_order_id or stored.exchange_order_id,
        o.reject_reason,
        o.bot or stored.bot,
        o.tag or stored.tag,
    )
