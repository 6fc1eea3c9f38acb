"""The fleet: every bot of the daemons sharing this daemon's database, and where it runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from enum import Enum

from fastapi import FastAPI

from traderagent.api.context import PREFIX
from traderagent.api.fleet_view import FleetView

__all__ = ["FleetSource", "FleetView", "add_fleet_routes"]


FleetSource = Callable[[], Awaitable[Sequence[FleetView]]]


def add_fleet_routes(app: FastAPI, fleet: FleetSource | None) -> None:
    tag: list[str | Enum] = ["fleet"]

    @app.get(f"{PREFIX}/fleet", tags=tag, response_model=list[FleetView])
    async def fleet_bots() -> list[FleetView]:
        """Every bot of the fleet and the daemon running it (empty: not a fleet daemon)."""
        return list(await fleet()) if fleet is not None else []
