"""`create_app`: the daemon's FastAPI app over one `EngineAPI`.

REST under `/api/v1` (bearer token on every route but the health check), the event stream at
`/api/v1/stream`, Prometheus at `/metrics`, the OpenAPI document at `/openapi.json`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from traderagent import __version__
from traderagent.api.auth import TokenGuard, document_bearer
from traderagent.api.backtests import BacktestJobs, BacktestRunner
from traderagent.api.body_limit import MAX_BODY_BYTES, BodyLimit
from traderagent.api.context import PREFIX, ApiContext
from traderagent.api.gate import FrontDoor
from traderagent.api.latency import ExchangeLatency
from traderagent.api.metrics import metrics_registry
from traderagent.api.observer import EngineObserver
from traderagent.api.responses import install_handlers, json_bytes
from traderagent.api.routes_account import add_account_routes
from traderagent.api.routes_backtests import add_backtest_routes
from traderagent.api.routes_bots import add_bot_routes
from traderagent.api.routes_control import add_control_routes
from traderagent.api.routes_fleet import FleetSource, add_fleet_routes
from traderagent.api.routes_trades import add_trade_routes
from traderagent.api.schemas import Health
from traderagent.api.stream import add_stream_route
from traderagent.config import AppConfig
from traderagent.facade import EngineAPI


def create_app(
    engine: EngineAPI,
    token: str,
    *,
    config_source: Callable[[], AppConfig] | None = None,
    stream_buffer: int = 1_000,
    latency: ExchangeLatency | None = None,
    backtests: BacktestRunner | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
    fleet: FleetSource | None = None,
) -> FastAPI:
    """The API for `engine`, requiring `token`.

    `config_source` re-reads the daemon's config file (a reload without a body, a backtest of
    the daemon's own config); `latency` is the exchange timing the daemon installed;
    `backtests` replaces the default backtest runner; a request body over `max_body_bytes`
    is refused (413); `fleet` lists the bots of a fleet daemon's fleet (`/api/v1/fleet`).
    """
    guard = TokenGuard(token)
    ctx = ApiContext(
        engine=engine,
        observer=EngineObserver(engine),
        backtests=BacktestJobs(backtests),
        config_source=config_source,
        stream_buffer=stream_buffer,
        latency=latency or ExchangeLatency(),
    )
    registry = metrics_registry(engine, ctx.observer, ctx.streams, ctx.latency)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx.observer.start()
        try:
            yield
        finally:
            await ctx.backtests.close()
            await ctx.observer.stop()

    app = FastAPI(
        title="TraderAgent daemon",
        version=__version__,
        description="The headless engine's REST API. Every route but the health check needs "
        "`Authorization: Bearer <token>` (`traderagent api-token` prints it).",
        lifespan=lifespan,
    )
    app.state.context = ctx
    install_handlers(app)
    health_body = Health(version=__version__).model_dump_json().encode()
    app.add_middleware(FrontDoor, guard=guard, health=health_body)
    app.add_middleware(BodyLimit, limit=max_body_bytes)  # outermost: before any body is read
    document_bearer(app)

    async def health() -> Response:
        """The daemon answers (no token needed; `FrontDoor` answers it before routing)."""
        return json_bytes(health_body)

    for path in ("/health", f"{PREFIX}/health"):
        app.add_api_route(path, health, methods=["GET"], response_model=Health, tags=["health"])
    add_bot_routes(app, ctx)
    add_account_routes(app, ctx)
    add_control_routes(app, ctx)
    add_trade_routes(app, ctx)
    add_backtest_routes(app, ctx)
    add_fleet_routes(app, fleet)
    add_stream_route(app, ctx, guard)

    @app.get("/metrics", tags=["metrics"])
    async def metrics() -> Response:
        """Prometheus text format: bots, equity, PnL, drawdown, exchange latency, bus lag."""
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return app
