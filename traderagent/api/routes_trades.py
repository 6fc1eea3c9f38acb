"""Closed trades and profit (`/api/v1/trades`, `/profit`, `/performance`), and closing a bot's
position at market (`/bots/{name}/close`)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Literal

from fastapi import FastAPI, Query, Response

from traderagent.api.context import PREFIX, ApiContext
from traderagent.api.responses import NOT_FOUND, REFUSED, json_bytes
from traderagent.api.wire import BOT, LEDGER
from traderagent.facade import BotSnapshot
from traderagent.ledger import BotPerformance, PeriodProfit, TradeLedger, performance, profit

Filter = Annotated[str | None, Query(max_length=40)]


def add_trade_routes(app: FastAPI, ctx: ApiContext) -> None:
    tag: list[str | Enum] = ["trades"]
    engine = ctx.engine

    async def ledger(bot: str | None) -> TradeLedger:
        if bot is not None:
            ctx.bot(bot)
        return await engine.closed_trades(bot)

    @app.get(f"{PREFIX}/trades", tags=tag, response_model=TradeLedger, responses=NOT_FOUND)
    async def trades(
        bot: Filter = None, limit: Annotated[int, Query(ge=1, le=10_000)] = 500
    ) -> Response:
        """Closed trades (round trips) from every stored fill, oldest exit first (the last
        `limit`): entry, exit, quantity, fees and PnL in quote, times, the exit's tag. Also
        what is still open and any sold quantity no recorded buy matched."""
        found = await ledger(bot)
        shown = TradeLedger(found.trades[-limit:], found.open_qty, found.unmatched_qty)
        return json_bytes(LEDGER.dump_json(shown))

    @app.get(f"{PREFIX}/profit", tags=tag, response_model=list[PeriodProfit], responses=NOT_FOUND)
    async def profit_by_period(
        period: Literal["day", "week", "month"] = "day", bot: Filter = None
    ) -> list[PeriodProfit]:
        """Closed trades' PnL per UTC day, ISO week or month of their exit, oldest first."""
        return list(profit((await ledger(bot)).trades, period))

    @app.get(f"{PREFIX}/performance", tags=tag, response_model=list[BotPerformance])
    async def bot_performance() -> list[BotPerformance]:
        """Each bot's closed trades in total (trades, wins, PnL, fees, best, worst)."""
        return list(performance((await ledger(None)).trades))

    @app.post(
        f"{PREFIX}/bots/{{name}}/close",
        tags=["bots"],
        response_model=BotSnapshot,
        responses={**NOT_FOUND, **REFUSED},
    )
    async def close_position(name: str, stop: bool = False) -> Response:
        """Cancel the bot's orders and sell its position at market; a running bot is then
        paused, or stopped with `stop=true`."""
        ctx.bot(name)
        await engine.close_position(name, stop=stop)
        return json_bytes(BOT.dump_json(ctx.bot(name)))
