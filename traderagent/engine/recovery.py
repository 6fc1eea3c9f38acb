"""Crash recovery: before a bot trades, reconcile its journal with what the exchange has.

The exchange is the truth. Its open orders of this bot (client order id `{bot}-{seq}`) are
adopted with their tags from the journal; its executions the journal lacks are recorded once;
an order the journal thinks open but the exchange no longer lists is closed by the exchange's
own answer for that id (filled, cancelled, or never received). The position is replayed from
every recorded fill. A missing or failed answer is never read as "nothing there": it is an
`ExchangeUnavailable`, and the bot does not trade until a reconcile succeeds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from traderagent.domain import ZERO, Fill, Order, OrderStatus, Position
from traderagent.engine.checkpoints import BotCheckpoint
from traderagent.engine.journal import TradeJournal
from traderagent.exchanges.ports import Exchange, ExchangeError, Perpetual

MARGIN_MS = 60_000
"""How far before the earliest order or fill that matters recovery asks for executions."""
RECENT_ORDERS = 100
"""Newest journal orders searched for a fill the journal may have missed (a market order's
fill lands after its row says Filled)."""
RETRY_DELAYS_S = (0.5, 1.0, 2.0)
"""Waits between attempts when the exchange does not answer at start."""
LOST_REASON = "the exchange has no such order: the request never reached it (restart)"

Sleep = Callable[[float], Awaitable[None]]


class ExchangeUnavailable(Exception):
    """The exchange did not answer what recovery must know; the bot must not trade yet."""


@dataclass(frozen=True, slots=True)
class Reconciled:
    """What a bot starts from after reconciling with the exchange."""

    position: Position
    adopted: tuple[Order, ...]
    """The bot's orders open on the exchange, with their tags from the journal."""
    recorded_fills: tuple[Fill, ...]
    """Executions that happened while the engine was down, now journalled once."""
    closed: tuple[Order, ...]
    """Orders the journal had open that the exchange reports closed (filled, cancelled...)."""
    lost: tuple[Order, ...]
    """Orders the journal had open that the exchange never received."""
    seq: int
    """The highest intent sequence used anywhere: the next order takes seq + 1."""
    venue_qty: Decimal
    """What the exchange holds of the symbol (spot: the whole account's base coin)."""
    snapshot: BotCheckpoint | None = None
    """What the bot's last snapshot says (read from any checkpoint version)."""
    snapshot_ts: int | None = None

    def summary(self) -> str:
        return (
            f"recovered: position {self.position.qty}, {len(self.adopted)} open orders adopted, "
            f"{len(self.recorded_fills)} fills while down, {len(self.closed)} orders closed "
            f"on the exchange, {len(self.lost)} never received"
        )


def owned_by(client_order_id: str, bot: str) -> bool:
    """Whether `client_order_id` is one of `bot`'s (`{bot}-{seq}`), and not of `{bot}-x`'s."""
    head, _, seq = client_order_id.rpartition("-")
    return head == bot and seq.isdigit()


def sequence_of(client_order_id: str) -> int:
    seq = client_order_id.rpartition("-")[2]
    return int(seq) if seq.isdigit() else 0


def replay_position(symbol: str, fills: Iterable[Fill], signed: bool = False) -> Position:
    """The position the fills make, applied in time order from flat (`signed`: on a one-way
    perpetual, where a short is negative)."""
    position = Position(symbol)
    for fill in sorted(fills, key=lambda f: f.ts):
        position = position.apply_signed(fill) if signed else position.apply(fill)
    return position


async def reconcile(
    bot: str, symbol: str, exchange: Exchange, journal: TradeJournal, now_ms: int
) -> Reconciled:
    """Bring the journal in line with the exchange and say what the bot starts from.

    Raises ExchangeError (or OSError/TimeoutError) when the exchange does not answer.
    """
    saved = await journal.load_snapshot(bot)
    snapshot = BotCheckpoint.read(saved[0]) if saved else None
    journal_open = {o.client_order_id: o for o in await journal.open_orders(bot)}
    recent = {o.client_order_id: o for o in await journal.orders_of(bot, limit=RECENT_ORDERS)}
    known = {**recent, **journal_open}
    venue_open = [o for o in await exchange.open_orders(symbol) if owned_by(o.client_order_id, bot)]
    history = list(await journal.fills_of(bot))
    since = _fills_since(history, recent.values(), journal_open.values(), venue_open)
    fills = await _record_missing_fills(bot, symbol, exchange, journal, known, history, since)
    everything = [*history, *fills]
    position = replay_position(symbol, everything, isinstance(exchange, Perpetual))
    await journal.record_position(bot, position, now_ms)
    listed = {o.client_order_id for o in venue_open}
    unlisted = [o for cid, o in journal_open.items() if cid not in listed]
    late, closed, lost = await _settle_missing(bot, symbol, exchange, journal, unlisted, now_ms)
    adopted, completed = await _adopt_open(bot, journal, [*venue_open, *late], known, everything)
    closed += completed
    held = sum((p.qty for p in await exchange.positions(symbol) if p.symbol == symbol), ZERO)
    seq = max(
        [await journal.last_sequence(bot)]
        + [sequence_of(o.client_order_id) for o in venue_open]
        + [snapshot.seq if snapshot is not None else 0]
    )
    return Reconciled(
        position=position,
        adopted=tuple(adopted),
        recorded_fills=tuple(fills),
        closed=tuple(closed),
        lost=tuple(lost),
        seq=seq,
        venue_qty=held,
        snapshot=snapshot,
        snapshot_ts=saved[1] if saved else None,
    )


async def reconcile_with_retry(
    bot: str,
    symbol: str,
    exchange: Exchange,
    journal: TradeJournal,
    now_ms: Callable[[], int],
    delays: Sequence[float] = RETRY_DELAYS_S,
    sleep: Sleep = asyncio.sleep,
) -> Reconciled:
    """`reconcile`, tried again after each of `delays`; ExchangeUnavailable if it never works."""
    attempt = 0
    while True:
        try:
            return await reconcile(bot, symbol, exchange, journal, now_ms())
        except (ExchangeError, OSError, TimeoutError) as err:
            if attempt >= len(delays):
                tries = f"{attempt + 1} attempt{'s' if attempt else ''}"
                raise ExchangeUnavailable(f"the exchange did not answer ({tries}): {err}") from err
            await sleep(delays[attempt])
            attempt += 1


def _fills_since(
    history: Sequence[Fill],
    recent: Iterable[Order],
    journal_open: Iterable[Order],
    venue_open: Iterable[Order],
) -> int | None:
    """Where executions the journal may lack can start: None if there can be none."""
    last_fill = history[-1].ts if history else None
    moments = [o.created_ms for o in journal_open] + [o.created_ms for o in venue_open]
    moments += [
        o.created_ms for o in recent if last_fill is None or o.updated_ms >= last_fill - MARGIN_MS
    ]
    if last_fill is not None:
        moments.append(last_fill)
    return min(moments) - MARGIN_MS if moments else None


async def _record_missing_fills(
    bot: str,
    symbol: str,
    exchange: Exchange,
    journal: TradeJournal,
    known: Mapping[str, Order],
    history: Sequence[Fill],
    since: int | None,
) -> list[Fill]:
    if since is None:
        return []
    recorded = {f.fill_id for f in history}
    missing = []
    for fill in await exchange.fills_since(symbol, max(since, 0)):
        cid = fill.client_order_id
        if not owned_by(cid, bot) or fill.fill_id in recorded:
            continue
        if await journal.has_fill(fill.fill_id):
            continue  # journalled under another name: still recorded exactly once
        order = known.get(cid)
        tagged = replace(fill, bot=bot, tag=fill.tag or (order.tag if order else ""))
        await journal.record_fill(tagged)
        recorded.add(fill.fill_id)
        missing.append(tagged)
    return missing


async def _adopt_open(
    bot: str,
    journal: TradeJournal,
    venue_open: Sequence[Order],
    known: Mapping[str, Order],
    fills: Sequence[Fill],
) -> tuple[list[Order], list[Order]]:
    """The exchange's open orders of the bot, tagged from the journal, their filled quantity
    counted from the recorded fills (so no fill is counted twice); any the fills complete are
    closed instead."""
    filled: dict[str, Decimal] = {}
    for fill in fills:
        filled[fill.client_order_id] = filled.get(fill.client_order_id, ZERO) + fill.qty
    adopted: list[Order] = []
    closed: list[Order] = []
    for order in venue_open:
        mine = known.get(order.client_order_id)
        qty_filled = filled.get(order.client_order_id, ZERO)
        status = order.status
        if qty_filled >= order.qty:
            status = OrderStatus.FILLED
        elif qty_filled > 0:
            status = OrderStatus.PARTIALLY_FILLED
        tagged = replace(
            order,
            bot=bot,
            tag=order.tag or (mine.tag if mine else ""),
            filled_qty=min(qty_filled, order.qty),
            status=status,
        )
        await journal.record_order(tagged)
        (adopted if tagged.is_open else closed).append(tagged)
    return adopted, closed


async def _settle_missing(
    bot: str,
    symbol: str,
    exchange: Exchange,
    journal: TradeJournal,
    missing: Sequence[Order],
    now_ms: int,
) -> tuple[list[Order], list[Order], list[Order]]:
    """Ask the exchange about each order it did not list: (still open after all, closed by
    the exchange's answer, never received). The open ones are for `_adopt_open` to record."""
    still_open: list[Order] = []
    closed: list[Order] = []
    lost: list[Order] = []
    for order in missing:
        reply = await exchange.get_order(symbol, order.client_order_id)
        if reply is None:
            gone = replace(
                order, status=OrderStatus.REJECTED, reject_reason=LOST_REASON, updated_ms=now_ms
            )
            await journal.record_order(gone)
            lost.append(gone)
            continue
        settled = replace(reply, bot=bot, tag=reply.tag or order.tag)
        if settled.is_open:
            still_open.append(settled)
            continue
        await journal.record_order(settled)
        closed.append(settled)
    return still_open, closed, lost
