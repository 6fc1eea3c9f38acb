"""The account's views: the whole snapshot, orders, fills, positions, regime, risk, equity."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from fastapi import FastAPI, Query, Response

from traderagent.api.context import PREFIX, ApiContext
from traderagent.api.responses import NOT_FOUND, json_bytes
from traderagent.api.schemas import EquityPoint, EquityView, PositionView, RiskView
from traderagent.api.wire import FILLS, ORDERS, REGIMES, SNAPSHOT
from traderagent.domain import Fill, Order
from traderagent.facade import EngineSnapshot, RegimeView

Filter = Annotated[str | None, Query(max_length=40)]


def add_account_routes(app: FastAPI, ctx: ApiContext) -> None:
    tag: list[str | Enum] = ["account"]
    engine = ctx.engine

    @app.get(f"{PREFIX}/snapshot", tags=tag, response_model=EngineSnapshot)
    async def snapshot() -> Response:
        """Everything the console draws, in one object (what an attached TUI polls)."""
        return json_bytes(SNAPSHOT.dump_json(engine.snapshot()))

    @app.get(f"{PREFIX}/orders", tags=tag, response_model=list[Order], responses=NOT_FOUND)
    async def orders(bot: Filter = None, symbol: Filter = None) -> Response:
        """Resting orders, highest price first; `bot` or `symbol` narrow them (an unknown
        bot is a 404, not an empty list)."""
        snap = engine.snapshot()
        if bot is not None:
            ctx.bot(bot, snap)
        found = tuple(
            o
            for o in snap.open_orders
            if (bot is None or o.bot == bot) and (symbol is None or o.symbol == symbol)
        )
        return json_bytes(ORDERS.dump_json(found))

    @app.get(f"{PREFIX}/fills", tags=tag, response_model=list[Fill], responses=NOT_FOUND)
    async def fills(
        bot: Filter = None, limit: Annotated[int, Query(ge=1, le=1_000)] = 50
    ) -> Response:
        """The engine's most recent fills (it keeps the last 50), newest last."""
        snap = engine.snapshot()
        if bot is not None:
            ctx.bot(bot, snap)
        found = [f for f in snap.recent_fills if bot is None or f.bot == bot]
        return json_bytes(FILLS.dump_json(tuple(found[-limit:])))

    @app.get(f"{PREFIX}/positions", tags=tag, response_model=list[PositionView])
    async def positions() -> list[PositionView]:
        """Each bot's position, valued at its last price (flat bots included)."""
        return [
            PositionView(
                bot=b.name,
                symbol=b.symbol,
                qty=b.position_qty,
                avg_price=b.avg_price,
                last_price=b.last_price,
                unrealised_pnl=b.unrealised_pnl,
                realised_pnl=b.realised_pnl,
                stop_price=b.stop_price,
                liquidation_price=b.liquidation_price,
                liquidation_distance_pct=b.liquidation_distance_pct,
                liquidation_level=b.liquidation_level,
            )
            for b in engine.snapshot().bots
        ]

    @app.get(f"{PREFIX}/regime", tags=tag, response_model=list[RegimeView])
    async def regime() -> Response:
        """The market regime of each traded symbol and the strategy it routes to."""
        return json_bytes(REGIMES.dump_json(engine.snapshot().regimes))

    @app.get(f"{PREFIX}/risk", tags=tag, response_model=RiskView)
    async def risk() -> RiskView:
        """The day's PnL, the drawdown, and every configured limit with its use now."""
        snap = engine.snapshot()
        return RiskView(
            day_pnl=snap.day_pnl,
            drawdown_pct=snap.drawdown_pct,
            drawdown_limit_pct=snap.drawdown_limit_pct,
            breached=sum(1 for v in snap.risk_limits if v.breached),
            limits=snap.risk_limits,
        )

    @app.get(f"{PREFIX}/equity", tags=tag, response_model=EquityView)
    async def equity() -> EquityView:
        """Equity now and the equity points stored since this daemon started."""
        snap = engine.snapshot()
        return EquityView(
            clock_ms=snap.clock_ms,
            equity=snap.equity,
            starting_equity=snap.starting_equity,
            pnl=snap.pnl,
            day_pnl=snap.day_pnl,
            drawdown_pct=snap.drawdown_pct,
            points=tuple(EquityPoint(ts=ts, equity=e) for ts, e in ctx.observer.equity),
        )
