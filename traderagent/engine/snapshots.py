"""Immutable views of a running engine: what panes, summaries and (later) the API render."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from traderagent.domain import ZERO, Balance
from traderagent.facade import BotSnapshot, EngineSnapshot, RegimeView, RunSummary

if TYPE_CHECKING:
    from traderagent.engine.bot import BotRuntime
    from traderagent.engine.orchestrator import Engine


def valuation(
    balances: Mapping[str, Balance], prices: Mapping[str, Decimal], quote: str
) -> Decimal:
    """Account value in the quote asset: other assets at their last `ASSETQUOTE` price."""
    total = ZERO
    for asset, balance in balances.items():
        if asset == quote:
            total += balance.total
        elif balance.total:
            price = prices.get(f"{asset}{quote}")
            if price is not None:
                total += balance.total * price
    return total


def bot_snapshot(bot: BotRuntime) -> BotSnapshot:
    position = bot.position
    mark = bot.last_price
    return BotSnapshot(
        name=bot.name,
        symbol=bot.symbol,
        strategy=bot.strategy.kind,
        state=bot.state,
        position_qty=position.qty,
        avg_price=position.avg_price,
        realised_pnl=position.realised_pnl,
        unrealised_pnl=position.unrealised(mark) if mark is not None else ZERO,
        fees=position.fees,
        orders_placed=bot.orders_placed,
        fills=bot.fills,
        open_orders=len(bot.orders),
        last_price=mark,
        detail=bot.strategy.describe() if bot.strategy_started else "waiting for the first price",
        state_reason=bot.state_reason,
    )


def engine_snapshot(engine: Engine) -> EngineSnapshot:
    equity = engine.equity
    orders = tuple(
        sorted(
            (o for bot in engine.bots.values() for o in bot.orders.values()),
            key=lambda o: o.price if o.price is not None else ZERO,
            reverse=True,
        )
    )
    return EngineSnapshot(
        mode=engine.mode,
        venue=engine.exchange.name,
        clock_ms=engine.clock.now_ms(),
        equity=equity,
        starting_equity=engine.starting_equity if engine.starting_equity is not None else equity,
        bots=tuple(bot_snapshot(bot) for bot in engine.bots.values()),
        open_orders=orders,
        recent_fills=tuple(engine.recent_fills),
        running=engine.running,
        finished=engine.finished,
        data_label=engine.data_label,
        replay_progress=engine.progress,
        venue_status=engine.venue_status,
        regimes=tuple(
            RegimeView(
                reading,
                engine.route_labels.get(reading.regime.value, "") if reading.regime else "",
            )
            for reading in engine.regimes.values()
        ),
    )


def run_summary(engine: Engine) -> RunSummary:
    bots = tuple(bot_snapshot(bot) for bot in engine.bots.values())
    equity = engine.equity
    return RunSummary(
        bots=bots,
        orders_placed=sum(b.orders_placed for b in bots),
        fills=sum(b.fills for b in bots),
        fees=sum((b.fees for b in bots), ZERO),
        realised_pnl=sum((b.realised_pnl for b in bots), ZERO),
        starting_equity=engine.starting_equity if engine.starting_equity is not None else equity,
        final_equity=equity,
        candles=engine.candles,
        started_ms=engine.started_ms,
        ended_ms=engine.clock.now_ms(),
        reason=engine.finish_reason,
        database=engine.database_label,
    )
