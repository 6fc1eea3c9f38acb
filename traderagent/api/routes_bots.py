"""`/api/v1/bots`: the list, one bot's detail and chart, and its lifecycle commands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Annotated

from fastapi import FastAPI, Query, Response

from traderagent.api.context import PREFIX, ApiContext
from traderagent.api.responses import NOT_FOUND, REFUSED, json_bytes
from traderagent.api.schemas import BotDetail
from traderagent.api.wire import BOT, BOTS, CHART
from traderagent.facade import BotChart, BotSnapshot

Command = Callable[[str], Awaitable[None]]


def add_bot_routes(app: FastAPI, ctx: ApiContext) -> None:
    tag: list[str | Enum] = ["bots"]
    engine = ctx.engine

    @app.get(
        f"{PREFIX}/bots",
        tags=tag,
        response_model=list[BotSnapshot],
        summary="Every bot, as it is now",
    )
    async def list_bots() -> Response:
        return json_bytes(BOTS.dump_json(engine.snapshot().bots))

    @app.get(f"{PREFIX}/bots/{{name}}", tags=tag, response_model=BotDetail, responses=NOT_FOUND)
    async def bot_detail(name: str) -> BotDetail:
        """One bot with its resting orders, recent fills and risk limits."""
        snapshot = engine.snapshot()
        bot = ctx.bot(name, snapshot)
        return BotDetail(
            bot=bot,
            orders=tuple(o for o in snapshot.open_orders if o.bot == name),
            fills=tuple(f for f in snapshot.recent_fills if f.bot == name),
            risk_limits=tuple(v for v in snapshot.risk_limits if v.owner == name),
        )

    @app.get(
        f"{PREFIX}/bots/{{name}}/chart", tags=tag, response_model=BotChart, responses=NOT_FOUND
    )
    async def bot_chart(
        name: str, minutes: Annotated[int, Query(ge=2, le=10_080)] = 240
    ) -> Response:
        """The bot's recent 1m closes, order levels, entry, stop and fills."""
        ctx.bot(name)
        return json_bytes(CHART.dump_json(engine.bot_chart(name, minutes)))

    def command(verb: str, action: Command, doc: str) -> None:
        async def run(name: str) -> Response:
            ctx.bot(name)
            await action(name)
            return json_bytes(BOT.dump_json(ctx.bot(name)))

        app.add_api_route(
            f"{PREFIX}/bots/{{name}}/{verb}",
            run,
            methods=["POST"],
            response_model=BotSnapshot,
            responses={**NOT_FOUND, **REFUSED},
            summary=doc,
            name=f"{verb}_bot",
            tags=tag,
        )

    command("start", engine.start_bot, "Start a stopped bot")
    command("stop", engine.stop_bot, "Stop a bot, cancelling its open orders")
    command("pause", engine.pause_bot, "Pause a running bot: orders rest, nothing new is placed")
    command("resume", engine.resume_bot, "Resume a paused bot")
