"""The API test kit: a real paper engine, the app over it (in-process or on a loopback port)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from kit.factories import SMALL_CONFIG

from traderagent.api.app import create_app
from traderagent.api.backtests import BacktestOutcome, ReplayRunner
from traderagent.api.server import ApiServer
from traderagent.config import AppConfig, parse_config
from traderagent.engine.orchestrator import Engine
from traderagent.facade import RunSummary
from traderagent.wiring.runtime import build_engine

TOKEN = "api-test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PACED = SMALL_CONFIG.replace("speed: max", "speed: 7200").replace(
    'end: "2023-03-02', 'end: "2023-03-08'
)
"""A week of candles at two simulated hours a second: the engine keeps running in a test."""


def config_of(text: str = SMALL_CONFIG) -> AppConfig:
    return parse_config(text, "api.yaml", {})


async def paper_engine(tmp_path: Path, text: str = SMALL_CONFIG) -> Engine:
    built = await build_engine(config_of(text), tmp_path / "api.db")
    return built.engine


SHORT = SMALL_CONFIG.replace('end: "2023-03-02T00:00:00Z"', 'end: "2023-03-01T08:00:00Z"')
"""Eight hours of candles at full speed."""


async def replayed_engine(tmp_path: Path) -> Engine:
    """A paper engine that has replayed eight hours: orders rest, fills happened, and its bots
    still trade (stopped on the last candle, as by --duration: not FINISHED)."""
    engine = await paper_engine(tmp_path, SHORT)
    engine.finish_reason = "stopped on the last candle"
    await engine.run()
    return engine


@asynccontextmanager
async def api_client(
    engine: Engine, token: str | None = TOKEN, **options: Any
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The app over `engine`, its lifespan running, and an in-process client (with the token
    unless `token` is None)."""
    app = create_app(engine, TOKEN, **options)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://api", headers=headers) as client,
    ):
        yield app, client


@asynccontextmanager
async def served(engine: Engine, **options: Any) -> AsyncIterator[str]:
    """The app over `engine` on a free loopback port (real uvicorn, same event loop)."""
    server = ApiServer(create_app(engine, TOKEN, **options), "127.0.0.1", 0)
    url = await server.start()
    try:
        yield url
    finally:
        await server.stop()


class InstantBacktests:
    """A backtest runner that checks like the real one and finishes at once (route tests)."""

    def __init__(self) -> None:
        self.runs: list[tuple[datetime | None, datetime | None]] = []

    def check(self, config: AppConfig, start: datetime | None, end: datetime | None) -> None:
        ReplayRunner().check(config, start, end)

    async def run(
        self,
        config: AppConfig,
        start: datetime | None,
        end: datetime | None,
        progress: Callable[[float], None],
        cancelled: Callable[[], bool],
    ) -> BacktestOutcome:
        self.runs.append((start, end))
        progress(1.0)
        summary = RunSummary((), 0, 0, Decimal(0), Decimal(0), Decimal(1), Decimal(1), 0, 0, 0, "")
        return BacktestOutcome(summary, ((0, Decimal(1)),), "nothing")
