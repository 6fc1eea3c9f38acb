"""The engine's closed trades: every fill its journal holds for its bots, matched into trades."""

from __future__ import annotations

from collections.abc import Iterable

from traderagent.domain import Fill
from traderagent.engine.bot import BotRuntime
from traderagent.engine.journal import TradeJournal
from traderagent.ledger import TradeLedger, closed_trades


async def ledger_of(journal: TradeJournal, bots: Iterable[BotRuntime]) -> TradeLedger:
    """The closed trades of `bots` from every fill stored for them (across restarts), each
    matched the way its strategy trades (grid lot by lot, others entries to exit), a
    perpetual's as a signed position (a sell may open a short)."""
    fills: list[Fill] = []
    kinds: dict[str, str] = {}
    signed: set[str] = set()
    for bot in bots:
        kinds[bot.name] = bot.strategy.kind
        if bot.perpetual is not None:
            signed.add(bot.name)
        fills.extend(await journal.fills_of(bot.name))
    return closed_trades(fills, kinds, signed)
