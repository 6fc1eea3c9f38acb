"""`RemoteEngine`: `EngineAPI` over a daemon's REST + WebSocket API (`traderagent-tui --connect`).

Queries answer from a snapshot polled every 250 ms, events come over the WebSocket, commands
are REST calls: a refusal (any 4xx/5xx) is a CommandError with the daemon's own message, an
unreachable daemon a RemoteError. `shutdown` detaches: the daemon and its bots run on.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx

from traderagent.api.fleet_view import FleetView
from traderagent.api.remote_feed import (
    POLL_S,
    RemoteState,
    feed_events,
    fetch_fleet,
    fetch_snapshot,
    poll,
)
from traderagent.api.wire import LEDGER
from traderagent.bus import EventBus, EventStream
from traderagent.domain.events import Event
from traderagent.facade import BotChart, CommandError, EngineSnapshot, ReloadReport, RunSummary
from traderagent.ledger import TradeLedger

if TYPE_CHECKING:
    from traderagent.config import AppConfig

TIMEOUT_S = 10.0


class RemoteError(Exception):
    """The daemon could not be reached, or would not take the token: the message says which."""


def error_message(response: httpx.Response) -> str:
    """The daemon's reason for a refusal: its `detail`, or the status line."""
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    if isinstance(detail, list):  # a validation error: one `field: problem` per item
        parts = [
            f"{'.'.join(str(p) for p in d.get('loc', ())[1:])}: {d.get('msg')}" for d in detail
        ]
        detail = "; ".join(parts)
    return str(detail) if detail else f"HTTP {response.status_code} {response.reason_phrase}"


class RemoteEngine:
    """Implements EngineAPI for an engine running in a daemon at `url`."""

    def __init__(self, url: str, token: str, *, poll_s: float = POLL_S) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self._poll_s = poll_s
        self._http = httpx.AsyncClient(
            base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT_S
        )
        self._bus = EventBus()
        self._state: RemoteState | None = None
        self._ended = asyncio.Event()
        self.end_reason = ""
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def problem(self) -> str:
        """What is wrong with the connection now ('' when all is well)."""
        state = self._state
        return (state.problem or state.stream_problem) if state is not None else ""

    async def connect(self) -> None:
        """Reach the daemon, check the token, take the first snapshot, start following it."""
        try:
            health = await self._http.get("/api/v1/health")
            snapshot = await fetch_snapshot(self._http)
        except httpx.HTTPStatusError as err:
            if err.response.status_code == 401:
                raise RemoteError(
                    f"the daemon at {self.url} refused the token: set TRADERAGENT_API_TOKEN to "
                    "the daemon's token (`traderagent api-token` where it runs prints it)"
                ) from None
            raise RemoteError(f"{self.url}: {error_message(err.response)}") from None
        except (httpx.HTTPError, ValueError) as err:
            raise RemoteError(f"cannot reach a TraderAgent daemon at {self.url}: {err}") from None
        if health.status_code != 200:
            raise RemoteError(f"{self.url} is not a TraderAgent daemon")
        self._state = state = RemoteState(snapshot)
        try:
            fleet = await fetch_fleet(self._http)
        except (httpx.HTTPError, ValueError):
            fleet = []  # asked again with each poll only of a fleet daemon
        state.fleet = fleet or None
        ws_url = "ws" + self.url.removeprefix("http") + "/api/v1/stream"
        self._tasks = [
            asyncio.create_task(poll(self._http, state, self._end, self._poll_s), name="poll"),
            asyncio.create_task(feed_events(ws_url, self.token, self._bus, state), name="feed"),
        ]

    def _end(self, reason: str) -> None:
        if not self._ended.is_set():
            self.end_reason = reason
            self._ended.set()

    @property
    def state(self) -> RemoteState:
        if self._state is None:
            raise RemoteError("not connected: call connect() first")
        return self._state

    # -- EngineAPI: queries -------------------------------------------------------------------

    def snapshot(self) -> EngineSnapshot:
        return self.state.snapshot

    @property
    def in_fleet(self) -> bool:
        """The daemon is one of a fleet (`run --headless --fleet`)."""
        return self.state.fleet is not None

    def fleet(self) -> list[FleetView]:
        """Every bot of the daemon's fleet and where it runs, as last polled (every second)."""
        return list(self.state.fleet or [])

    def events(self, kinds: tuple[type[Event], ...] = (), maxsize: int = 2_000) -> EventStream:
        return self._bus.stream(kinds, maxsize)

    def bot_chart(self, name: str, minutes: int = 240) -> BotChart:
        state = self.state
        state.wanted[name] = (max(2, min(minutes, 10_080)), time.monotonic())
        chart = state.charts.get(name)
        if chart is not None:
            return chart
        symbol = next((b.symbol for b in state.snapshot.bots if b.name == name), "")
        return BotChart(name, symbol)  # drawn empty until the next refresh brings it

    # -- EngineAPI: the run -------------------------------------------------------------------

    async def run(self) -> RunSummary:
        """Follow the daemon until it stops or this client detaches."""
        await self._ended.wait()
        snap = self.state.snapshot
        bots = snap.bots
        return RunSummary(
            bots=bots,
            orders_placed=sum(b.orders_placed for b in bots),
            fills=sum(b.fills for b in bots),
            fees=sum((b.fees for b in bots), Decimal(0)),
            funding=sum((b.funding for b in bots), Decimal(0)),
            realised_pnl=sum((b.realised_pnl for b in bots), Decimal(0)),
            starting_equity=snap.starting_equity,
            final_equity=snap.equity,
            candles=0,
            started_ms=snap.clock_ms,
            ended_ms=snap.clock_ms,
            reason=self.end_reason,
            drawdown_pct=snap.drawdown_pct,
            orders_rejected=sum(b.orders_rejected for b in bots),
            allocator_refused=sum(b.allocator_refused for b in bots),
        )

    async def shutdown(self, cancel_orders: bool = False) -> None:
        """Detach. The daemon keeps running; it never cancels orders for a leaving client."""
        if cancel_orders:
            raise CommandError(
                "attached to a daemon: quitting only detaches; stop (s) or halt (!) the bots "
                "first to cancel their orders"
            )
        self._end("detached from the daemon")
        await self._stop_tasks()

    async def close(self) -> None:
        self._end("detached from the daemon")
        await self._stop_tasks()
        await self._http.aclose()

    async def _stop_tasks(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    # -- EngineAPI: commands ------------------------------------------------------------------

    async def _post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            response = await self._http.post(f"/api/v1{path}", json=body)
        except httpx.HTTPError as err:
            raise RemoteError(f"the daemon at {self.url} did not answer: {err}") from None
        if response.is_error:
            raise CommandError(error_message(response))
        with contextlib.suppress(httpx.HTTPError, ValueError):
            self.state.snapshot = await fetch_snapshot(self._http)  # show the result at once
        return response.json()

    async def start_bot(self, name: str) -> None:
        await self._post(f"/bots/{name}/start")

    async def pause_bot(self, name: str) -> None:
        await self._post(f"/bots/{name}/pause")

    async def resume_bot(self, name: str) -> None:
        await self._post(f"/bots/{name}/resume")

    async def stop_bot(self, name: str) -> None:
        await self._post(f"/bots/{name}/stop")

    async def halt(self, name: str | None = None, reason: str = "operator") -> None:
        await self._post("/halt", {"bot": name, "reason": reason})

    async def acknowledge(self, name: str) -> None:
        await self._post("/halt/ack", {"bot": name})

    async def close_position(self, name: str, stop: bool = False) -> None:
        await self._post(f"/bots/{name}/close?stop={'true' if stop else 'false'}")

    async def closed_trades(self, bot: str | None = None) -> TradeLedger:
        """The daemon's closed trades (all of them: `limit` at its maximum)."""
        params: dict[str, str | int] = {"limit": 10_000}
        if bot is not None:
            params["bot"] = bot
        try:
            response = await self._http.get("/api/v1/trades", params=params)
        except httpx.HTTPError as err:
            raise RemoteError(f"the daemon at {self.url} did not answer: {err}") from None
        if response.is_error:
            raise CommandError(error_message(response))
        ledger: TradeLedger = LEDGER.validate_json(response.content)
        return ledger

    async def reload_config(self, config: AppConfig) -> ReloadReport:
        """Send `config` for the daemon to apply what it safely can."""
        return _report(
            await self._post("/config/reload", {"config": config.model_dump(mode="json")})
        )

    async def reload_daemon_config(self) -> ReloadReport:
        """Ask the daemon to re-read the config file it was started with."""
        return _report(await self._post("/config/reload", {}))


def _report(data: Any) -> ReloadReport:
    return ReloadReport(tuple(data.get("applied", ())), tuple(data.get("refused", ())))
