"""WebSocket `/api/v1/stream`: the bus's events as JSON, one message each, in bus order.

Every client reads its own bounded stream (`api.stream_buffer` events). Pushing into it costs
the engine the same whether the client keeps up or not; a client that falls a whole buffer
behind, or cannot take a message for SEND_TIMEOUT_S, is closed with code SLOW_CLIENT and can
reconnect. The token comes as `?token=` or an `Authorization: Bearer` header; `?kinds=
OrderFilled,BotStateChanged` narrows the event types.
"""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import FastAPI, WebSocket, WebSocketDisconnect, status

from traderagent.api.auth import TokenGuard
from traderagent.api.context import PREFIX, ApiContext
from traderagent.api.wire import EVENT_KINDS, encode_event
from traderagent.bus import EventStream
from traderagent.domain.events import Event

SLOW_CLIENT = 4001
"""Close code for a client dropped for falling behind (the reason says how far)."""
SEND_TIMEOUT_S = 10.0


class BadKinds(ValueError):
    """`?kinds=` names an event type the bus does not have."""


def parse_kinds(text: str | None) -> tuple[type[Event], ...]:
    if not text:
        return ()
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in EVENT_KINDS]
    if unknown:
        raise BadKinds(f"unknown event kind(s): {', '.join(unknown)[:60]}")
    return tuple(EVENT_KINDS[n] for n in names)


async def _until_disconnect(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends until it goes away."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return


async def _send_events(
    websocket: WebSocket, events: EventStream, gone: asyncio.Task[None], ctx: ApiContext
) -> None:
    while True:
        waiting = asyncio.ensure_future(events.next_batch())
        await asyncio.wait({waiting, gone}, return_when=asyncio.FIRST_COMPLETED)
        if gone.done():
            waiting.cancel()
            return
        batch = waiting.result()
        if events.dropped:
            ctx.streams.dropped_clients += 1
            reason = f"too slow: fell more than {events.maxsize} events behind; reconnect"
            await websocket.close(SLOW_CLIENT, reason)
            return
        for event in batch:
            try:
                await asyncio.wait_for(websocket.send_text(encode_event(event)), SEND_TIMEOUT_S)
            except TimeoutError:
                ctx.streams.dropped_clients += 1
                await websocket.close(SLOW_CLIENT, f"too slow: a message waited {SEND_TIMEOUT_S}s")
                return


def add_stream_route(app: FastAPI, ctx: ApiContext, guard: TokenGuard) -> None:
    @app.websocket(f"{PREFIX}/stream")
    async def stream(websocket: WebSocket) -> None:
        if not guard.websocket_allowed(websocket):
            await websocket.close(status.WS_1008_POLICY_VIOLATION, "missing or wrong API token")
            return
        try:
            kinds = parse_kinds(websocket.query_params.get("kinds"))
        except BadKinds as err:
            await websocket.close(status.WS_1008_POLICY_VIOLATION, str(err))
            return
        # subscribed before the handshake completes: the client misses nothing after it
        events = ctx.engine.events(kinds, maxsize=ctx.stream_buffer)
        ctx.streams.clients += 1
        gone: asyncio.Task[None] | None = None
        try:
            await websocket.accept()
            gone = asyncio.create_task(_until_disconnect(websocket))
            await _send_events(websocket, events, gone, ctx)
        except WebSocketDisconnect:
            return  # the client left while we were sending
        finally:
            events.close()
            if gone is not None:
                gone.cancel()
            ctx.streams.clients -= 1
