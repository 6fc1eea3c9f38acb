"""The WebSocket endpoints: `/v5/public/{spot,linear}` and `/v5/private`.

Ops as on Bybit: `ping` (public spot and linear pongs differ; private answers `op: pong` with
the wall time in `args`), `subscribe`/`unsubscribe`, and on the private stream `auth` first.
Private topics: `order`, `execution`, `position`, `wallet` and their categorised forms
(`order.spot`, `execution.linear`, ...); one request may not mix the two forms. The 10-minute
idle cut-off of private connections is not emulated.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Protocol

from starlette.websockets import WebSocket, WebSocketDisconnect

from traderagent.exchanges.emulator.injector import FaultInjector
from traderagent.exchanges.emulator.market_stream import MarketStream
from traderagent.exchanges.emulator.signing import Credentials, check_ws_auth
from traderagent.exchanges.emulator.streams import Connection, PrivateFeed

PRIVATE_TOPICS = ("order", "execution", "position", "wallet")
MIXABLE = ("order", "execution", "position")  # wallet has no categorised form
CATEGORISED = (
    "order.spot", "order.linear", "execution.spot", "execution.linear", "position.linear",
)  # fmt: skip
SPOT_MAX_ARGS = 10

Endpoint = Callable[[WebSocket], Awaitable[None]]


class StreamContext(Protocol):
    """What the endpoints need of the emulator."""

    credentials: Credentials
    injector: FaultInjector
    market: MarketStream
    feed: PrivateFeed

    def wall_ms(self) -> int: ...


def public_endpoint(ctx: StreamContext) -> Endpoint:
    async def serve(websocket: WebSocket) -> None:
        category = str(websocket.path_params["category"])
        if category not in ctx.market.connections:
            await websocket.close(code=4004)
            return
        connection = Connection(websocket, f"public/{category}", ctx.injector)
        subscribers = ctx.market.connections[category]
        await _serve(
            websocket, connection, subscribers, lambda m: _public_op(ctx, category, connection, m)
        )

    return serve


def private_endpoint(ctx: StreamContext) -> Endpoint:
    async def serve(websocket: WebSocket) -> None:
        connection = Connection(websocket, "private", ctx.injector)
        await _serve(
            websocket, connection, ctx.feed.connections, lambda m: _private_op(ctx, connection, m)
        )

    return serve


async def _serve(
    websocket: WebSocket,
    connection: Connection,
    registry: set[Connection],
    handle: Callable[[dict[str, object]], None],
) -> None:
    await websocket.accept()
    sender = asyncio.create_task(connection.run_sender())
    registry.add(connection)
    try:
        # the client leaving, or the sender dropping the connection, ends the loop
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            while not connection.closed:
                message = _decode(await websocket.receive_text())
                if message is None:
                    error = "error:request must be a JSON object"
                    connection.send(
                        {"success": False, "ret_msg": error, "conn_id": connection.conn_id}
                    )
                    continue
                handle(message)
    finally:
        registry.discard(connection)
        connection.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await sender


def _decode(text: str) -> dict[str, object] | None:
    try:
        message = json.loads(text)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def _reply(
    connection: Connection, message: dict[str, object], op: str, ok: bool, text: str
) -> None:
    reply: dict[str, object] = {"success": ok, "ret_msg": text, "conn_id": connection.conn_id}
    reply["req_id"] = message.get("req_id", "")
    reply["op"] = op
    connection.send(reply)


def _public_op(
    ctx: StreamContext, category: str, connection: Connection, message: dict[str, object]
) -> None:
    op = message.get("op")
    if op == "ping":
        _reply(connection, message, "ping", True, "pong")
        return
    if op not in ("subscribe", "unsubscribe"):
        _reply(connection, message, str(op), False, f"error:unknown op {op!r}")
        return
    args = message.get("args")
    if not isinstance(args, list) or not args:
        _reply(connection, message, str(op), False, "error:args must be a non-empty list")
        return
    if category == "spot" and len(args) > SPOT_MAX_ARGS:
        _reply(connection, message, str(op), False, f"error:args size >{SPOT_MAX_ARGS}")
        return
    topics = [ctx.market.parse(category, name) for name in args]
    for name, topic in zip(args, topics, strict=True):
        if topic is None:
            _reply(connection, message, str(op), False, f"error:handler not found,topic:{name}")
            return
    ok_text = "subscribe" if category == "spot" and op == "subscribe" else ""
    if op == "unsubscribe":
        for topic in topics:
            if topic is not None:
                connection.topics.discard(topic.name)
                connection.last_ticker.pop(topic.name, None)
                connection.last_book.pop(topic.name, None)
        _reply(connection, message, "unsubscribe", True, ok_text)
        return
    already = [t.name for t in topics if t is not None and t.name in connection.topics]
    if already:
        _reply(
            connection, message, "subscribe", False, f"error:already subscribed,topic:{already[0]}"
        )
        return
    _reply(connection, message, "subscribe", True, ok_text)
    for topic in topics:
        if topic is not None:
            connection.topics.add(topic.name)
            ctx.market.send_current(connection, category, topic)


def _private_op(ctx: StreamContext, connection: Connection, message: dict[str, object]) -> None:
    op = message.get("op")
    if op == "ping":
        connection.send(
            {
                "req_id": message.get("req_id", ""),
                "op": "pong",
                "args": [str(ctx.wall_ms())],
                "conn_id": connection.conn_id,
            }
        )
    elif op == "auth":
        if connection.authenticated:
            _reply(connection, message, "auth", False, "Repeat auth")
            return
        refusal = check_ws_auth(message.get("args"), ctx.credentials, ctx.wall_ms())
        connection.authenticated = refusal is None
        _reply(connection, message, "auth", refusal is None, refusal or "")
    elif op in ("subscribe", "unsubscribe"):
        _private_subscription(connection, message, str(op))
    else:
        _reply(connection, message, str(op), False, f"error:unknown op {op!r}")


def _private_subscription(connection: Connection, message: dict[str, object], op: str) -> None:
    if not connection.authenticated:
        _reply(connection, message, op, False, "Request not authorized")
        return
    args = message.get("args")
    if not isinstance(args, list) or not args:
        _reply(connection, message, op, False, "error:args must be a non-empty list")
        return
    unknown = [a for a in args if a not in PRIVATE_TOPICS and a not in CATEGORISED]
    if unknown:
        _reply(connection, message, op, False, f"error:handler not found,topic:{unknown[0]}")
        return
    if any(a in MIXABLE for a in args) and any(a in CATEGORISED for a in args):
        _reply(
            connection,
            message,
            op,
            False,
            "error:all-in-one and categorised topics cannot be mixed",
        )
        return
    if op == "subscribe":
        connection.topics.update(str(a) for a in args)
    else:
        connection.topics.difference_update(str(a) for a in args)
    _reply(connection, message, op, True, "")
