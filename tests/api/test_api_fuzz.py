"""A property run over the OpenAPI document (schemathesis, in-process ASGI): whatever it sends,
valid or not, the API never answers 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from api_kit import AUTH, SHORT, TOKEN, InstantBacktests, config_of
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi

from traderagent.api.app import create_app
from traderagent.wiring.runtime import build_engine

Message = dict[str, Any]
TWO_HOURS = SHORT.replace("T08:00:00Z", "T02:00:00Z")


class EngineOnItsLoop:
    """An ASGI app that builds the real paper engine, and the API over it, in the event loop
    that serves it (schemathesis runs the app on a loop of its own, in another thread)."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.api: FastAPI | None = None

    async def __call__(self, scope: Message, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            assert self.api is not None
            await self.api(scope, receive, send)
            return
        await receive()  # lifespan.startup
        built = await build_engine(config_of(TWO_HOURS), self.db)
        await built.engine.run()  # orders rest, fills happened
        self.api = create_app(
            built.engine,
            TOKEN,
            config_source=lambda: config_of(TWO_HOURS),
            backtests=InstantBacktests(),
        )
        async with self.api.router.lifespan_context(self.api):
            await send({"type": "lifespan.startup.complete"})
            await receive()  # lifespan.shutdown
        await built.engine.close()
        await send({"type": "lifespan.shutdown.complete"})


@pytest.fixture
def api_schema(tmp_path: Path) -> Iterator[Any]:
    app = EngineOnItsLoop(tmp_path / "fuzz.db")
    try:
        yield schemathesis.openapi.from_asgi("/openapi.json", app)
    finally:
        asgi.shutdown_lifespans()


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_request_gets_a_server_error(case: Any) -> None:
    case.call_and_validate(headers=AUTH, checks=[not_a_server_error])
