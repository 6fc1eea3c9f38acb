"""A bot joins a fleet daemon's running engine: it took the bot over (the daemon that ran it
died, or handed it back) or the bot was free.

It is built as at start (`runtime.assemble_engine`): its strategy or router, the shared capital
allocator, its risk gate. On a shared paper account the venue first adopts the bot's stored
orders and fills (`DatabaseBookStore.load_bots`); then the bot starts as after any restart, so
it reconciles with the venue (the exchange is the truth: its open orders adopted, fills it
lacks recorded once) before it trades. Bots leave the other way in `traderagent.engine.fleet`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from traderagent.config import AppConfig
from traderagent.engine.adoption import autostart
from traderagent.engine.bot import BotRuntime
from traderagent.engine.risk import RiskGate
from traderagent.exchanges.paper.exchange import PaperExchange
from traderagent.exchanges.ports import market_of
from traderagent.wiring.assembly import bot_strategy, router_binding

if TYPE_CHECKING:
    from traderagent.engine.allocator import CapitalAllocator
    from traderagent.engine.orchestrator import Engine
    from traderagent.wiring.paper_store import DatabaseBookStore


async def admit_bot(
    engine: Engine,
    config: AppConfig,
    name: str,
    allocator: CapitalAllocator,
    book: DatabaseBookStore | None = None,
) -> BotRuntime:
    """Build bot `name` of `config` into `engine` (the caller holds the engine's lock) and
    start it if it autostarts (it reconciles first). `book`: the shared paper account, whose
    orders and fills of the bot the venue adopts."""
    index, bot_config = next((i, b) for i, b in enumerate(config.bots) if b.name == name)
    exchange = engine.exchange
    if book is not None and isinstance(exchange, PaperExchange):
        exchange.adopt(await book.load_bots([name]))
        await exchange.persist(force=True)  # the balances rebased on the stored ones
    instrument = await exchange.instrument(bot_config.symbol)
    strategy = bot_strategy(bot_config, index, instrument)
    bot = BotRuntime(
        name,
        strategy,
        instrument,
        exchange,
        engine.journal,
        engine.bus,
        engine.clock,
        close_positions_on_halt=config.halt.close_positions,
        allocator=allocator,
        router=router_binding(bot_config, index, instrument),
    )
    bot.funds = engine
    bot.execution.guard = engine.guard
    if bot_config.risk is not None or config.risk.limits_entries:
        bot.risk = RiskGate(instrument, bot_config.risk, config.risk, engine)
    model = next((b for b in engine.bots.values() if b.symbol == bot.symbol), None)
    if model is not None:
        bot.history.extend(model.history)  # the same symbol's candles prime its strategy
    await engine.journal.register_bot(
        name,
        bot.symbol,
        strategy.kind,
        bot_config.model_dump(mode="json"),
        market=market_of(exchange),
    )
    engine.bots[name] = bot
    if bot_config.autostart:  # not if the operator stopped it (in whichever daemon)
        await autostart(bot)
    return bot
