"""Funding settlements booked to the bots: realised PnL, shown apart, journaled once.

A venue settles funding on its net position of a symbol; the engine's bots on that symbol
hold parts of it. A settlement is split between the bots holding the symbol on its side (long,
or short on a perpetual venue where a bot's position is signed) in proportion to their
quantities (to 8 decimals, the last bot taking the remainder so the
shares add up exactly), each share realised in the bot's PnL (`Position.with_funding`) and
journaled once per (settlement, bot): a settlement heard again (a reconnect's gap-fill, a
restart's catch-up) books nothing. A settlement no bot holds a position for (on the other
side, or an account position opened by hand) is logged as a warning and counted, never
dropped silently.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Protocol, runtime_checkable

from traderagent.domain import ZERO, FundingFee, Position, Side
from traderagent.engine.journal import TradeJournal

log = logging.getLogger("traderagent.engine")


class FundedBot(Protocol):
    """What booking funding needs of a bot (`BotRuntime` is one)."""

    position: Position

    @property
    def name(self) -> str: ...

    @property
    def symbol(self) -> str: ...

    @property
    def journal(self) -> TradeJournal: ...


SHARE_STEP = Decimal("0.00000001")


@runtime_checkable
class FundingJournal(Protocol):
    """Where funding shares are kept (the database journal; a backtest has no funding)."""

    async def record_funding(self, share: FundingFee) -> bool:
        """Insert a bot's share once; False if it was booked before."""
        ...

    async def funding_of(self, bot: str) -> Sequence[FundingFee]: ...


def shares(fee: FundingFee, holdings: Mapping[str, Decimal]) -> list[FundingFee]:
    """`fee` split between the bots of `holdings` (bot -> signed qty held) on the fee's side
    (a long's: qty > 0; a short's: qty < 0), by quantity. Each share's `amount` is what that
    bot paid (negative: received); its `position_qty` the size it held."""
    short = fee.position_side is Side.SELL
    held = {b: -q if short else q for b, q in holdings.items() if (q < 0 if short else q > 0)}
    total = sum(held.values(), ZERO)
    if not total:
        return []
    result, left = [], fee.amount
    for index, (bot, qty) in enumerate(sorted(held.items())):
        last = index == len(held) - 1
        amount = left if last else (fee.amount * qty / total).quantize(SHARE_STEP)
        left -= amount
        result.append(replace(fee, bot=bot, position_qty=qty, amount=amount))
    return result


class FundingBook:
    """Books the settlements a venue reports to the engine's bots."""

    def __init__(self, journal: object) -> None:
        self._journal = journal if isinstance(journal, FundingJournal) else None
        self.unbooked: Counter[str] = Counter()  # settlements no bot held, by symbol

    async def book(self, fee: FundingFee, bots: Sequence[FundedBot]) -> list[FundingFee]:
        """Book `fee` to the bots on its symbol; the shares booked now (none if heard before)."""
        holders = {b.name: b.position.qty for b in bots if b.symbol == fee.symbol}
        split = shares(fee, holders)
        if not split:
            self.unbooked[fee.symbol] += 1
            log.warning(
                "funding %s on %s (%s %s, position %s %s) not booked: no bot holds that position",
                fee.funding_id, fee.symbol, -fee.amount, fee.asset, fee.position_side.value,
                fee.position_qty,
            )  # fmt: skip
            return []
        by_name = {b.name: b for b in bots}
        booked = []
        for share in split:
            if self._journal is not None and not await self._journal.record_funding(share):
                continue  # heard again: booked before
            bot = by_name[share.bot]
            bot.position = bot.position.with_funding(-share.amount)
            await bot.journal.record_position(bot.name, bot.position, share.ts)
            booked.append(share)
        return booked


async def with_booked_funding(bot: str, position: Position, journal: object) -> Position:
    """`position` as recovery rebuilt it from the fills, with the funding `bot` was booked
    before realised again (a journal without funding: unchanged)."""
    if not isinstance(journal, FundingJournal):
        return position
    received = -sum((s.amount for s in await journal.funding_of(bot)), ZERO)
    return position.with_funding(received) if received else position
