"""What keeps a `RemoteEngine` current: a snapshot poll, chart refreshes, and the event stream.

`snapshot()` and `bot_chart()` are synchronous in `EngineAPI`, so the client answers them from
values these loops refresh. Events arrive over the WebSocket and are published on a local bus;
a reconnect says in the log that events were missed meanwhile.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from traderagent.api.fleet_view import FleetView
from traderagent.api.wire import CHART, SNAPSHOT, WireError, decode_event
from traderagent.bus import EventBus
from traderagent.domain.events import LogRecord
from traderagent.facade import BotChart, EngineSnapshot

POLL_S = 0.25
CHART_EVERY_S = 1.0
CHART_FORGET_S = 5.0
GONE_AFTER_S = 10.0
"""A daemon that answers nothing for this long has stopped (or the network is down)."""
GONE_AFTER_TRIES = 3
"""...and failed this many polls in a row: a console that was itself stalled (a loaded
machine, a long redraw) finds its kept-alive connection closed once, and that is no verdict."""
RECONNECT_MAX_S = 5.0


class RemoteState:
    """The latest snapshot and charts, and why the connection is unwell ('' when fine)."""

    def __init__(self, snapshot: EngineSnapshot) -> None:
        self.snapshot = snapshot
        self.charts: dict[str, BotChart] = {}
        self.wanted: dict[str, tuple[int, float]] = {}
        """Bot -> (minutes, when last asked): charts the screen shows now."""
        self.fleet: list[FleetView] | None = None
        """Every bot of the daemon's fleet and where it runs (None: not a fleet daemon)."""
        self.problem = ""
        """Why the last poll failed ('' once one succeeds)."""
        self.stream_problem = ""
        """Why the event stream is down ('' while it is connected)."""
        self.last_answer = time.monotonic()


async def fetch_snapshot(http: httpx.AsyncClient) -> EngineSnapshot:
    response = await http.get("/api/v1/snapshot")
    response.raise_for_status()
    snapshot = SNAPSHOT.validate_json(response.content)
    if not isinstance(snapshot, EngineSnapshot):
        raise ValueError("the daemon sent no snapshot")
    return snapshot


async def fetch_fleet(http: httpx.AsyncClient) -> list[FleetView]:
    """`/api/v1/fleet`: empty from a daemon that is no fleet's (or too old to have one)."""
    response = await http.get("/api/v1/fleet")
    if response.status_code == 404:
        return []
    response.raise_for_status()
    return [FleetView.model_validate(item) for item in response.json()]


async def fetch_chart(http: httpx.AsyncClient, name: str, minutes: int) -> BotChart:
    response = await http.get(f"/api/v1/bots/{name}/chart", params={"minutes": minutes})
    response.raise_for_status()
    chart = CHART.validate_json(response.content)
    if not isinstance(chart, BotChart):
        raise ValueError("the daemon sent no chart")
    return chart


async def poll(
    http: httpx.AsyncClient, state: RemoteState, ended: Callable[[str], None], poll_s: float
) -> None:
    """Refresh the snapshot every `poll_s` and the shown charts every second, until the daemon
    stops or has not answered for GONE_AFTER_S and GONE_AFTER_TRIES polls in a row."""
    charts_due = 0.0
    failed = 0
    while True:
        try:
            state.snapshot = await fetch_snapshot(http)
            state.last_answer = time.monotonic()
            state.problem = ""
            failed = 0
            if time.monotonic() >= charts_due:
                charts_due = time.monotonic() + CHART_EVERY_S
                await refresh_charts(http, state)
                if state.fleet is not None:
                    state.fleet = await fetch_fleet(http)
        except (httpx.HTTPError, ValueError) as err:
            failed += 1
            state.problem = f"daemon not answering: {type(err).__name__}: {err}"
            silent = time.monotonic() - state.last_answer
            if silent > GONE_AFTER_S and failed >= GONE_AFTER_TRIES:
                ended(f"the daemon stopped answering ({state.problem})")
                return
        if state.snapshot.finished:
            ended("the daemon's engine has finished")
            return
        await asyncio.sleep(poll_s)


async def refresh_charts(http: httpx.AsyncClient, state: RemoteState) -> None:
    now = time.monotonic()
    for name, (minutes, asked) in list(state.wanted.items()):
        if now - asked > CHART_FORGET_S:
            del state.wanted[name]
            continue
        try:
            state.charts[name] = await fetch_chart(http, name, minutes)
        except httpx.HTTPStatusError:
            state.charts.pop(name, None)  # a bot gone from the daemon (after a reload)


async def feed_events(ws_url: str, token: str, bus: EventBus, state: RemoteState) -> None:
    """Publish the daemon's events on `bus`, reconnecting (with backoff) whenever dropped."""
    delay = 0.25
    first = True
    headers = {"Authorization": f"Bearer {token}"}
    while True:
        try:
            async with connect(ws_url, additional_headers=headers, open_timeout=5) as ws:
                if not first:
                    _note(bus, state, "event stream reconnected: events meanwhile were missed")
                first, delay, state.stream_problem = False, 0.25, ""
                async for message in ws:
                    try:
                        bus.publish(decode_event(message))
                    except WireError:
                        continue  # an event this client does not know (a newer daemon)
        except (OSError, TimeoutError, WebSocketException) as err:
            state.stream_problem = f"event stream: {type(err).__name__}: {err}"
        await asyncio.sleep(delay)
        delay = min(delay * 2, RECONNECT_MAX_S)


def _note(bus: EventBus, state: RemoteState, message: str) -> None:
    bus.publish(LogRecord(state.snapshot.clock_ms, "WARNING", message))
