"""After a restart, a trend position's exits that the exchange still holds are adopted, not
placed again: the stop order resting there (a conditional order on a perpetual) becomes the
position's stop at its trigger, its take profit the target, and their tags and versions
continue. So a bot that crashed and comes back has one stop on the exchange, never two, and a
trailing stop it moves later replaces that one."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from strategies.trend.position import LongPosition, TrailingStop
from traderagent.domain import Order, OrderType, Side

_EXIT = re.compile(r"^(stop|tp)(\d+)\.(\d+)$")


def _closing(order: Order, short: bool, held: Decimal) -> bool:
    """An order that closes all of the position: the other side, for at least its size."""
    side = Side.BUY if short else Side.SELL
    return order.side is side and order.qty - order.filled_qty >= held and order.price is not None


@dataclass(frozen=True, slots=True)
class AdoptedExits:
    """The exits found resting for a position, as the strategy takes them over."""

    seq: int
    stop_version: int
    stop_level: Decimal
    tp_version: int
    take_profit: Decimal | None
    tags: frozenset[str]
    position: LongPosition
    note: str


def adopt_exits(
    resting: Collection[Order], held: Decimal, short: bool, entry: Decimal
) -> AdoptedExits | None:
    """The newest stop order resting for the whole position of `held` (and the take profit
    of the same position, if one rests), taken over; None when there is none to adopt."""
    stops: dict[tuple[int, int], Order] = {}
    targets: dict[tuple[int, int], Order] = {}
    for order in resting:
        match = _EXIT.match(order.tag)
        if match is None or not _closing(order, short, held):
            continue
        key = (int(match[2]), int(match[3]))
        if match[1] == "stop" and order.type is OrderType.STOP_MARKET:
            stops[key] = order
        elif match[1] == "tp" and order.type is OrderType.LIMIT:
            targets[key] = order
    if not stops:
        return None
    seq, version = max(stops)
    stop = stops[(seq, version)]
    level = stop.price
    if level is None:  # _closing kept priced orders only
        return None
    mine = [key for key in targets if key[0] == seq]
    target = targets[max(mine)] if mine else None
    take_profit = target.price if target is not None else None
    return AdoptedExits(
        seq,
        version,
        level,
        max(mine)[1] if mine else 0,
        take_profit,
        frozenset(o.tag for o in (stop, target) if o is not None),
        LongPosition(entry, TrailingStop(level, short), take_profit, entry, True, short),
        f"adopted the exchange's stop {stop.tag} at {level}",
    )
